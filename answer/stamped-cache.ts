/**
 * Values made from something that may change since, the most recently used kept. An entry is
 * keyed (by chunk id, say) and holds what it was made from, its stamp: the text, a chunk object
 * the corpus hands out once per chunk, or the corpus's revision. A value whose source has changed
 * since (by this server or, with a shared database, by another) no longer matches its stamp and
 * is made anew, so nothing needs telling.
 */
export class StampedCache<T> {
  private readonly entries = new Map<string, { stamp: unknown; value: T }>();

  constructor(private readonly capacity: number) {}

  /** False when nothing is kept (a capacity of 0). */
  get enabled(): boolean {
    return this.capacity > 0;
  }

  /** The value cached under `key` if it was made from `stamp`, else `make()`'s, cached. */
  get<V extends T>(key: string, stamp: unknown, make: () => V): V {
    const cached = this.peek(key, stamp) as V | undefined;
    if (cached !== undefined) return cached;
    const value = make();
    this.set(key, stamp, value);
    return value;
  }

  /** The value cached under `key` if it was made from `stamp` (it then counts as just used). */
  peek(key: string, stamp: unknown): T | undefined {
    const entry = this.entries.get(key);
    if (entry === undefined) return undefined;
    this.entries.delete(key);
    if (entry.stamp !== stamp) return undefined;
    this.entries.set(key, entry);
    return entry.value;
  }

  set(key: string, stamp: unknown, value: T): void {
    if (this.capacity <= 0) return;
    this.entries.delete(key);
    this.entries.set(key, { stamp, value });
    if (this.entries.size > this.capacity) this.entries.delete(this.entries.keys().next().value!);
  }
}

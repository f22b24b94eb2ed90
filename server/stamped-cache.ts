/**
 * Analyses of texts, the most recently used kept. An entry is keyed (by chunk id, say) and
 * holds what it was made from, its stamp: the text, or a chunk object the corpus hands out once
 * per chunk. A text replaced since (by this server or, with a shared database, by another) no
 * longer matches its stamp and is analysed anew, so nothing needs telling.
 */
export class StampedCache<T> {
  private readonly entries = new Map<string, { stamp: unknown; value: T }>();

  constructor(private readonly capacity: number) {}

  /** The value cached under `key` if it was made from `stamp`, else `make()`'s, cached. */
  get<V extends T>(key: string, stamp: unknown, make: () => V): V {
    const entry = this.entries.get(key);
    this.entries.delete(key);
    const value = entry !== undefined && entry.stamp === stamp ? (entry.value as V) : make();
    this.entries.set(key, { stamp, value });
    if (this.entries.size > this.capacity) this.entries.delete(this.entries.keys().next().value!);
    return value;
  }
}

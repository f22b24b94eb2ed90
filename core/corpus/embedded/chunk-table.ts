import { chunkId, type Article, type Chunk } from "../../article.ts";

/**
 * The chunks of an opened index, by label and by id, read from the chunk table (chunks.bin) when
 * they are asked for.
 *
 * **NOTE:** opening an index used to make every chunk's object and three Maps of them (id →
 * chunk, id → label, article → count). At an archive's half a million chunks that loop was
 * seconds of the start and some 400 MB of heap, while a query touches tens of chunks. Now only
 * the per-article counts are a real Map (one entry per article); a chunk's object is made the
 * first time it is used and then kept, so the docstore and `chunks.get` return the same object,
 * as before.
 */
export class ChunkTable {
  /** Chunks made so far, by label: the build's from the table, live additions from the docstore. */
  readonly byLabel: Chunk[];
  /** Chunks in the table (live additions have labels from here on). */
  readonly size: number;
  private readonly articleIndex: Map<string, number>;
  /** Per article: the label of its first chunk (-1: none) and how many it has. */
  private readonly first: Int32Array;
  private readonly count: Uint32Array;
  /** Set when an article's chunks are not one run in position order: ids are then looked up in a Map. */
  private byId: Map<string, number> | undefined;

  constructor(
    private readonly rows: Uint32Array,
    private readonly articles: readonly Pick<Article, "id" | "title">[],
    private readonly slice: (article: number, start: number, end: number) => string,
  ) {
    this.size = rows.length / 4;
    this.byLabel = new Array<Chunk>(this.size);
    this.articleIndex = new Map(articles.map((a, i) => [a.id, i]));
    this.first = new Int32Array(articles.length).fill(-1);
    this.count = new Uint32Array(articles.length);
    let ordered = true;
    for (let label = 0; label < this.size; label++) {
      const a = rows[label * 4]!;
      if (a >= articles.length)
        throw new Error(`Chunk ${label} belongs to article ${a}, past the ${articles.length} articles`);
      if (this.first[a] === -1) this.first[a] = label;
      // The build writes each article's chunks together and in order; ids are then arithmetic.
      if (rows[label * 4 + 1] !== label - this.first[a]!) ordered = false;
      this.count[a]!++;
    }
    if (!ordered) {
      this.byId = new Map();
      for (let label = 0; label < this.size; label++) this.byId.set(this.idAt(label), label);
    }
  }

  /** Chunk id → label in the table, or undefined when the id is not one of the table's. */
  labelOf(id: unknown): number | undefined {
    if (typeof id !== "string") return undefined;
    if (this.byId) return this.byId.get(id);
    const hash = id.lastIndexOf("#");
    if (hash < 0) return undefined;
    const a = this.articleIndex.get(id.slice(0, hash));
    if (a === undefined) return undefined;
    const digits = id.slice(hash + 1);
    const position = Number(digits);
    // Only the canonical spelling names a chunk: "1", not "01" or "1.0".
    if (!(position >= 0 && position < this.count[a]!) || String(position) !== digits) return undefined;
    return this.first[a]! + position;
  }

  /** The chunk with this label: from the table (made once), or added live. */
  chunkAt(label: number): Chunk | undefined {
    const made = this.byLabel[label];
    if (made || !(label >= 0 && label < this.size)) return made;
    const a = this.rows[label * 4]!;
    const article = this.articles[a]!;
    const position = this.rows[label * 4 + 1]!;
    const start = this.rows[label * 4 + 2]!;
    const end = this.rows[label * 4 + 3]!;
    const chunk = withText(
      { id: chunkId(article.id, position), articleId: article.id, title: article.title, position, start, end },
      () => this.slice(a, start, end),
    );
    this.byLabel[label] = chunk;
    return chunk;
  }

  /** Article id → how many chunks it has, in the order the articles' first chunks come. */
  chunkCounts(): Map<string, number> {
    const counts = new Map<string, number>();
    for (let label = 0; label < this.size; label++) {
      const a = this.rows[label * 4]!;
      if (this.first[a] === label) counts.set(this.articles[a]!.id, this.count[a]!);
    }
    return counts;
  }

  /** The id of the table's chunk with this label, without making the chunk. */
  idAt(label: number): string {
    return chunkId(this.articles[this.rows[label * 4]!]!.id, this.rows[label * 4 + 1]!);
  }
}

/**
 * A Map keyed by chunk id over a `ChunkTable`: the table's chunks are its first entries, in label
 * order, with the value `valueAt(label)`; `set` and `delete` change it as they would a Map (a key
 * set again keeps its place, a key deleted and set again goes last), and iteration sees changes
 * made while it runs. It is not a `Map` instance: `instanceof Map` and `util.types.isMap` are
 * false, so nothing mistakes its (empty) internal storage for its contents.
 */
export class ChunkMap<V> implements Map<string, V> {
  readonly [Symbol.toStringTag] = "ChunkMap";
  /** The table's labels deleted since opening. */
  private readonly gone: Uint8Array;
  private present: number;
  /** Values set for keys of the table that are still in it. */
  private readonly replaced = new Map<number, V>();
  /** Keys that are not (or no longer) the table's, in insertion order. */
  private readonly added = new Map<string, V>();

  constructor(
    private readonly table: ChunkTable,
    private readonly valueAt: (label: number) => V,
  ) {
    this.gone = new Uint8Array(table.size);
    this.present = table.size;
  }

  get size(): number {
    return this.present + this.added.size;
  }

  get(key: string): V | undefined {
    if (this.added.has(key)) return this.added.get(key);
    const label = this.live(key);
    if (label === undefined) return undefined;
    return this.replaced.has(label) ? this.replaced.get(label) : this.valueAt(label);
  }

  has(key: string): boolean {
    return this.added.has(key) || this.live(key) !== undefined;
  }

  set(key: string, value: V): this {
    const label = this.added.has(key) ? undefined : this.live(key);
    if (label === undefined) this.added.set(key, value);
    else this.replaced.set(label, value);
    return this;
  }

  delete(key: string): boolean {
    if (this.added.delete(key)) return true;
    const label = this.live(key);
    if (label === undefined) return false;
    this.gone[label] = 1;
    this.present--;
    this.replaced.delete(label);
    return true;
  }

  clear(): void {
    this.gone.fill(1);
    this.present = 0;
    this.replaced.clear();
    this.added.clear();
  }

  forEach(callback: (value: V, key: string, map: Map<string, V>) => void, thisArg?: unknown): void {
    for (const [key, value] of this) callback.call(thisArg, value, key, this);
  }

  *entries(): MapIterator<[string, V]> {
    for (let label = 0; label < this.table.size; label++) {
      if (this.gone[label]) continue;
      yield [this.table.idAt(label), this.replaced.has(label) ? this.replaced.get(label)! : this.valueAt(label)];
    }
    yield* this.added.entries();
  }

  *keys(): MapIterator<string> {
    for (let label = 0; label < this.table.size; label++) if (!this.gone[label]) yield this.table.idAt(label);
    yield* this.added.keys();
  }

  *values(): MapIterator<V> {
    for (const [, value] of this.entries()) yield value;
  }

  [Symbol.iterator](): MapIterator<[string, V]> {
    return this.entries();
  }

  /** The key's label in the table, when the table has it and it was not deleted. */
  private live(key: string): number | undefined {
    const label = this.table.labelOf(key);
    return label === undefined || this.gone[label] ? undefined : label;
  }
}

/** The object with a `text` read when it is used (enumerable, so spreads and JSON see it). */
export function withText<T extends object>(target: T, text: () => string): T & { text: string } {
  return Object.defineProperty(target, "text", { get: text, enumerable: true }) as T & { text: string };
}

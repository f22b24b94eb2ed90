import { isContentToken, term } from "../../persian/tokens.ts";

/**
 * Every chunk's title and body as the tokens `tokenize` gives (core/persian/tokens.ts), stored
 * with the index. Re-scoring reads the words of each of a question's hundred candidates;
 * analyzing their text again at query time was most of a search's time on an archive (the text
 * of half a million chunks cannot all be analyzed in memory ahead of time, and a cache misses on
 * a large archive). Tokenised once at ingest, a chunk's words are an array of ids into one
 * vocabulary: its title's, then its body's.
 *
 * Table row i is the chunk with HNSW label i (core/corpus/embedded/store.ts).
 */
export class TokenTable {
  private constructor(
    private readonly vocab: string[],
    /** Row i's ids are `ids[offsets[i]..offsets[i+1])`: its title's `titleLengths[i]`, then its body's. */
    private readonly offsets: Uint32Array,
    private readonly ids: Uint32Array,
    private readonly titleLengths: Uint32Array,
  ) {}

  get rows(): number {
    return this.offsets.length - 1;
  }

  /**
   * Row `row`'s tokens: its body's, its title's, or both in that order (`whole`, title first);
   * undefined past the table (chunks added since the build).
   */
  tokens(row: number, part: TablePart = "body"): string[] | undefined {
    if (!this.has(row)) return undefined;
    const [from, to] = this.range(row, part);
    return this.tokensIn(from, to);
  }

  /**
   * The same tokens' content terms in order (what `analyze` gives for the text), or undefined
   * past the table. Each vocabulary entry is analyzed once, on first use.
   */
  terms(row: number, part: TablePart = "body"): string[] | undefined {
    if (!this.has(row)) return undefined;
    const [from, to] = this.range(row, part);
    return this.termsIn(from, to);
  }

  private has(row: number): boolean {
    return row >= 0 && row < this.rows;
  }

  private range(row: number, part: TablePart): [number, number] {
    const start = this.offsets[row]!;
    const body = start + this.titleLengths[row]!;
    return part === "title" ? [start, body] : [part === "body" ? body : start, this.offsets[row + 1]!];
  }

  private tokensIn(from: number, to: number): string[] {
    const out: string[] = [];
    for (let j = from; j < to; j++) out.push(this.vocab[this.ids[j]!]!);
    return out;
  }

  private termsIn(from: number, to: number): string[] {
    const out: string[] = [];
    for (let j = from; j < to; j++) {
      const id = this.ids[j]!;
      let t = this.termOf[id];
      if (t === undefined) {
        const token = this.vocab[id]!;
        t = this.termOf[id] = isContentToken(token) ? term(token) : null;
      }
      if (t !== null) out.push(t);
    }
    return out;
  }

  /** Per vocabulary entry: its term, null for a stopword, undefined until first asked. */
  private readonly termOf: Array<string | null | undefined> = [];

  /** One table of several, rows in order (the parts of a parallel ingest, each with its own vocabulary). */
  static concat(parts: TokenTable[]): TokenTable {
    const builder = new TokenTableBuilder();
    for (const part of parts) {
      const remap = Uint32Array.from(part.vocab, (token) => builder.idOf(token));
      for (let row = 0; row < part.rows; row++)
        builder.addIds(part.ids.subarray(part.offsets[row], part.offsets[row + 1]), remap, part.titleLengths[row]!);
    }
    return builder.table();
  }

  /** A JSON header (the vocabulary), then the offsets, ids and title lengths as u32. */
  toBinary(): Buffer {
    const header = Buffer.from(JSON.stringify(this.vocab));
    const prefix = Buffer.alloc(12);
    prefix.writeUInt32LE(header.length, 0);
    prefix.writeUInt32LE(this.offsets.length, 4);
    prefix.writeUInt32LE(this.ids.length, 8);
    const pad = Buffer.alloc((4 - (header.length % 4)) % 4);
    const bytes = (a: Uint32Array) => Buffer.from(a.buffer, a.byteOffset, a.byteLength);
    return Buffer.concat([prefix, header, pad, bytes(this.offsets), bytes(this.ids), bytes(this.titleLengths)]);
  }

  static fromBinary(buffer: Buffer): TokenTable {
    // Typed arrays need aligned offsets; a pooled Buffer may not start on one.
    const bytes = buffer.byteOffset % 4 === 0 ? buffer : Buffer.from(buffer);
    const headerLength = bytes.readUInt32LE(0);
    const offsetCount = bytes.readUInt32LE(4);
    const idCount = bytes.readUInt32LE(8);
    const vocab = JSON.parse(bytes.toString("utf8", 12, 12 + headerLength)) as string[];
    const at = 12 + headerLength + ((4 - (headerLength % 4)) % 4);
    if (offsetCount < 1 || bytes.byteLength < at + 4 * (2 * offsetCount - 1 + idCount))
      throw new Error("The chunk token table is truncated");
    const offsets = new Uint32Array(bytes.buffer, bytes.byteOffset + at, offsetCount);
    const ids = new Uint32Array(bytes.buffer, bytes.byteOffset + at + 4 * offsetCount, idCount);
    const titleLengths = new Uint32Array(
      bytes.buffer,
      bytes.byteOffset + at + 4 * (offsetCount + idCount),
      offsetCount - 1,
    );
    if (offsets[offsetCount - 1] !== idCount) throw new Error("The chunk token table is truncated");
    return new TokenTable(vocab, offsets, ids, titleLengths);
  }

  /** The table as plain data, to pass to or from a worker thread (`fromParts` restores it). */
  parts(): TokenTableParts {
    return { vocab: this.vocab, offsets: this.offsets, ids: this.ids, titleLengths: this.titleLengths };
  }

  static fromParts(parts: TokenTableParts): TokenTable {
    return new TokenTable(parts.vocab, parts.offsets, parts.ids, parts.titleLengths);
  }
}

/** A part of a chunk's row: its title's tokens, its body's, or both (title first). */
export type TablePart = "title" | "body" | "whole";

export interface TokenTableParts {
  vocab: string[];
  offsets: Uint32Array;
  ids: Uint32Array;
  titleLengths: Uint32Array;
}

/** Collects rows of tokens into a `TokenTable`. */
export class TokenTableBuilder {
  private readonly vocab: string[] = [];
  private readonly lookup = new Map<string, number>();
  private offsets: Uint32Array = new Uint32Array(1024);
  private ids: Uint32Array = new Uint32Array(1 << 16);
  private titleLengths: Uint32Array = new Uint32Array(1024);
  private rows = 0;
  private length = 0;

  /** A chunk's row: its title's tokens and its body's. */
  add(title: readonly string[], body: readonly string[]): void {
    this.reserve(title.length + body.length);
    this.titleLengths[this.rows] = title.length;
    for (const token of title) this.ids[this.length++] = this.idOf(token);
    for (const token of body) this.ids[this.length++] = this.idOf(token);
    this.offsets[++this.rows] = this.length;
  }

  /** A row given as another vocabulary's ids (title's, then body's), with the map from those to this one's. */
  addIds(ids: Uint32Array, remap: Uint32Array, titleLength: number): void {
    this.reserve(ids.length);
    this.titleLengths[this.rows] = titleLength;
    for (const id of ids) this.ids[this.length++] = remap[id]!;
    this.offsets[++this.rows] = this.length;
  }

  idOf(token: string): number {
    let id = this.lookup.get(token);
    if (id === undefined) {
      id = this.vocab.push(token) - 1;
      this.lookup.set(token, id);
    }
    return id;
  }

  table(): TokenTable {
    return TokenTable.fromParts({
      vocab: this.vocab,
      offsets: this.offsets.slice(0, this.rows + 1),
      ids: this.ids.slice(0, this.length),
      titleLengths: this.titleLengths.slice(0, this.rows),
    });
  }

  private reserve(tokens: number): void {
    if (this.rows + 2 > this.offsets.length) this.offsets = grow(this.offsets, this.rows + 2);
    if (this.rows + 1 > this.titleLengths.length) this.titleLengths = grow(this.titleLengths, this.rows + 1);
    if (this.length + tokens > this.ids.length) this.ids = grow(this.ids, this.length + tokens);
  }
}

function grow(array: Uint32Array, atLeast: number): Uint32Array {
  const next = new Uint32Array(Math.max(atLeast, array.length * 2));
  next.set(array);
  return next;
}

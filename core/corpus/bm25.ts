import { KLargest } from "../top-k.ts";

/**
 * The lexical index: BM25F over analyzed terms of each chunk's title and body, persisted beside
 * the HNSW index. It finds passages by the exact words a reader uses («لباسشویی», a figure,
 * a place), which dense vectors blur, and it knows how rare each term is in the corpus, which
 * weights question terms everywhere else (re-scoring, answer extraction).
 */

/** How rare a term is: what scoring and answer extraction need from the corpus. */
export interface TermWeights {
  idf(term: string): number;
}

export interface Bm25Params {
  k1: number;
  b: number;
  /** A title term counts this many times a body term (BM25F with two fields). */
  titleWeight: number;
}

/** Standard BM25 values; title weight chosen on the dev splits (see `npm run eval`). */
export const DEFAULT_BM25: Bm25Params = { k1: 1.2, b: 0.75, titleWeight: 2 };

export interface LexicalDoc {
  id: string;
  title: string[];
  body: string[];
}

export interface LexicalHit {
  /** Position of the document in the index, stable for one build. */
  doc: number;
  id: string;
  score: number;
}

/** The JSON form: postings as plain arrays. Small indexes and tests use it. */
interface Serialized {
  params: Bm25Params;
  ids: string[];
  lengths: number[];
  /** term → [doc, tf, doc, tf, …] with title occurrences already weighted in. */
  postings: Record<string, number[]>;
}

/**
 * Postings of the build, packed: term i's documents are `docs[offsets[i]..offsets[i+1])`, with
 * their frequencies at the same places in `tfs`. An archive's index has tens of millions of
 * postings; typed arrays hold them in a quarter of the memory of JS arrays and load from disk
 * without parsing (`toBinary`/`fromBinary`).
 */
interface Packed {
  terms: Map<string, number>;
  offsets: Uint32Array;
  docs: Uint32Array;
  tfs: Float32Array;
  /**
   * Per term, the most tf/(tf + k1·(1 − b + b·length/avg)) any of its postings reaches, at the
   * average length `avg` of the build: what lets search bound a term's contribution (MaxScore).
   */
  impacts?: { max: Float32Array; avg: number };
}

const EMPTY: Packed = {
  terms: new Map(),
  offsets: new Uint32Array(1),
  docs: new Uint32Array(0),
  tfs: new Float32Array(0),
};

export class Bm25Index implements TermWeights {
  private totalLength: number;
  /** Documents removed since the build (live updates); skipped by search, dropped at the next build. */
  private readonly removed = new Set<number>();
  private readonly positions = new Map<string, number>();
  /** Postings added since the build (live updates), in the JSON form's layout. */
  private readonly added = new Map<string, number[]>();
  /** An update being staged (`stage`): its documents are the last ones, from `staged.first` on. */
  private staged: Staged | undefined;

  private constructor(
    private readonly params: Bm25Params,
    private readonly ids: string[],
    private readonly lengths: number[],
    private readonly packed: Packed,
  ) {
    this.totalLength = lengths.reduce((a, b) => a + b, 0);
    this.lengthOf = Float64Array.from(lengths);
    ids.forEach((id, i) => this.positions.set(id, i));
  }

  static build(docs: Iterable<LexicalDoc>, params: Bm25Params = DEFAULT_BM25): Bm25Index {
    const index = new Bm25Index(params, [], [], EMPTY);
    index.add(docs);
    return index.compacted();
  }

  /** Adds documents, searchable at once. */
  add(docs: Iterable<LexicalDoc>): void {
    for (const doc of docs) {
      const n = this.append(doc);
      this.positions.set(doc.id, n);
      this.totalLength += this.lengths[n]!;
    }
  }

  /**
   * Adds documents that search does not return and no statistic counts (document frequencies,
   * the average length) until `reveal`: a live update applied in parts, while searches go on
   * between them, goes live whole or not at all. Staged documents are the index's last ones;
   * nothing is `add`ed until the update is revealed or discarded.
   */
  stage(docs: Iterable<LexicalDoc>): void {
    const staged = (this.staged ??= { first: this.ids.length, lengthBefore: new Map(), df: new Map(), length: 0 });
    for (const doc of docs) {
      const n = this.append(doc, staged);
      staged.length += this.lengths[n]!;
    }
  }

  /**
   * Makes the staged documents searchable, in one step; each replaces the live document with
   * its id, if there is one.
   */
  reveal(): void {
    const staged = this.staged;
    if (!staged) return;
    this.staged = undefined;
    for (let n = staged.first; n < this.ids.length; n++) {
      const id = this.ids[n]!;
      const old = this.positions.get(id);
      if (old !== undefined) this.removed.add(old);
      this.positions.set(id, n);
    }
    this.totalLength += staged.length;
  }

  /** Drops the staged documents: the index is again what it was before the first `stage`. */
  discard(): void {
    const staged = this.staged;
    if (!staged) return;
    this.staged = undefined;
    for (const [term, length] of staged.lengthBefore) {
      if (length === 0) this.added.delete(term);
      else this.added.get(term)!.length = length;
    }
    this.ids.length = staged.first;
    this.lengths.length = staged.first;
  }

  /** Appends a document's length and postings; returns its number. */
  private append(doc: LexicalDoc, staged?: Staged): number {
    const { params, ids, lengths, added } = this;
    const n = ids.length;
    ids.push(doc.id);
    const tf = new Map<string, number>();
    for (const t of doc.body) tf.set(t, (tf.get(t) ?? 0) + 1);
    for (const t of doc.title) tf.set(t, (tf.get(t) ?? 0) + params.titleWeight);
    const length = doc.body.length + params.titleWeight * doc.title.length;
    lengths.push(length);
    if (n >= this.lengthOf.length) {
      const grown = new Float64Array(Math.max(16, 2 * this.lengthOf.length));
      grown.set(this.lengthOf);
      this.lengthOf = grown;
    }
    this.lengthOf[n] = length;
    for (const [t, f] of tf) {
      const list = added.get(t);
      if (staged) {
        if (!staged.lengthBefore.has(t)) staged.lengthBefore.set(t, list?.length ?? 0);
        staged.df.set(t, (staged.df.get(t) ?? 0) + 1);
      }
      if (list) list.push(n, f);
      else added.set(t, [n, f]);
    }
    return n;
  }

  /**
   * Removes documents by id. Their postings stay until the next build (document frequencies
   * count them meanwhile, a small and temporary bias in IDF); search never returns them.
   */
  remove(ids: Iterable<string>): void {
    for (const id of ids) {
      const n = this.positions.get(id);
      if (n === undefined || this.removed.has(n)) continue;
      this.removed.add(n);
      this.positions.delete(id);
    }
  }

  private get avgLength(): number {
    const count = this.lengths.length - this.stagedCount;
    return count > 0 ? this.totalLength / count : 1;
  }

  static fromJSON(data: Serialized): Bm25Index {
    const index = new Bm25Index(data.params, [...data.ids], [...data.lengths], EMPTY);
    for (const [term, list] of Object.entries(data.postings)) index.added.set(term, [...list]);
    return index.compacted();
  }

  toJSON(): Serialized {
    const postings: Record<string, number[]> = Object.create(null);
    for (const term of this.termList()) postings[term] = this.postings(term);
    return { params: this.params, ids: this.ids, lengths: this.lengths, postings };
  }

  /**
   * The binary form: a JSON header (parameters, ids, terms) and the packed arrays. Removed
   * documents are written too (they are few; a build drops them).
   */
  toBinary(): Buffer {
    const packed = this.compacted().packed;
    const impacts = packed.impacts ?? computeImpacts(packed, this.lengths, this.params, this.avgLength);
    const header = Buffer.from(
      JSON.stringify({ params: this.params, ids: this.ids, terms: [...packed.terms.keys()], impactAvg: impacts.avg }),
    );
    const pad = (4 - ((4 + header.length) % 4)) % 4;
    const lengths = Float32Array.from(this.lengths);
    const prefix = Buffer.alloc(4);
    prefix.writeUInt32LE(header.length);
    const counts = Buffer.alloc(8);
    counts.writeUInt32LE(packed.docs.length, 0);
    counts.writeUInt32LE(lengths.length, 4);
    const bytes = (a: ArrayBufferView) => Buffer.from(a.buffer, a.byteOffset, a.byteLength);
    return Buffer.concat([
      prefix,
      header,
      Buffer.alloc(pad),
      counts,
      bytes(packed.offsets),
      bytes(packed.docs),
      bytes(packed.tfs),
      bytes(lengths),
      bytes(impacts.max),
    ]);
  }

  static fromBinary(buffer: Buffer): Bm25Index {
    // Typed arrays need aligned offsets; a pooled Buffer may not start on one.
    const bytes = buffer.byteOffset % 4 === 0 ? buffer : Buffer.from(buffer);
    const headerLength = bytes.readUInt32LE(0);
    const header = JSON.parse(bytes.toString("utf8", 4, 4 + headerLength)) as {
      params: Bm25Params;
      ids: string[];
      terms: string[];
      impactAvg: number;
    };
    let at = 4 + headerLength + ((4 - ((4 + headerLength) % 4)) % 4);
    const postings = bytes.readUInt32LE(at);
    const docCount = bytes.readUInt32LE(at + 4);
    at += 8;
    const view = <T>(Type: { new (b: ArrayBufferLike, o: number, n: number): T }, n: number): T => {
      const out = new Type(bytes.buffer, bytes.byteOffset + at, n);
      at += n * 4;
      return out;
    };
    const offsets = view(Uint32Array, header.terms.length + 1);
    const docs = view(Uint32Array, postings);
    const tfs = view(Float32Array, postings);
    const lengths = Array.from(view(Float32Array, docCount));
    const terms = new Map<string, number>();
    header.terms.forEach((t, i) => terms.set(t, i));
    const impacts = { max: view(Float32Array, header.terms.length), avg: header.impactAvg };
    return new Bm25Index(header.params, header.ids, lengths, { terms, offsets, docs, tfs, impacts });
  }

  /** This index with every posting packed (live additions included). */
  private compacted(): Bm25Index {
    if (this.added.size === 0) return this;
    const terms = this.termList();
    const offsets = new Uint32Array(terms.length + 1);
    terms.forEach((t, i) => (offsets[i + 1] = offsets[i]! + this.postings(t).length / 2));
    const docs = new Uint32Array(offsets[terms.length]!);
    const tfs = new Float32Array(docs.length);
    terms.forEach((t, i) => {
      const list = this.postings(t);
      for (let j = 0; j < list.length; j += 2) {
        docs[offsets[i]! + j / 2] = list[j]!;
        tfs[offsets[i]! + j / 2] = list[j + 1]!;
      }
    });
    const packed: Packed = { terms: new Map(terms.map((t, i) => [t, i])), offsets, docs, tfs };
    packed.impacts = computeImpacts(packed, this.lengths, this.params, this.avgLength);
    const index = new Bm25Index(this.params, this.ids, this.lengths, packed);
    for (const n of this.removed) index.remove([this.ids[n]!]);
    return index;
  }

  private termList(): string[] {
    const terms = [...this.packed.terms.keys()];
    for (const t of this.added.keys()) if (!this.packed.terms.has(t)) terms.push(t);
    return terms;
  }

  /** A term's postings, [doc, tf, …], packed and added. */
  private postings(term: string): number[] {
    const out: number[] = [];
    this.forEachPosting(term, (doc, tf) => out.push(doc, tf));
    return out;
  }

  private forEachPosting(term: string, visit: (doc: number, tf: number) => void): void {
    const i = this.packed.terms.get(term);
    if (i !== undefined) {
      const { offsets, docs, tfs } = this.packed;
      for (let j = offsets[i]!; j < offsets[i + 1]!; j++) visit(docs[j]!, tfs[j]!);
    }
    const list = this.added.get(term);
    if (list) for (let j = 0; j < list.length; j += 2) visit(list[j]!, list[j + 1]!);
  }

  get docCount(): number {
    return this.ids.length - this.removed.size - this.stagedCount;
  }

  private get stagedCount(): number {
    return this.staged ? this.ids.length - this.staged.first : 0;
  }

  id(doc: number): string {
    return this.ids[doc]!;
  }

  df(term: string): number {
    const i = this.packed.terms.get(term);
    const packed = i === undefined ? 0 : this.packed.offsets[i + 1]! - this.packed.offsets[i]!;
    return packed + (this.added.get(term)?.length ?? 0) / 2 - (this.staged?.df.get(term) ?? 0);
  }

  /** BM25's IDF, always positive; a term the corpus never uses gets the highest weight. */
  idf(term: string): number {
    const n = this.docCount;
    const df = this.df(term);
    return Math.log(1 + (n - df + 0.5) / (df + 0.5));
  }

  /**
   * The `k` best documents for the query terms, optionally only among the documents `within`
   * (ids; one article's chunks). A term may carry a weight (expansion terms count less than the
   * reader's own words).
   */
  search(query: Array<string | { term: string; weight: number }>, k: number, within?: Iterable<string>): LexicalHit[] {
    const weights = new Map<string, number>();
    for (const q of query) {
      const [term, weight] = typeof q === "string" ? [q, 1] : [q.term, q.weight];
      weights.set(term, Math.max(weights.get(term) ?? 0, weight));
    }
    const only = within === undefined ? undefined : this.documents(within);
    // Scores accumulate in a reusable array indexed by document (search is synchronous, so one
    // scratch array per index is safe); only the documents touched are visited afterwards.
    if (this.scratch.length < this.ids.length) {
      this.scratch = new Float64Array(Math.max(this.ids.length, this.scratch.length * 2));
      this.touched = new Uint32Array(this.scratch.length);
      this.open = new Uint32Array(this.scratch.length);
    }
    const scores = this.scratch;
    const touched = this.touched;
    let count = 0;
    // BM25's length normalisation, tf + k1·(1 − b + b·length/avg), as tf + c0 + c1·length.
    const { k1, b } = this.params;
    const c0 = k1 * (1 - b);
    const c1 = (k1 * b) / this.avgLength;
    const lengths = this.lengthOf;
    const removed = this.removed.size > 0 ? this.removed : undefined;
    // Staged documents are the last ones, and only ever in the postings added live.
    const staged = this.staged?.first ?? Infinity;
    const { terms, offsets, docs, tfs } = this.packed;
    // **NOTE:** plain loops over the packed arrays, no callback per posting: a common term of an
    // archive has a hundred thousand postings, and this loop is most of a search's time.
    const visit = (doc: number, tf: number, scale: number) => {
      if (doc >= staged || removed?.has(doc)) return;
      const s = scores[doc]!;
      if (s === 0) touched[count++] = doc;
      scores[doc] = s + (scale * tf) / (tf + c0 + c1 * lengths[doc]!);
    };
    // Terms by their highest possible contribution to any document (`maxImpact`), largest first. Every path adds them in this order, so a document's score is the
    // same to the last bit whichever path computed it.
    const planned = [...weights]
      .map(([term, weight]) => {
        const i = terms.get(term);
        const list = this.added.get(term);
        const scale = weight * this.idf(term) * (k1 + 1);
        return { i, list, scale, bound: scale * this.maxImpact(i, list, c0, c1) };
      })
      .filter((t) => t.scale > 0)
      .sort((a, b) => b.bound - a.bound || b.scale - a.scale);
    // rest[n]: the most the terms from n on can still add.
    const rest = new Float64Array(planned.length + 1);
    for (let n = planned.length - 1; n >= 0; n--) rest[n] = rest[n + 1]! + planned[n]!.bound;
    // The documents that can still be among the top k, once MaxScore has set the remaining terms aside.
    let open: Uint32Array | undefined;
    // A lower bound on the k-th best final score (see `fullScoreFloor`).
    let threshold = -Infinity;
    for (let n = 0; n < planned.length; n++) {
      const { i, list, scale } = planned[n]!;
      if (only) {
        for (const doc of only) {
          const tf = this.termFrequency(i, list, doc);
          if (tf > 0) visit(doc, tf, scale);
        }
        continue;
      }
      // MaxScore: once the k-th best score exceeds all the remaining terms could add, no
      // document they have not reached yet can enter the top k. The common terms left (with
      // the longest postings) then only update the documents that still can (`finish`).
      // The k-th best is bounded from below by `fullScoreFloor`, from the first few thousand
      // documents touched (the rarest terms', the likeliest winners): first as soon as k
      // documents are touched, then again whenever the terms read so far can add more than
      // the rest.
      if (count >= k && k > 0 && (threshold === -Infinity || rest[n]! < rest[0]! - rest[n]!)) {
        threshold = Math.max(
          threshold,
          this.fullScoreFloor(planned, n, touched, Math.min(count, THRESHOLD_SAMPLE), k, scores, c0, c1),
        );
        if (rest[n]! < threshold) {
          open = this.finish(planned, n, rest, threshold, touched, count, scores, c0, c1);
          break;
        }
      }
      if (i !== undefined) {
        for (let j = offsets[i]!, end = offsets[i + 1]!; j < end; j++) {
          const doc = docs[j]!;
          if (removed?.has(doc)) continue;
          const tf = tfs[j]!;
          const s = scores[doc]!;
          if (s === 0) touched[count++] = doc;
          scores[doc] = s + (scale * tf) / (tf + c0 + c1 * lengths[doc]!);
        }
      }
      if (list) for (let j = 0; j < list.length; j += 2) visit(list[j]!, list[j + 1]!, scale);
    }
    // Only documents at or above the threshold can be among the top k (ties included).
    const pool =
      open ??
      (threshold === -Infinity ? touched.subarray(0, count) : atLeast(touched, count, threshold, scores, 0, this.open));
    const best = topDocs(pool, pool.length, k, scores);
    const hits = best.map((doc) => ({ doc, id: this.ids[doc]!, score: scores[doc]! }));
    for (let j = 0; j < count; j++) scores[touched[j]!] = 0;
    return hits;
  }

  /**
   * MaxScore's second phase: the terms from `n` on can no longer bring a document the search
   * has not touched into the top k, so only the touched documents that can still reach
   * `threshold` stay open, and each remaining term updates them. A term with few postings
   * beside the open documents is read through; otherwise it is walked by galloping from one
   * open document to the next (about open·log(postings/open) reads). After each term the open
   * documents that can no longer reach the threshold are dropped. Returns those left.
   *
   * **NOTE:** questions made only of common words leave most touched documents open (66k of
   * 66k at 100k articles): galloping them, after sorting them, cost 4× reading the postings.
   */
  private finish(
    planned: ReadonlyArray<{ i: number | undefined; list: number[] | undefined; scale: number }>,
    n: number,
    rest: Float64Array,
    threshold: number,
    touched: Uint32Array,
    count: number,
    scores: Float64Array,
    c0: number,
    c1: number,
  ): Uint32Array {
    const lengths = this.lengthOf;
    const { offsets, docs, tfs } = this.packed;
    let open = atLeast(touched, count, threshold, scores, rest[n]!, this.open);
    let sorted = false;
    for (let m = n; m < planned.length; m++) {
      const term = planned[m]!;
      if (term.i !== undefined) {
        const from = offsets[term.i]!;
        const end = offsets[term.i + 1]!;
        if (open.length * GALLOP_COST < end - from) {
          // Ascending, like the postings: each is then walked once.
          if (!sorted) ((open = open.sort()), (sorted = true));
          let at = from;
          for (let o = 0; o < open.length && at < end; o++) {
            const doc = open[o]!;
            at = gallop(docs, at, end, doc);
            if (at < end && docs[at] === doc) {
              const tf = tfs[at]!;
              scores[doc] = scores[doc]! + (term.scale * tf) / (tf + c0 + c1 * lengths[doc]!);
            }
          }
        } else {
          // Touched documents that are not open gain too; they stay below the threshold.
          updatePostings(docs, tfs, from, end, scores, term.scale, c0, c1, lengths);
        }
      }
      // Postings added live are few: read them, updating touched documents only.
      if (term.list) {
        for (let j = 0; j < term.list.length; j += 2) {
          const doc = term.list[j]!;
          const tf = term.list[j + 1]!;
          if (scores[doc]! !== 0) scores[doc] = scores[doc]! + (term.scale * tf) / (tf + c0 + c1 * lengths[doc]!);
        }
      }
      if (m + 1 < planned.length) open = narrow(open, threshold, scores, rest[m + 1]!);
    }
    return open;
  }

  /**
   * A lower bound on the k-th best score the search will end with: the k-th best *final* score
   * of the documents that lead after the first `n` terms (the best 2k of `sample` touched
   * documents), each completed by looking the remaining terms up. Partial scores only bound it
   * weakly when the terms read so far are rare and the rest common; completed scores of likely
   * winners let MaxScore set the common terms aside after the first term or two, instead of
   * reading their hundred thousand postings. Terms are added in the search's own order, so
   * each completed score is, to the last bit, what the search computes for that document.
   */
  private fullScoreFloor(
    planned: ReadonlyArray<{ i: number | undefined; list: number[] | undefined; scale: number }>,
    n: number,
    touched: Uint32Array,
    sample: number,
    k: number,
    scores: Float64Array,
    c0: number,
    c1: number,
  ): number {
    const lengths = this.lengthOf;
    const best = new KLargest(k);
    for (const doc of topDocs(touched, sample, Math.min(sample, 2 * k), scores)) {
      let s = scores[doc]!;
      for (let m = n; m < planned.length; m++) {
        const term = planned[m]!;
        const tf = this.termFrequency(term.i, term.list, doc);
        if (tf > 0) s = s + (term.scale * tf) / (tf + c0 + c1 * lengths[doc]!);
      }
      best.push(s);
    }
    return best.full ? best.min : -Infinity;
  }

  /**
   * The most tf/(tf + c0 + c1·length) a term reaches in any document. The build's figure holds
   * at the build's average length; live additions since change the average a little, and the
   * figure grows by at most their ratio (c1 is inversely proportional to it), so it is scaled by
   * that to stay an upper bound. Postings added live are read (they are few).
   */
  private maxImpact(i: number | undefined, added: number[] | undefined, c0: number, c1: number): number {
    let max = 0;
    const impacts = this.packed.impacts;
    if (i !== undefined) max = impacts ? impacts.max[i]! * Math.max(1, this.avgLength / impacts.avg) : 1;
    if (added)
      for (let j = 0; j < added.length; j += 2)
        max = Math.max(max, added[j + 1]! / (added[j + 1]! + c0 + c1 * this.lengthOf[added[j]!]!));
    return Math.min(1, max);
  }

  /** Positions of the live documents with these ids. */
  private documents(ids: Iterable<string>): number[] {
    const out: number[] = [];
    for (const id of ids) {
      const n = this.positions.get(id);
      if (n !== undefined && !this.removed.has(n)) out.push(n);
    }
    return out;
  }

  /** A term's frequency in one document: a binary search of its packed postings (ascending by document), then its live additions. */
  private termFrequency(i: number | undefined, added: number[] | undefined, doc: number): number {
    if (i !== undefined) {
      const { offsets, docs, tfs } = this.packed;
      let lo = offsets[i]!;
      let hi = offsets[i + 1]!;
      while (lo < hi) {
        const mid = (lo + hi) >>> 1;
        if (docs[mid]! < doc) lo = mid + 1;
        else hi = mid;
      }
      if (lo < offsets[i + 1]! && docs[lo] === doc) return tfs[lo]!;
    }
    if (added) for (let j = 0; j < added.length; j += 2) if (added[j] === doc) return added[j + 1]!;
    return 0;
  }

  private touched = new Uint32Array(0);
  private scratch = new Float64Array(0);
  /** The documents still open in MaxScore's second phase (`finish`), or at the threshold: a scratch array like `touched`. */
  private open = new Uint32Array(0);
  /**
   * `lengths` in a typed array, with room for live additions: search reads a document's length
   * for every posting, and a loop reading a JS array of doubles ran ~65% slower.
   */
  private lengthOf: Float64Array;
}

/**
 * Each term's largest tf/(tf + c0 + c1·length) over its postings, rounded up to float32 so it
 * stays an upper bound.
 */
function computeImpacts(
  packed: Packed,
  lengths: number[],
  params: Bm25Params,
  avg: number,
): { max: Float32Array; avg: number } {
  const c0 = params.k1 * (1 - params.b);
  const c1 = (params.k1 * params.b) / avg;
  const max = new Float32Array(packed.offsets.length - 1);
  for (let i = 0; i < max.length; i++) {
    let m = 0;
    for (let j = packed.offsets[i]!; j < packed.offsets[i + 1]!; j++) {
      const tf = packed.tfs[j]!;
      const impact = tf / (tf + c0 + c1 * lengths[packed.docs[j]!]!);
      if (impact > m) m = impact;
    }
    max[i] = Math.min(1, m * (1 + 1e-6));
  }
  return { max, avg };
}

/** A live update being staged (see `Bm25Index.stage`). */
interface Staged {
  /** The first staged document's number. */
  first: number;
  /** Per term the update touches: how long its list of live postings was before, to discard the update. */
  lengthBefore: Map<string, number>;
  /** Per term: how many staged documents have it. */
  df: Map<string, number>;
  /** The staged documents' lengths, summed. */
  length: number;
}

/** How many of the first documents touched bound the k-th best score from below (see `search`). */
const THRESHOLD_SAMPLE = 4096;

/**
 * In MaxScore's second phase, a remaining term is walked by galloping over the open documents
 * when it has more than this many postings per open document, and read through otherwise.
 */
const GALLOP_COST = 4;

/** Adds one term's postings to the documents already touched (score above 0) only. */
function updatePostings(
  docs: Uint32Array,
  tfs: Float32Array,
  from: number,
  end: number,
  scores: Float64Array,
  scale: number,
  c0: number,
  c1: number,
  lengths: Float64Array,
): void {
  for (let j = from; j < end; j++) {
    const doc = docs[j]!;
    const s = scores[doc]!;
    if (s === 0) continue;
    const tf = tfs[j]!;
    scores[doc] = s + (scale * tf) / (tf + c0 + c1 * lengths[doc]!);
  }
}

/** `docs` (in place, in their order) without those whose score plus `more` falls below `floor`. */
function narrow(docs: Uint32Array, floor: number, scores: Float64Array, more: number): Uint32Array {
  let kept = 0;
  for (let j = 0; j < docs.length; j++) if (scores[docs[j]!]! + more >= floor) docs[kept++] = docs[j]!;
  return docs.subarray(0, kept);
}

/**
 * The first `count` documents of `docs` whose score, plus `more` still to come, reaches `floor`:
 * in their order, written to the start of `into` (a scratch array as long as the index).
 * One pass, and no new array of tens of thousands of documents at each question of common words.
 */
function atLeast(
  docs: Uint32Array,
  count: number,
  floor: number,
  scores: Float64Array,
  more: number,
  into: Uint32Array,
): Uint32Array {
  let kept = 0;
  for (let j = 0; j < count; j++) if (scores[docs[j]!]! + more >= floor) into[kept++] = docs[j]!;
  return into.subarray(0, kept);
}

/** The k-th highest score among the first `count` documents of `docs` (k ≤ count). */
function kthBest(docs: Uint32Array, count: number, k: number, scores: Float64Array): number {
  const best = new KLargest(k);
  for (let j = 0; j < count; j++) best.push(scores[docs[j]!]!);
  return best.min;
}

/**
 * The k documents of the first `count` of `docs` with the highest score, best first, ties by
 * smaller document: the k-th best score first (one pass), then only the documents at or above it
 * are sorted, so a common term's hundred thousand documents cost a pass, not a sort.
 */
function topDocs(docs: Uint32Array, count: number, k: number, scores: Float64Array): number[] {
  if (k <= 0 || count === 0) return [];
  const floor = count > k ? kthBest(docs, count, k, scores) : -Infinity;
  const out: number[] = [];
  for (let j = 0; j < count; j++) if (scores[docs[j]!]! >= floor) out.push(docs[j]!);
  return out.sort((a, b) => scores[b]! - scores[a]! || a - b).slice(0, k);
}

/**
 * The first position in `docs[from..end)` (ascending) whose document is `doc` or later: doubling
 * steps from `from`, then a binary search within the last step.
 */
function gallop(docs: Uint32Array, from: number, end: number, doc: number): number {
  if (from >= end || docs[from]! >= doc) return from;
  let lo = from;
  let step = 1;
  while (lo + step < end && docs[lo + step]! < doc) {
    lo += step;
    step *= 2;
  }
  let hi = Math.min(lo + step, end);
  lo++;
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    if (docs[mid]! < doc) lo = mid + 1;
    else hi = mid;
  }
  return lo;
}

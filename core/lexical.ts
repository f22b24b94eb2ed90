/**
 * The lexical index: BM25F over analysed terms of each chunk's title and body, persisted beside
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

interface Serialized {
  params: Bm25Params;
  ids: string[];
  lengths: number[];
  /** term → [doc, tf, doc, tf, …] with title occurrences already weighted in. */
  postings: Record<string, number[]>;
}

export class Bm25Index implements TermWeights {
  private totalLength: number;
  /** Documents removed since the build (live updates); skipped by search, dropped at the next build. */
  private readonly removed = new Set<number>();
  private readonly positions = new Map<string, number>();

  private constructor(private readonly data: Serialized) {
    this.totalLength = data.lengths.reduce((a, b) => a + b, 0);
    data.ids.forEach((id, i) => this.positions.set(id, i));
  }

  static build(docs: Iterable<LexicalDoc>, params: Bm25Params = DEFAULT_BM25): Bm25Index {
    const index = new Bm25Index({ params, ids: [], lengths: [], postings: Object.create(null) });
    index.add(docs);
    return index;
  }

  /** Adds documents (a live update between builds). */
  add(docs: Iterable<LexicalDoc>): void {
    const { params, ids, lengths, postings } = this.data;
    for (const doc of docs) {
      const n = ids.length;
      ids.push(doc.id);
      this.positions.set(doc.id, n);
      const tf = new Map<string, number>();
      for (const t of doc.body) tf.set(t, (tf.get(t) ?? 0) + 1);
      for (const t of doc.title) tf.set(t, (tf.get(t) ?? 0) + params.titleWeight);
      const length = doc.body.length + params.titleWeight * doc.title.length;
      lengths.push(length);
      this.totalLength += length;
      for (const [t, f] of tf) (postings[t] ??= []).push(n, f);
    }
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
    const count = this.data.lengths.length;
    return count > 0 ? this.totalLength / count : 1;
  }

  static fromJSON(data: Serialized): Bm25Index {
    return new Bm25Index({ ...data, postings: Object.assign(Object.create(null), data.postings) });
  }

  toJSON(): Serialized {
    return this.data;
  }

  get docCount(): number {
    return this.data.ids.length - this.removed.size;
  }

  id(doc: number): string {
    return this.data.ids[doc]!;
  }

  df(term: string): number {
    return (this.data.postings[term]?.length ?? 0) / 2;
  }

  /** BM25's IDF, always positive; a term the corpus never uses gets the highest weight. */
  idf(term: string): number {
    const n = this.docCount;
    const df = this.df(term);
    return Math.log(1 + (n - df + 0.5) / (df + 0.5));
  }

  /**
   * The `k` best documents for the query terms, optionally only those `accept` lets through.
   * A term may carry a weight (expansion terms count less than the reader's own words).
   */
  search(query: Array<string | { term: string; weight: number }>, k: number, accept?: (doc: number) => boolean): LexicalHit[] {
    const { k1, b } = this.data.params;
    const weights = new Map<string, number>();
    for (const q of query) {
      const [term, weight] = typeof q === "string" ? [q, 1] : [q.term, q.weight];
      weights.set(term, Math.max(weights.get(term) ?? 0, weight));
    }
    const scores = new Map<number, number>();
    for (const [term, weight] of weights) {
      const list = this.data.postings[term];
      if (!list) continue;
      const idf = weight * this.idf(term);
      for (let i = 0; i < list.length; i += 2) {
        const doc = list[i]!;
        if (this.removed.has(doc) || (accept && !accept(doc))) continue;
        const tf = list[i + 1]!;
        const norm = tf + k1 * (1 - b + (b * this.data.lengths[doc]!) / this.avgLength);
        scores.set(doc, (scores.get(doc) ?? 0) + (idf * (tf * (k1 + 1))) / norm);
      }
    }
    return [...scores]
      .sort((x, y) => y[1] - x[1] || x[0] - y[0])
      .slice(0, k)
      .map(([doc, score]) => ({ doc, id: this.data.ids[doc]!, score }));
  }
}

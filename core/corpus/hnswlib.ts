import { Document } from "@langchain/core/documents";
import { newestFirst, type Article } from "../article.ts";
import type { Embedder } from "../embeddings/index.ts";
import { chunkFromDocument, HNSW_PARAMS, type LoadedIndex } from "../index-store.ts";
import type { ArticleSummary, Corpus, CorpusStats, IndexedBatch, LexicalQuery, ScoredChunk, TermStats } from "./index.ts";

/**
 * The embedded index (core/index-store.ts, VECTOR_STORE=embedded) as a `Corpus`: HNSWLib and the BM25F index in this
 * process's memory. Live changes update them in place; ARTICLES_DIR, not this object, makes
 * them durable (`durable` is false), and the next build starts from those files.
 *
 * This is the one place outside core/index-store.ts that knows the shape of `LoadedIndex`.
 */
export class HnswlibCorpus implements Corpus {
  readonly kind = "embedded";
  readonly durable = false;
  /** All articles, newest first; recomputed after a change. */
  private sorted: Article[] | undefined;

  private constructor(readonly index: LoadedIndex) {}

  /** The corpus of an index opened with `openIndex`: one per index, so caches keyed by the corpus are shared. */
  static of(index: LoadedIndex): HnswlibCorpus {
    let corpus = OPENED.get(index);
    if (!corpus) OPENED.set(index, (corpus = new HnswlibCorpus(index)));
    return corpus;
  }

  async stats(): Promise<CorpusStats> {
    return { articles: this.index.articles.size, chunks: this.index.manifest.counts.chunks, embedder: this.index.embedder.id };
  }

  async embedder(): Promise<Embedder> {
    return this.index.embedder;
  }

  async nearest(vector: number[], k: number, articleId?: string): Promise<ScoredChunk[]> {
    const { store, chunkCounts } = this.index;
    let asked = k;
    let filter: ((doc: Document) => boolean) | undefined;
    if (articleId !== undefined) {
      // **NOTE:** a filtered HNSW search loses recall; asking for all of the article's chunks
      // (articles have tens, not thousands) makes sure each can be found.
      asked = chunkCounts.get(articleId) ?? 0;
      if (asked === 0) return [];
      filter = (doc) => doc.metadata.articleId === articleId;
    }
    // hnswlib's default ef (10) is far below what keeps recall up: `npm run bench` measures
    // recall@10 against exact search at several ef (HNSW_PARAMS.efSearch).
    store.index.setEf(Math.max(k, HNSW_PARAMS.efSearch));
    const found = await store.similaritySearchVectorWithScore(vector, Math.min(asked, this.index.manifest.counts.chunks), filter);
    // HNSWLib returns cosine distance (lower is better); turn it into similarity.
    return found.slice(0, k).map(([doc, distance]) => ({ chunk: chunkFromDocument(doc), score: 1 - distance }));
  }

  async lexical(query: LexicalQuery, k: number, articleId?: string): Promise<ScoredChunk[]> {
    const { lexical, chunks } = this.index;
    const accept = articleId === undefined ? undefined : (doc: number) => chunks.get(lexical.id(doc))?.articleId === articleId;
    return lexical.search(query, k, accept).flatMap((hit) => {
      const chunk = chunks.get(hit.id);
      return chunk ? [{ chunk, score: hit.score }] : [];
    });
  }

  async termStats(_terms: Iterable<string>): Promise<TermStats> {
    // The whole lexical index is at hand: no need to look the terms up first.
    return this.index.lexical;
  }

  async articles(ids: Iterable<string>): Promise<Map<string, Article>> {
    const found = new Map<string, Article>();
    for (const id of ids) {
      const article = this.index.articles.get(id);
      if (article) found.set(id, article);
    }
    return found;
  }

  async hasArticle(id: string): Promise<boolean> {
    return this.index.articles.has(id);
  }

  async list(page: { limit: number; offset: number }): Promise<{ articles: ArticleSummary[]; total: number }> {
    this.sorted ??= [...this.index.articles.values()].sort(newestFirst);
    const articles = this.sorted.slice(page.offset, page.offset + page.limit).map(({ id, title, source, publishedAt, url }) => ({ id, title, source, publishedAt, url }));
    return { articles, total: this.sorted.length };
  }

  /** Replaced articles' chunks are marked deleted in HNSW and dropped from the lexical index first. */
  async put(batch: IndexedBatch): Promise<void> {
    const index = this.index;
    for (const a of batch.articles) this.unindex(a.id);
    if (batch.chunks.length > 0) {
      const first = index.store.index.getCurrentCount();
      await index.store.addVectors(
        batch.vectors,
        batch.chunks.map((c) => new Document({ pageContent: c.text, metadata: { id: c.id, articleId: c.articleId, title: c.title, position: c.position, start: c.start, end: c.end } })),
      );
      batch.chunks.forEach((c, i) => {
        index.chunks.set(c.id, c);
        index.labels.set(c.id, first + i);
        index.chunkCounts.set(c.articleId, (index.chunkCounts.get(c.articleId) ?? 0) + 1);
      });
      index.lexical.add(batch.lexical);
    }
    for (const a of batch.articles) index.articles.set(a.id, a);
    this.counted();
  }

  async remove(id: string): Promise<boolean> {
    if (!this.index.articles.has(id)) return false;
    this.unindex(id);
    this.counted();
    return true;
  }

  async close(): Promise<void> {}

  /** Takes an article's chunks out of every structure that answers queries. */
  private unindex(articleId: string): void {
    const index = this.index;
    const gone = [...index.chunks.values()].filter((c) => c.articleId === articleId).map((c) => c.id);
    for (const id of gone) {
      const label = index.labels.get(id);
      if (label !== undefined) index.store.index.markDelete(label);
      index.labels.delete(id);
      index.chunks.delete(id);
    }
    index.lexical.remove(gone);
    index.chunkCounts.delete(articleId);
    index.articles.delete(articleId);
  }

  private counted(): void {
    this.sorted = undefined;
    this.index.manifest.counts = { articles: this.index.articles.size, chunks: this.index.chunks.size };
  }
}

const OPENED = new WeakMap<LoadedIndex, HnswlibCorpus>();

/** A corpus, or an embedded index opened with `openIndex` (as tests and benchmarks hold one). */
export function asCorpus(source: Corpus | LoadedIndex): Corpus {
  return "manifest" in source ? HnswlibCorpus.of(source) : source;
}

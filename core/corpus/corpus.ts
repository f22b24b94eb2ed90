import type { Association } from "./associations.ts";
import type { Article, Chunk, SourceArticle } from "../article.ts";
import type { Embedder } from "../embeddings/index.ts";
import type { LexicalDoc, TermWeights } from "./bm25.ts";
import type { TablePart } from "./embedded/token-table.ts";

/**
 * The indexed corpus as the server uses it, whatever holds it: the embedded index (HNSWLib and
 * the BM25F index in memory, `embedded.ts`) or PostgreSQL with pgvector (`pgvector.ts`), which
 * any number of stateless servers share. Retrieval, answers, the article routes and the
 * management API go through this interface only; fusion, re-scoring and answer writing stay
 * above it and are the same for every backend.
 *
 * Every method is asynchronous and reads the corpus as it is now: a change made through
 * `put`/`remove` (by this server or, with a database, by any other) is visible to the next call.
 */
export interface Corpus {
  readonly kind: "embedded" | "pgvector";
  /**
   * Whether `put` and `remove` are durable by themselves once they resolve (a database commit).
   * The embedded index is rebuilt from ARTICLES_DIR, so there the caller writes the article
   * files first (server/library.ts).
   */
  readonly durable: boolean;
  /**
   * Whether `nearest` runs on another thread, so that work this thread does while it waits
   * (BM25) overlaps it. Retrieval then sends the vector search off before that work.
   */
  readonly searchesVectorsAside?: boolean;
  /** Whether `lexical` runs on another thread too: retrieval then has no reason to hold it back. */
  readonly searchesTermsAside?: boolean;
  stats(): Promise<CorpusStats>;
  /**
   * A stamp that changes whenever what the corpus would answer may have: a build, a `put`, a
   * `remove`, by this server or, with a database, by any other. Answers are cached under it.
   */
  revision(): Promise<string>;
  /** The embedder that built the index: questions must be embedded the same way. */
  embedder(): Promise<Embedder>;
  /**
   * The `k` chunks nearest to the vector (cosine similarity, higher is better), optionally only
   * of one article. A vector of zeros (a question with no word the embedder weighs, «چه کسی این
   * را گفت؟») is near nothing: its cosine is undefined.
   */
  nearest(vector: number[], k: number, articleId?: string): Promise<ScoredChunk[]>;
  /** The `k` best chunks by BM25F over analyzed terms, optionally only of one article. */
  lexical(query: LexicalQuery, k: number, articleId?: string): Promise<ScoredChunk[]>;
  /** How rare the given terms are, for scoring and answer extraction; other terms read as unseen. */
  termStats(terms: Iterable<string>): Promise<TermStats>;
  /**
   * A chunk's title, body or both (`whole`, title first) as `tokenize` gives them, and their
   * content terms (`analyze`), when the corpus stored them at ingest (re-scoring then need not
   * analyze the text); undefined when it did not. A corpus that stores them hands out one object
   * per chunk for as long as the chunk is indexed, so the chunk object itself says whether a
   * cached analysis is still its own.
   */
  chunkTokens?(chunk: Chunk, part: TablePart): AnalyzedText | undefined;
  /**
   * The terms the archive uses together with each of these (core/corpus/associations.ts),
   * learned when it was built; a corpus that learns none leaves this out.
   */
  associations?(terms: Iterable<string>): Map<string, readonly Association[]>;
  /** The articles with these ids that exist. */
  articles(ids: Iterable<string>): Promise<Map<string, Article>>;
  hasArticle(id: string): Promise<boolean>;
  /** A page of articles, newest first (see `newestFirst` in core/article.ts), and how many there are. */
  list(page: { limit: number; offset: number }): Promise<{ articles: ArticleSummary[]; total: number }>;
  /** Adds or replaces articles, already prepared, chunked, embedded and analyzed. */
  put(batch: IndexedBatch): Promise<void>;
  /** Removes an article and its chunks; false when there is none with that id. */
  remove(id: string): Promise<boolean>;
  close(): Promise<void>;
}

export interface AnalyzedText {
  tokens: readonly string[];
  terms: readonly string[];
}

export interface CorpusStats {
  articles: number;
  chunks: number;
  /** Id of the embedder that built the index. */
  embedder: string;
}

export interface ScoredChunk {
  chunk: Chunk;
  score: number;
}

/** Query terms for BM25F; a term may carry a weight (expansion terms count less than the reader's own words). */
export type LexicalQuery = Array<string | { term: string; weight: number }>;

/** Term rarity: BM25's IDF (`TermWeights`) and the document frequency it comes from. */
export interface TermStats extends TermWeights {
  df(term: string): number;
}

export type ArticleSummary = Pick<Article, "id" | "title" | "source" | "publishedAt" | "url">;

/**
 * Chunks' vectors, in order: plain arrays, or rows of the typed arrays a parallel ingest embeds
 * into, kept as they are: as arrays of doubles, 100k articles' vectors would take another
 * 487,268 × 256 × 8 bytes, 1 GB.
 */
export type VectorRows = ReadonlyArray<ArrayLike<number>>;

/** Articles ready to index: what `put` stores. `vectors` and `lexical` are per chunk, in order. */
export interface IndexedBatch {
  sources: SourceArticle[];
  articles: Article[];
  chunks: Chunk[];
  vectors: VectorRows;
  lexical: LexicalDoc[];
}

/** Whether a vector has no direction: every component zero (see `Corpus.nearest`). */
export function isZeroVector(vector: readonly number[]): boolean {
  for (const x of vector) if (x !== 0) return false;
  return true;
}

import type { Association } from "../associations.ts";
import { availableParallelism } from "node:os";
import { chunkId, newestFirst, type Article, type Chunk } from "../../article.ts";
import type { Embedder } from "../../embeddings/index.ts";
import type { LoadedIndex } from "./store.ts";
import { DenseIndex } from "./dense-index.ts";
import { SEGMENT_EF, type Found } from "./segments.ts";
import { LexicalThread } from "./lexical-thread.ts";
import type { TablePart } from "./token-table.ts";
import type {
  AnalyzedText,
  ArticleSummary,
  Corpus,
  CorpusStats,
  IndexedBatch,
  LexicalQuery,
  ScoredChunk,
  TermStats,
} from "../corpus.ts";
import { isZeroVector } from "../corpus.ts";

/**
 * The embedded index (core/corpus/embedded/store.ts, VECTOR_STORE=embedded) as a `Corpus`: its
 * vector segments (dense-index.ts) and the BM25F index in this process's memory. Live changes update them in place; ARTICLES_DIR, not this object, makes
 * them durable (`durable` is false), and the next build starts from those files.
 *
 * This is the one place outside core/corpus/embedded/store.ts that knows the shape of `LoadedIndex`.
 */
export class HnswlibCorpus implements Corpus {
  readonly kind = "embedded";
  readonly durable = false;
  /** All articles, newest first; recomputed after a change. */
  private sorted: Article[] | undefined;

  /** The vector segments, searched on threads of their own or in this one (see `SearchThread`). */
  private readonly dense: DenseIndex;
  /** BM25F searched on a thread of its own, when there is one (see `SearchThread`). */
  private readonly lexicalThread: LexicalThread | undefined;
  /** The label the next added chunk gets: labels are never reused. */
  private nextLabel: number;
  /** The ef each segment is searched at. */
  readonly searchEf: number;

  private constructor(
    readonly index: LoadedIndex,
    threads: SearchThreads,
  ) {
    const chunks = index.manifest.counts.chunks;
    this.nextLabel = chunks;
    this.searchEf = threads.searchEf ?? SEGMENT_EF;
    const large = chunks >= THREAD_MIN_CHUNKS && availableParallelism() > 1;
    const dense = threads.searchThread ?? "auto";
    const lexical = threads.lexicalThread ?? "auto";
    const denseThreads = dense === "on" || (dense === "auto" && large) ? availableParallelism() : 0;
    this.dense = new DenseIndex(index.segments, index.manifest.embedder.dimensions, index.segmentChunks, denseThreads);
    this.lexicalThread =
      lexical === "on" || (lexical === "auto" && large) ? LexicalThread.start(index.lexicalBytes) : undefined;
  }

  /**
   * The corpus of an index opened with `openIndex`: one per index, so caches keyed by the corpus
   * are shared. The options of the first call are the ones that hold.
   */
  static of(index: LoadedIndex, options: SearchThreads = {}): HnswlibCorpus {
    let corpus = OPENED.get(index);
    if (!corpus) OPENED.set(index, (corpus = new HnswlibCorpus(index, options)));
    return corpus;
  }

  get searchesVectorsAside(): boolean {
    return this.dense.isThreaded;
  }

  get searchesTermsAside(): boolean {
    return this.lexicalThread?.isReady ?? false;
  }

  /** Settles when vector searches go to their own thread (true), or will not (false). */
  searchThreadReady(): Promise<boolean> {
    return this.dense.loaded;
  }

  /** Settles when BM25F searches go to their own thread (true), or will not (false). */
  lexicalThreadReady(): Promise<boolean> {
    return this.lexicalThread?.loaded ?? Promise.resolve(false);
  }

  async revision(): Promise<string> {
    return String(this.changes);
  }

  async stats(): Promise<CorpusStats> {
    return {
      articles: this.index.articles.size,
      chunks: this.index.manifest.counts.chunks,
      embedder: this.index.embedder.id,
    };
  }

  async embedder(): Promise<Embedder> {
    return this.index.embedder;
  }

  async nearest(vector: number[], k: number, articleId?: string): Promise<ScoredChunk[]> {
    if (isZeroVector(vector)) return [];
    if (articleId !== undefined) {
      // One article's chunks (a few, tens at most) are compared exactly: a filtered HNSW search
      // walks the graph past every other chunk and may still miss some of them.
      const labels = this.chunkIdsOf(articleId).flatMap((id) => {
        const label = this.index.labels.get(id);
        return label === undefined ? [] : [label];
      });
      const scored = labels.length > 0 ? await this.dense.score(vector, labels) : { labels: [], distances: [] };
      return this.scoredChunks(scored)
        .sort((a, b) => b.score - a.score)
        .slice(0, k);
    }
    // hnswlib's default ef (10) is far below what keeps recall up: `npm run bench` measures
    // recall@10 against exact search at several ef (SEGMENT_EF).
    const found = await this.dense.search(vector, Math.min(k, this.index.manifest.counts.chunks), this.searchEf);
    return this.scoredChunks(found);
  }

  /**
   * Found labels as chunks with their cosine similarity, in the order found. A label whose chunk
   * was deleted or replaced while the search was on its way is dropped.
   */
  private scoredChunks(found: Found): ScoredChunk[] {
    return found.labels.flatMap((label, i) => {
      const chunk = this.liveChunk(label);
      return chunk ? [{ chunk, score: 1 - found.distances[i]! }] : [];
    });
  }

  async lexical(query: LexicalQuery, k: number, articleId?: string): Promise<ScoredChunk[]> {
    const { lexical, chunks } = this.index;
    const within = articleId === undefined ? undefined : this.chunkIdsOf(articleId);
    const found = this.lexicalThread?.isReady
      ? await this.lexicalThread.search(query, k, within).catch(() => undefined)
      : undefined;
    const hits = found ? found.ids.map((id, i) => ({ id, score: found.scores[i]! })) : lexical.search(query, k, within);
    // A chunk deleted while the search was on its way is dropped.
    return hits.flatMap((hit) => {
      const chunk = chunks.get(hit.id);
      return chunk ? [{ chunk, score: hit.score }] : [];
    });
  }

  /** The chunk a label stands for, unless it has been deleted or replaced since. */
  private liveChunk(label: number): Chunk | undefined {
    const chunk = this.index.chunkAt(label);
    return chunk && this.index.labels.get(chunk.id) === label ? this.index.chunks.get(chunk.id) : undefined;
  }

  /** An article's chunk ids: positions 0 to its chunk count. */
  private chunkIdsOf(articleId: string): string[] {
    return Array.from({ length: this.index.chunkCounts.get(articleId) ?? 0 }, (_, p) => chunkId(articleId, p));
  }

  chunkTokens(chunk: Chunk, part: TablePart): AnalyzedText | undefined {
    const label = this.index.labels.get(chunk.id);
    const tokens = label === undefined ? undefined : this.index.tokens.tokens(label, part);
    return tokens && { tokens, terms: this.index.tokens.terms(label!, part)! };
  }

  associations(terms: Iterable<string>): Map<string, readonly Association[]> {
    const out = new Map<string, readonly Association[]>();
    for (const t of terms) {
      const found = this.index.associations.of(t);
      if (found.length > 0) out.set(t, found);
    }
    return out;
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
    const articles = this.sorted
      .slice(page.offset, page.offset + page.limit)
      .map(({ id, title, source, publishedAt, url }) => ({ id, title, source, publishedAt, url }));
    return { articles, total: this.sorted.length };
  }

  /**
   * Adds or replaces articles without holding the event loop, or a search thread, for long, and
   * without a reader ever seeing half of them. The new chunks are staged first, SLICE_CHUNKS at
   * a time with the event loop given back between them: in the open vector segment they are
   * added hidden (segments.ts: searches skip them), in BM25F `stage`d; each search thread gets
   * a slice once it has applied the one before, so a search sent meanwhile waits behind one
   * slice at most. Then one synchronous step retires the replaced articles' chunks and reveals
   * the new ones: until it, readers get the previous versions; after it, the new.
   *
   * A failure while staging leaves the index answering as before (the staged vectors stay in
   * their segment, hidden, until the next build).
   */
  async put(batch: IndexedBatch): Promise<void> {
    const index = this.index;
    const count = batch.chunks.length;
    const first = this.nextLabel;
    const labels = batch.chunks.map((_, i) => first + i);
    let threadsDone: Promise<unknown> = Promise.resolve();
    try {
      for (let from = 0; from < count; from += SLICE_CHUNKS) {
        const to = Math.min(count, from + SLICE_CHUNKS);
        await threadsDone;
        this.dense.stage(batch.vectors.slice(from, to), labels.slice(from, to));
        // Past this point the labels are taken, whatever happens to the rest of the batch.
        this.nextLabel = Math.max(this.nextLabel, first + to);
        for (let i = from; i < to; i++) index.setChunkAt(first + i, batch.chunks[i]!);
        index.lexical.stage(batch.lexical.slice(from, to));
        this.lexicalThread?.stage(batch.lexical.slice(from, to));
        threadsDone = Promise.all([this.dense.caughtUp(), this.lexicalThread?.caughtUp()]);
        await new Promise(setImmediate);
      }
      await threadsDone;
    } catch (err) {
      index.lexical.discard();
      this.lexicalThread?.discard();
      throw err;
    }
    for (const a of batch.articles) this.unindex(a.id);
    this.dense.reveal(labels);
    index.lexical.reveal();
    this.lexicalThread?.reveal();
    batch.chunks.forEach((c, i) => {
      index.chunks.set(c.id, c);
      index.labels.set(c.id, first + i);
      index.chunkCounts.set(c.articleId, (index.chunkCounts.get(c.articleId) ?? 0) + 1);
    });
    for (const a of batch.articles) index.articles.set(a.id, a);
    this.counted();
  }

  async remove(id: string): Promise<boolean> {
    if (!this.index.articles.has(id)) return false;
    this.unindex(id);
    this.counted();
    return true;
  }

  async close(): Promise<void> {
    await Promise.all([this.dense.close(), this.lexicalThread?.close()]);
  }

  /** Takes an article's chunks out of every structure that answers queries. */
  private unindex(articleId: string): void {
    const index = this.index;
    // Its chunks by id (positions 0 to its count), not by a pass over every chunk of the archive.
    const gone = this.chunkIdsOf(articleId).filter((id) => index.chunks.has(id));
    const deleted: number[] = [];
    for (const id of gone) {
      const label = index.labels.get(id);
      if (label !== undefined) deleted.push(label);
      index.labels.delete(id);
      index.chunks.delete(id);
    }
    this.dense.delete(deleted);
    index.lexical.remove(gone);
    this.lexicalThread?.remove(gone);
    index.chunkCounts.delete(articleId);
    index.articles.delete(articleId);
  }

  /** Changes made through `put` and `remove`: this process is the only writer of its index. */
  private changes = 0;

  private counted(): void {
    this.changes++;
    this.sorted = undefined;
    this.index.manifest.counts = { articles: this.index.articles.size, chunks: this.index.chunks.size };
  }
}

const OPENED = new WeakMap<LoadedIndex, HnswlibCorpus>();

/**
 * Chunks a live update stages at a time: some 10 ms of HNSW insertion into an open segment, so a
 * question that arrives meanwhile waits about that long, a small part of what answering it takes.
 */
const SLICE_CHUNKS = 32;

/**
 * Whether vector searches run on threads of their own (DENSE_SEARCH_THREAD): "auto" does so
 * from THREAD_MIN_CHUNKS chunks, on a machine with more than one core, with one thread a core,
 * each holding a share of the segments (dense-thread.ts); "on" and "off" decide regardless.
 *
 * **NOTE:** the threads are worth having long before a search itself is slow. With every search
 * on the main thread, 50 concurrent chats at 200 and at 1,000 articles kept the event loop
 * turning only every ~500 ms, and 7–15 requests in 12–20 s went past autocannon's 10 s timeout.
 * With both threads, none did, p99 fell from 4.7–6.3 s to 0.7–3.8 s, and more were served
 * (1k articles, alternating runs: 103–110 against 79–92 req/s). Giving the loop back once a
 * request (a setImmediate before fusion) did not remove those tails; the second core's share
 * of the work did. A lone search takes 0.2–1 ms longer and the threads add ~25 MiB of RSS, so a
 * corpus of a few dozen articles (the seeds) does without them.
 *
 * The dense threads cost no memory beyond their own: the main thread holds no graph (a segment
 * is in one thread's memory). Before segments, the thread held a second copy of the one graph,
 * 0.6 GB at 100k articles.
 *
 * BM25F's thread (LEXICAL_SEARCH_THREAD) follows the same rule. It shares the postings with the
 * main thread and only decodes the ids and the vocabulary again.
 */
export type SearchThread = "auto" | "on" | "off";
export interface SearchThreads {
  /** DENSE_SEARCH_THREAD. */
  searchThread?: SearchThread;
  /** LEXICAL_SEARCH_THREAD. */
  lexicalThread?: SearchThread;
  /** VECTOR_SEARCH_EF: the ef each vector segment is searched at; SEGMENT_EF unless given. */
  searchEf?: number;
}
export const THREAD_MIN_CHUNKS = 500;

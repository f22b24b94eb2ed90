import type { Association } from "../associations.ts";
import path from "node:path";
import { availableParallelism } from "node:os";
import { Document } from "@langchain/core/documents";
import { chunkId, newestFirst, type Article, type Chunk } from "../../article.ts";
import type { Embedder } from "../../embeddings/index.ts";
import { chunkFromDocument, HNSW_PARAMS, type LoadedIndex } from "./store.ts";
import { DenseThread } from "./dense-thread.ts";
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

/**
 * The embedded index (core/corpus/embedded/store.ts, VECTOR_STORE=embedded) as a `Corpus`: HNSWLib and the BM25F index in this
 * process's memory. Live changes update them in place; ARTICLES_DIR, not this object, makes
 * them durable (`durable` is false), and the next build starts from those files.
 *
 * This is the one place outside core/corpus/embedded/store.ts that knows the shape of `LoadedIndex`.
 */
export class HnswlibCorpus implements Corpus {
  readonly kind = "embedded";
  readonly durable = false;
  /** All articles, newest first; recomputed after a change. */
  private sorted: Article[] | undefined;

  /** The graph searched on a thread of its own, when there is one (see `SearchThread`). */
  private readonly thread: DenseThread | undefined;
  /** BM25F searched on a thread of its own, when there is one (see `SearchThread`). */
  private readonly lexicalThread: LexicalThread | undefined;

  private constructor(
    readonly index: LoadedIndex,
    threads: SearchThreads,
  ) {
    const chunks = index.manifest.counts.chunks;
    const vectorBytes = chunks * index.manifest.embedder.dimensions * 4;
    const large = chunks >= THREAD_MIN_CHUNKS && availableParallelism() > 1;
    const dense = threads.searchThread ?? "auto";
    const lexical = threads.lexicalThread ?? "auto";
    const useDense = dense === "on" || (dense === "auto" && large && vectorBytes <= THREAD_MAX_VECTOR_BYTES);
    this.thread = useDense
      ? DenseThread.start(path.join(index.dir, "hnswlib.index"), index.manifest.embedder.dimensions)
      : undefined;
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
    return this.thread?.isReady ?? false;
  }

  get searchesTermsAside(): boolean {
    return this.lexicalThread?.isReady ?? false;
  }

  /** Settles when vector searches go to their own thread (true), or will not (false). */
  searchThreadReady(): Promise<boolean> {
    return this.thread?.loaded ?? Promise.resolve(false);
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
    const { store, chunks, labels } = this.index;
    if (articleId !== undefined) {
      // One article's chunks (a few, tens at most) are compared exactly: a filtered HNSW search
      // walks the graph past every other chunk and may still miss some of them.
      const query = unit(vector);
      return this.chunkIdsOf(articleId)
        .flatMap((id) => {
          const label = labels.get(id);
          const chunk = chunks.get(id);
          return label === undefined || chunk === undefined
            ? []
            : [{ chunk, score: dot(query, store.index.getPoint(label)) }];
        })
        .sort((a, b) => b.score - a.score)
        .slice(0, k);
    }
    // hnswlib's default ef (10) is far below what keeps recall up: `npm run bench` measures
    // recall@10 against exact search at several ef (HNSW_PARAMS.efSearch).
    const ef = Math.max(k, HNSW_PARAMS.efSearch);
    if (this.thread?.isReady) {
      const found = await this.thread
        .search(vector, Math.min(k, this.index.manifest.counts.chunks), ef)
        .catch(() => undefined);
      // A label whose chunk was deleted or replaced while the search was on its way is dropped.
      if (found) {
        return found.labels.flatMap((label, i) => {
          const chunk = this.liveChunk(label);
          return chunk ? [{ chunk, score: 1 - found.distances[i]! }] : [];
        });
      }
    }
    store.index.setEf(ef);
    const found = await store.similaritySearchVectorWithScore(vector, Math.min(k, this.index.manifest.counts.chunks));
    // HNSWLib returns cosine distance (lower is better); turn it into similarity.
    // The index's own chunk object (one per chunk), so what callers cache by chunk stays valid.
    return found.map(([doc, distance]) => ({
      chunk: this.index.chunks.get(doc.metadata.id as string) ?? chunkFromDocument(doc),
      score: 1 - distance,
    }));
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
   * without a reader ever seeing half of them. The new chunks are staged first, in slices of
   * about SLICE_MS with the event loop given back between them: in HNSW they are added and
   * marked deleted (the graph links them, searches skip them), in BM25F `stage`d; each search
   * thread gets a slice once it has applied the one before, so a search sent meanwhile waits
   * behind one slice at most. Then one synchronous step retires the replaced articles' chunks
   * and reveals the new ones: until it, readers get the previous versions; after it, the new.
   *
   * A failure while staging leaves the index answering as before (the staged vectors stay in
   * the graph, marked deleted, until the next build).
   */
  async put(batch: IndexedBatch): Promise<void> {
    const index = this.index;
    const graph = index.store.index;
    const count = batch.chunks.length;
    const first = graph.getCurrentCount();
    const labels = batch.chunks.map((_, i) => first + i);
    // Once, not per slice: a resize copies the whole graph.
    if (first + count > graph.getMaxElements()) graph.resizeIndex(first + count);
    let threadsDone: Promise<unknown> = Promise.resolve();
    try {
      for (let from = 0; from < count;) {
        const to = this.stage(batch, from, first);
        await threadsDone;
        this.thread?.stage(batch.vectors.slice(from, to), labels.slice(from, to), first + count);
        this.lexicalThread?.stage(batch.lexical.slice(from, to));
        threadsDone = Promise.all([this.thread?.caughtUp(), this.lexicalThread?.caughtUp()]);
        from = to;
        await new Promise(setImmediate);
      }
      await threadsDone;
    } catch (err) {
      index.lexical.discard();
      this.lexicalThread?.discard();
      throw err;
    }
    for (const a of batch.articles) this.unindex(a.id);
    for (const label of labels) graph.unmarkDelete(label);
    this.thread?.reveal(labels);
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

  /**
   * Stages the batch's chunks from `from` on, for about SLICE_MS, in this thread's graph and
   * BM25F; returns where it stopped. Chunk i gets label `first + i`.
   *
   * **NOTE:** hnswlib-node's `addPoint` and `markDelete` are called directly, not through
   * LangChain's `addVectors`: that one resizes the graph to fit each call, and a label it adds
   * could be found by a search before it is marked deleted.
   */
  private stage(batch: IndexedBatch, from: number, first: number): number {
    const graph = this.index.store.index;
    const dimensions = this.index.manifest.embedder.dimensions;
    const documents: Record<number, Document> = {};
    const started = performance.now();
    let i = from;
    do {
      const vector = batch.vectors[i]!;
      const c = batch.chunks[i]!;
      // **NOTE:** hnswlib aborts the process on a wrong-sized vector; refuse it with an error.
      if (vector.length !== dimensions)
        throw new Error(`The vector of chunk ${c.id} has ${vector.length} dimensions, not ${dimensions}`);
      graph.addPoint(Array.isArray(vector) ? vector : Array.from(vector), first + i);
      graph.markDelete(first + i);
      documents[first + i] = new Document({
        pageContent: c.text,
        metadata: {
          id: c.id,
          articleId: c.articleId,
          title: c.title,
          position: c.position,
          start: c.start,
          end: c.end,
        },
      });
      i++;
    } while (i < batch.chunks.length && performance.now() - started < SLICE_MS);
    this.index.store.docstore.add(documents);
    this.index.lexical.stage(batch.lexical.slice(from, i));
    return i;
  }

  async remove(id: string): Promise<boolean> {
    if (!this.index.articles.has(id)) return false;
    this.unindex(id);
    this.counted();
    return true;
  }

  async close(): Promise<void> {
    await Promise.all([this.thread?.close(), this.lexicalThread?.close()]);
  }

  /** Takes an article's chunks out of every structure that answers queries. */
  private unindex(articleId: string): void {
    const index = this.index;
    // Its chunks by id (positions 0 to its count), not by a pass over every chunk of the archive.
    const gone = this.chunkIdsOf(articleId).filter((id) => index.chunks.has(id));
    const deleted: number[] = [];
    for (const id of gone) {
      const label = index.labels.get(id);
      if (label !== undefined) {
        index.store.index.markDelete(label);
        deleted.push(label);
      }
      index.labels.delete(id);
      index.chunks.delete(id);
    }
    this.thread?.delete(deleted);
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

/** The vector scaled to length 1, as hnswlib's cosine space stores every vector. */
function unit(vector: number[]): number[] {
  const norm = Math.sqrt(dot(vector, vector));
  return norm > 0 ? vector.map((x) => x / norm) : vector;
}

function dot(a: ArrayLike<number>, b: ArrayLike<number>): number {
  let sum = 0;
  for (let i = 0; i < a.length; i++) sum += a[i]! * b[i]!;
  return sum;
}

const OPENED = new WeakMap<LoadedIndex, HnswlibCorpus>();

/**
 * About how long a live update holds the event loop, or a search thread, at a time: a question
 * that arrives meanwhile waits about this long, a small part of what answering it takes.
 */
const SLICE_MS = 10;

/**
 * Whether vector searches run on a thread of their own (DENSE_SEARCH_THREAD): "auto" does so
 * from THREAD_MIN_CHUNKS chunks, on a machine with more than one core, while the vectors take
 * at most THREAD_MAX_VECTOR_BYTES.
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
 * Above THREAD_MAX_VECTOR_BYTES the thread's own copy of the
 * graph costs more than the millisecond or two it saves a question: at 100k articles the local
 * embedder's vectors (256 dimensions) make the server's RSS 0.6 GB larger (2.0 → 2.6 GB), and
 * 1,536-dimension vectors would make it 3 GB larger. "on" and "off" decide regardless.
 *
 * BM25F's thread (LEXICAL_SEARCH_THREAD) follows the same rule but for memory: it shares the
 * postings with the main thread and only decodes the ids and the vocabulary again.
 */
export type SearchThread = "auto" | "on" | "off";
export interface SearchThreads {
  /** DENSE_SEARCH_THREAD. */
  searchThread?: SearchThread;
  /** LEXICAL_SEARCH_THREAD. */
  lexicalThread?: SearchThread;
}
export const THREAD_MIN_CHUNKS = 500;
export const THREAD_MAX_VECTOR_BYTES = 1024 ** 3;

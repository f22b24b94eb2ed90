import { availableParallelism } from "node:os";
import type { Worker } from "node:worker_threads";
import type { Article, Chunk } from "../core/article.ts";
import { chunkOf } from "./chunk.ts";
import { TokenTable, type TokenTableParts } from "../core/corpus/embedded/token-table.ts";
import type { Embedder } from "../core/embeddings/index.ts";
import { LocalEmbeddings } from "../core/embeddings/local.ts";
import type { VectorRows } from "../core/corpus/corpus.ts";
import type { LexicalDoc } from "../core/corpus/bm25.ts";
import { startWorker } from "../core/worker.ts";
import type { SourceArticle } from "./read.ts";

/** The corpus prepared and embedded: what every store is written from. */
export interface EmbeddedCorpus {
  articles: Article[];
  chunks: Chunk[];
  vectors: VectorRows;
  /** Per chunk, in order: its terms for the lexical index. */
  lexical: LexicalDoc[];
  /** Per chunk, in order: its body's tokens. */
  tokens: TokenTable;
  embedder: Embedder;
}

/**
 * The local embedder's half of ingest, spread over worker threads: cleaning, chunking, Persian
 * analysis and embedding are CPU-bound and independent per article, so an archive is cut into
 * one contiguous share per core. Two steps, because the embedder's IDF needs the feature counts
 * of the whole corpus before any chunk can be embedded:
 *
 *   1. each worker prepares, chunks and analyses its share (ingest/analyze.ts): lexical terms
 *      and the embedder's feature counts;
 *   2. the main thread sums the counts into the embedder; each worker embeds its chunks.
 *
 * Shares are contiguous and joined in order, so the result equals the single-threaded one.
 */
export type WorkerRequest =
  | { type: "prepare"; sources: SourceArticle[] }
  | { type: "embed"; state: unknown }
  /** A live publication (ingest/prepare-thread.ts): `embedder` is the local embedder's state, when it embeds. */
  | { type: "publication"; sources: SourceArticle[]; embedder?: unknown };
export type WorkerReply =
  | {
      type: "prepared";
      articles: Article[];
      chunks: ChunkSpans;
      lexical: PackedLexical;
      tokens: TokenTableParts;
      df: Uint32Array;
      docCount: number;
    }
  | { type: "embedded"; vectors: Float32Array }
  | { type: "publication"; articles: Article[]; chunks: ChunkSpans; lexical: PackedLexical; vectors?: Float32Array }
  | { type: "error"; message: string };

/** Below this many articles, starting workers costs more than it saves. */
export const PARALLEL_MIN_ARTICLES = 2000;

export function parallelWorkers(articleCount: number): number {
  return articleCount >= PARALLEL_MIN_ARTICLES ? Math.min(availableParallelism(), 8) : 1;
}

/** Takes `sources` over: the array is emptied once each worker has its copy of its share. */
export async function embedInParallel(
  sources: SourceArticle[],
  workerCount: number,
  onProgress?: (done: number, total: number) => void,
): Promise<EmbeddedCorpus> {
  const size = Math.max(1, Math.ceil(sources.length / workerCount));
  const shareCount = Math.ceil(sources.length / size);
  const workers = Array.from({ length: shareCount }, () => startWorker(import.meta.url, "./embed-worker", undefined));
  try {
    // postMessage copies each share at once, so the main thread's copy of the texts can go: at
    // 100k articles that is half a GB it would otherwise hold for the whole build.
    const asked = workers.map((w, i) =>
      ask(w, { type: "prepare", sources: sources.slice(i * size, (i + 1) * size) }, "prepared"),
    );
    sources.length = 0;
    const prepared = await Promise.all(asked);
    const shareChunks = prepared.map((p) => unpackChunks(p.chunks, p.articles));
    const chunks = shareChunks.flat();
    onProgress?.(0, chunks.length);
    const embedder = LocalEmbeddings.fromCounts(prepared);
    const state = embedder.toState();
    let done = 0;
    const embedded = await Promise.all(
      workers.map((w, i) =>
        ask(w, { type: "embed", state }, "embedded").then(async (r) => {
          // A worker's heap is gone only when it ends; ended before the shares are joined
          // below, it is not alive beside them (a GB at 100k articles).
          await w.terminate();
          done += shareChunks[i]!.length;
          onProgress?.(done, chunks.length);
          return r.vectors;
        }),
      ),
    );
    const d = embedder.dimensions;
    const vectors = embedded.flatMap((flat) =>
      Array.from({ length: flat.length / d }, (_, i) => flat.subarray(i * d, (i + 1) * d)),
    );
    const tokens = TokenTable.concat(prepared.map((p) => TokenTable.fromParts(p.tokens)));
    const lexical = prepared.flatMap((p, i) => unpackLexical(p.lexical, shareChunks[i]!));
    return { articles: prepared.flatMap((p) => p.articles), chunks, vectors, lexical, tokens, embedder };
  } finally {
    await Promise.all(workers.map((w) => w.terminate()));
  }
}

/**
 * A worker's chunks as it sends them: four numbers each, its article's place in the share, its
 * position, start and end. Its title and text are its article's, or a slice of it: in V8 a slice
 * shares its string's characters, but a message copies every one (at 100k articles the chunks'
 * texts were some 450 MB, the title of each chunk once more, copied again as they arrived).
 */
export type ChunkSpans = Uint32Array;

export function packChunks(chunks: readonly Chunk[], articles: readonly Article[]): ChunkSpans {
  const place = new Map(articles.map((a, i) => [a.id, i]));
  const spans = new Uint32Array(chunks.length * 4);
  chunks.forEach((c, i) => spans.set([place.get(c.articleId)!, c.position, c.start, c.end], i * 4));
  return spans;
}

export function unpackChunks(spans: ChunkSpans, articles: readonly Article[]): Chunk[] {
  return Array.from({ length: spans.length / 4 }, (_, i) => {
    const article = articles[spans[i * 4]!]!;
    return chunkOf(article, spans[i * 4 + 1]!, spans[i * 4 + 2]!, spans[i * 4 + 3]!);
  });
}

/**
 * A worker's lexical documents as it sends them: each term once in `vocab`, each document as
 * term ids, its title's `titleLengths[i]` then its body's. Sent as strings, every term of every
 * chunk was a string of its own on arrival: some 50 million at 100k articles, which took 1.25 GB
 * more of the main thread's heap than this (2,951 against 1,705 MiB once both workers' replies
 * were in).
 */
export interface PackedLexical {
  vocab: string[];
  ids: Uint32Array;
  /** Document i's ids are `ids[offsets[i]..offsets[i+1])`. */
  offsets: Uint32Array;
  titleLengths: Uint32Array;
}

export function packLexical(docs: LexicalDoc[]): PackedLexical {
  const vocab: string[] = [];
  const lookup = new Map<string, number>();
  const idOf = (term: string) => {
    let id = lookup.get(term);
    if (id === undefined) lookup.set(term, (id = vocab.push(term) - 1));
    return id;
  };
  const offsets = new Uint32Array(docs.length + 1);
  const titleLengths = new Uint32Array(docs.length);
  docs.forEach((d, i) => {
    titleLengths[i] = d.title.length;
    offsets[i + 1] = offsets[i]! + d.title.length + d.body.length;
  });
  const ids = new Uint32Array(offsets[docs.length]!);
  docs.forEach((d, i) => {
    let at = offsets[i]!;
    for (const term of d.title) ids[at++] = idOf(term);
    for (const term of d.body) ids[at++] = idOf(term);
  });
  return { vocab, ids, offsets, titleLengths };
}

/**
 * The documents of `packLexical`, one per chunk, in order, or those of chunks `first` to `end`;
 * an article's chunks share one title array, as they do when analyzed.
 */
export function unpackLexical(
  packed: PackedLexical,
  chunks: readonly Chunk[],
  first = 0,
  end = chunks.length,
): LexicalDoc[] {
  const { vocab, ids, offsets, titleLengths } = packed;
  const terms = (from: number, to: number) => Array.from(ids.subarray(from, to), (id) => vocab[id]!);
  let title: string[] = [];
  return chunks.slice(first, end).map((chunk, j) => {
    const i = first + j;
    const from = offsets[i]!;
    const bodyFrom = from + titleLengths[i]!;
    if (j === 0 || chunk.articleId !== chunks[i - 1]!.articleId) title = terms(from, bodyFrom);
    return { id: chunk.id, title, body: terms(bodyFrom, offsets[i + 1]!) };
  });
}

/** Sends a worker one request and waits for its reply: one request at a time per worker. */
export function ask<T extends WorkerReply["type"]>(
  worker: Worker,
  request: WorkerRequest,
  expect: T,
): Promise<Extract<WorkerReply, { type: T }>> {
  return new Promise((resolve, reject) => {
    const cleanup = () => {
      worker.off("message", onMessage);
      worker.off("error", onError);
      worker.off("exit", onExit);
    };
    const onMessage = (reply: WorkerReply) => {
      cleanup();
      if (reply.type === "error") reject(new Error(`ingest worker: ${reply.message}`));
      else if (reply.type !== expect) reject(new Error(`ingest worker answered ${reply.type}, not ${expect}`));
      else resolve(reply as Extract<WorkerReply, { type: T }>);
    };
    const onError = (err: Error) => {
      cleanup();
      reject(err);
    };
    const onExit = (code: number) => {
      cleanup();
      reject(new Error(`ingest worker stopped (exit code ${code})`));
    };
    worker.on("message", onMessage);
    worker.once("error", onError);
    worker.once("exit", onExit);
    worker.postMessage(request);
  });
}

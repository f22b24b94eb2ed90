import { availableParallelism } from "node:os";
import type { Worker } from "node:worker_threads";
import type { Article, Chunk } from "../core/article.ts";
import { TokenTable, type TokenTableParts } from "../core/chunk-tokens.ts";
import { LocalEmbeddings } from "../core/embeddings/local.ts";
import type { LexicalDoc } from "../core/lexical.ts";
import { startWorker } from "../core/worker.ts";
import type { EmbeddedCorpus } from "./build.ts";
import type { SourceArticle } from "./read.ts";

/**
 * The local embedder's half of ingest, spread over worker threads: cleaning, chunking, Persian
 * analysis and embedding are CPU-bound and independent per article, so an archive is cut into
 * one contiguous share per core. Two steps, because the embedder's IDF needs the feature counts
 * of the whole corpus before any chunk can be embedded:
 *
 *   1. each worker prepares, chunks and analyses its share (ingest/analyse.ts): lexical terms
 *      and the embedder's feature counts;
 *   2. the main thread sums the counts into the embedder; each worker embeds its chunks.
 *
 * Shares are contiguous and joined in order, so the result equals the single-threaded one.
 */
export type WorkerRequest = { type: "prepare"; sources: SourceArticle[] } | { type: "embed"; state: unknown };
export type WorkerReply =
  | { type: "prepared"; articles: Article[]; chunks: Chunk[]; lexical: LexicalDoc[]; tokens: TokenTableParts; df: Uint32Array; docCount: number }
  | { type: "embedded"; vectors: Float32Array }
  | { type: "error"; message: string };

/** Below this many articles, starting workers costs more than it saves. */
export const PARALLEL_MIN_ARTICLES = 2000;

export function parallelWorkers(articleCount: number): number {
  return articleCount >= PARALLEL_MIN_ARTICLES ? Math.min(availableParallelism(), 8) : 1;
}

export async function embedInParallel(
  sources: SourceArticle[],
  workerCount: number,
  onProgress?: (done: number, total: number) => void,
): Promise<EmbeddedCorpus> {
  const size = Math.ceil(sources.length / workerCount);
  const shares = Array.from({ length: workerCount }, (_, i) => sources.slice(i * size, (i + 1) * size)).filter((s) => s.length > 0);
  const workers = shares.map(() => startWorker(import.meta.url, "./embed-worker", undefined));
  try {
    const prepared = await Promise.all(shares.map((sources, i) => ask(workers[i]!, { type: "prepare", sources }, "prepared")));
    const chunks = prepared.flatMap((p) => p.chunks);
    onProgress?.(0, chunks.length);
    const embedder = LocalEmbeddings.fromCounts(prepared);
    const state = embedder.toState();
    let done = 0;
    const embedded = await Promise.all(
      workers.map((w, i) =>
        ask(w, { type: "embed", state }, "embedded").then((r) => {
          done += prepared[i]!.chunks.length;
          onProgress?.(done, chunks.length);
          return r.vectors;
        }),
      ),
    );
    const d = embedder.dimensions;
    const vectors = embedded.flatMap((flat) => Array.from({ length: flat.length / d }, (_, i) => flat.subarray(i * d, (i + 1) * d)));
    const tokens = TokenTable.concat(prepared.map((p) => TokenTable.fromParts(p.tokens)));
    return { articles: prepared.flatMap((p) => p.articles), chunks, vectors, lexical: prepared.flatMap((p) => p.lexical), tokens, embedder };
  } finally {
    await Promise.all(workers.map((w) => w.terminate()));
  }
}

function ask<T extends WorkerReply["type"]>(worker: Worker, request: WorkerRequest, expect: T): Promise<Extract<WorkerReply, { type: T }>> {
  return new Promise((resolve, reject) => {
    const cleanup = () => {
      worker.off("message", onMessage);
      worker.off("error", onError);
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
    worker.on("message", onMessage);
    worker.once("error", onError);
    worker.postMessage(request);
  });
}

import { parentPort } from "node:worker_threads";
import type { Chunk } from "../core/article.ts";
import { LocalEmbeddings, type LocalEmbeddingsState } from "../core/embeddings/local.ts";
import type { TokenTable } from "../core/corpus/embedded/token-table.ts";
import { analyzeArticles, embedTokenised } from "./analyze.ts";
import { prepareArticle } from "./prepare.ts";
import type { SourceArticle } from "./read.ts";
import { packChunks, packLexical, type WorkerReply, type WorkerRequest } from "./embed-parallel.ts";

/**
 * One worker of a parallel ingest (see ingest/embed-parallel.ts): prepares and chunks its share
 * of the articles and counts their embedder features, then, once the main thread has summed the
 * counts of all shares, embeds its chunks. Its chunks stay here between the two steps.
 *
 * Or the worker of a live publication (ingest/prepare-thread.ts): prepares, chunks, analyses and
 * embeds the articles in one step, with the index's own embedder.
 */
const port = parentPort!;
let chunks: Chunk[] = [];
let tokens: TokenTable | undefined;

port.on("message", (request: WorkerRequest) => {
  try {
    const reply = handle(request);
    // Arrays this worker keeps no hold of are handed over, not copied: the vectors, and the
    // chunk spans, the lexical ids and the feature counts (the tokens stay here to be embedded).
    port.postMessage(reply, handedOver(reply));
  } catch (err) {
    port.postMessage({
      type: "error",
      message: err instanceof Error ? err.message : String(err),
    } satisfies WorkerReply);
  }
});

function handedOver(reply: WorkerReply): ArrayBuffer[] {
  if (reply.type === "embedded") return [reply.vectors.buffer as ArrayBuffer];
  if (reply.type === "publication") {
    const { chunks, lexical, vectors } = reply;
    return [
      ...new Set(
        [chunks, lexical.ids, lexical.offsets, lexical.titleLengths, ...(vectors ? [vectors] : [])].map(
          (a) => a.buffer as ArrayBuffer,
        ),
      ),
    ];
  }
  if (reply.type !== "prepared") return [];
  const { chunks, lexical, df } = reply;
  return [
    ...new Set([chunks, lexical.ids, lexical.offsets, lexical.titleLengths, df].map((a) => a.buffer as ArrayBuffer)),
  ];
}

function handle(request: WorkerRequest): WorkerReply {
  if (request.type === "publication") {
    const articles = request.sources.map((s: SourceArticle) => prepareArticle(s));
    const analyzed = analyzeArticles(articles, false);
    let vectors: Float32Array | undefined;
    if (request.embedder !== undefined) {
      const embedder = LocalEmbeddings.fromState(request.embedder as LocalEmbeddingsState);
      vectors = new Float32Array(analyzed.chunks.length * embedder.dimensions);
      embedTokenised(embedder, analyzed.chunks, analyzed.tokens).forEach((v, i) =>
        vectors!.set(v, i * embedder.dimensions),
      );
    }
    return {
      type: "publication",
      articles,
      chunks: packChunks(analyzed.chunks, articles),
      lexical: packLexical(analyzed.lexical),
      ...(vectors && { vectors }),
    };
  }
  if (request.type === "prepare") {
    const articles = request.sources.map((s: SourceArticle) => prepareArticle(s));
    const analyzed = analyzeArticles(articles, true);
    chunks = analyzed.chunks;
    tokens = analyzed.tokens;
    return {
      type: "prepared",
      articles,
      chunks: packChunks(chunks, articles),
      lexical: packLexical(analyzed.lexical),
      tokens: analyzed.tokens.parts(),
      df: analyzed.counts!.df,
      docCount: analyzed.counts!.docCount,
    };
  }
  const embedder = LocalEmbeddings.fromState(request.state as LocalEmbeddingsState);
  const vectors = new Float32Array(chunks.length * embedder.dimensions);
  // The bodies' tokens from the first step.
  embedTokenised(embedder, chunks, tokens!).forEach((v, i) => vectors.set(v, i * embedder.dimensions));
  chunks = [];
  tokens = undefined;
  return { type: "embedded", vectors };
}

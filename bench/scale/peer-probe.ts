import { readFile } from "node:fs/promises";
import path from "node:path";
import { MemoryVectorStore } from "@langchain/classic/vectorstores/memory";
import { Document } from "@langchain/core/documents";
import { Embeddings } from "@langchain/core/embeddings";
import type { BenchQuestion } from "../../test/support/corpus.ts";
import type { Neighbour } from "./exact-search.ts";
import { percentiles, reportResult, requireEnv, rssMiB } from "./probe.ts";
import { PEER_FILES, type PeerProbeResult } from "./probe-results.ts";

/**
 * Child process of bench/scale/run.ts: the reference peer, LangChain's MemoryVectorStore (exact
 * cosine over every vector), loaded with the same vectors and chunks Goftogu's HNSW holds (as
 * exported by bench/scale/retrieval-probe.ts) and queried with the same pre-embedded questions
 * through the same VectorStore method, `similaritySearchVectorWithScore`. Run with
 * --expose-gc so memory is measured after collection.
 */
/** The vectors are given; a peer that tried to embed text would be measuring something else. */
class GivenVectors extends Embeddings {
  constructor() {
    super({});
  }
  embedDocuments(): Promise<number[][]> {
    throw new Error("the peer is loaded with vectors, never with text");
  }
  embedQuery(): Promise<number[]> {
    throw new Error("the peer is queried with vectors, never with text");
  }
}

const K = 10;
const collect = () => (globalThis as { gc?: () => void }).gc?.();
const work = requireEnv("BENCH_WORK");
const queryCount = Number(process.env.BENCH_PEER_QUERIES ?? 200);

const meta = (await readFile(path.join(work, PEER_FILES.chunks), "utf8"))
  .split("\n")
  .filter(Boolean)
  .map((l) => JSON.parse(l) as { label: number; id: string; articleId: string; text: string });
const raw = await readFile(path.join(work, PEER_FILES.vectors));
const dimensions = raw.byteLength / 4 / meta.length;
const questions = JSON.parse(await readFile(path.join(work, PEER_FILES.questions), "utf8")) as BenchQuestion[];
const queryBytes = await readFile(path.join(work, PEER_FILES.queries));
const queryFloats = new Float32Array(queryBytes.buffer, queryBytes.byteOffset, queryBytes.byteLength / 4);
const queries = Array.from({ length: Math.min(queryCount, queryFloats.length / dimensions) }, (_, i) =>
  Array.from(queryFloats.subarray(i * dimensions, (i + 1) * dimensions)),
);

collect();
const rssBefore = await rssMiB();
const heapBefore = process.memoryUsage().heapUsed;
// MemoryVectorStore keeps number[] vectors: what a LangChain user hands it.
let floats: Float32Array | undefined = new Float32Array(raw.buffer, raw.byteOffset, raw.byteLength / 4);
const started = performance.now();
const store = new MemoryVectorStore(new GivenVectors());
const BATCH = 10_000;
for (let i = 0; i < meta.length; i += BATCH) {
  const slice = meta.slice(i, i + BATCH);
  const vectors = slice.map((_, j) => Array.from(floats!.subarray((i + j) * dimensions, (i + j + 1) * dimensions)));
  const documents = slice.map(
    (m) => new Document({ pageContent: m.text, metadata: { label: m.label, articleId: m.articleId }, id: m.id }),
  );
  await store.addVectors(vectors, documents);
}
const loadS = Math.round((performance.now() - started) / 10) / 100;
floats = undefined;
collect();
const rssAfter = await rssMiB();
const heapGrowth = process.memoryUsage().heapUsed - heapBefore;
console.error(`MemoryVectorStore loaded ${meta.length} vectors in ${loadS} s, RSS ${rssAfter} MiB`);

// One query first, so the JIT has compiled the cosine loop before anything is timed.
if (queries[0]) await store.similaritySearchVectorWithScore(queries[0], K);
const ms: number[] = [];
const top: Neighbour[][] = [];
let hits = 0;
for (const [i, q] of queries.entries()) {
  const t = performance.now();
  const found = await store.similaritySearchVectorWithScore(q, K);
  ms.push(performance.now() - t);
  top.push(found.map(([doc, similarity]) => ({ label: doc.metadata.label as number, similarity })));
  const gold = new Set(questions[i]!.answerArticles);
  if (found.some(([doc]) => gold.has(doc.metadata.articleId as string))) hits++;
}

const result: PeerProbeResult = {
  chunks: meta.length,
  loadS,
  rssMiB: rssAfter,
  rssGrowthMiB: rssAfter - rssBefore,
  heapGrowthMiB: Math.round(heapGrowth / 2 ** 20),
  queries: queries.length,
  latency: percentiles(ms),
  hit10: queries.length ? hits / queries.length : Number.NaN,
  top,
};
await reportResult(result);

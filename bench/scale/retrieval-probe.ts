import { open, readFile, writeFile } from "node:fs/promises";
import path from "node:path";
import type { Chunk } from "../../core/article.ts";
import { HnswlibCorpus } from "../../core/corpus/embedded/corpus.ts";
import { openIndex, type LoadedIndex } from "../../core/corpus/embedded/store.ts";
import { SegmentSet } from "../../core/corpus/embedded/segments.ts";
import { loadConfig } from "../../core/config.ts";
import { benchReranker, measureDense, measureHybrid, measureHybridExact } from "./hybrid-probe.ts";
import type { BenchQuestion } from "../../test/support/corpus.ts";
import { exactRecall, neighboursOf, recallAtK, VectorTable, type Neighbour } from "./exact-search.ts";
import { memoryFigures, percentiles, reportResult, requireEnv, rssMiB } from "./probe.ts";
import { PEER_FILES, type RetrievalProbeResult } from "./probe-results.ts";

/**
 * Child process of bench/scale/run.ts: opens the built index in process, as the server does, and
 * measures
 *   - hybrid retrieval (Retriever.search, k = 10: embedding, HNSW, BM25F, fusion, re-scoring)
 *     latency and whether an answering article is in the top 1 / top 10;
 *   - dense search alone (every vector segment, on the search threads as the server runs them)
 *     with a pre-embedded query;
 *   - HNSW recall@10 against brute-force cosine over every stored vector, at the ef the
 *     Retriever uses, and at others (the segments searched in this thread).
 * With BENCH_PEER_EXPORT set it also writes the vectors, chunks and query vectors for the peer
 * (bench/scale/peer-probe.ts), so the peer is loaded with exactly the same data.
 */
const K = 10;
const seconds = (ms: number) => Math.round(ms / 10) / 100;

const work = requireEnv("BENCH_WORK");
const questions = JSON.parse(await readFile(path.join(work, PEER_FILES.questions), "utf8")) as BenchQuestion[];
const recallQueries = Number(process.env.BENCH_RECALL_QUERIES ?? 200);

const rssBeforeOpenMiB = await rssMiB();
let t = performance.now();
const index = await openIndex(requireEnv("INDEX_DIR"), { kind: "local" });
const openS = seconds(performance.now() - t);
const rssAfterOpenMiB = await rssMiB();
const memoryAfterOpen = memoryFigures();
console.error(`index open in ${openS} s, RSS ${rssAfterOpenMiB} MiB`);

// Hybrid retrieval as the API runs it, vector and BM25F searches on their own threads when the
// server's defaults (DENSE_SEARCH_THREAD, LEXICAL_SEARCH_THREAD=auto) start them, once they have
// loaded as a server's do a moment after start; VECTOR_SEARCH_EF as the server reads it.
const store = loadConfig(process.env).store;
const corpus = HnswlibCorpus.of(index, store.kind === "embedded" && store.searchEf ? { searchEf: store.searchEf } : {});
const [searchThread, lexicalThread] = await Promise.all([corpus.searchThreadReady(), corpus.lexicalThreadReady()]);
console.error(
  `vector searches ${searchThread ? "on their own thread" : "in process"}, BM25F ${lexicalThread ? "on its own thread" : "in process"}`,
);
const reranker = benchReranker();
console.error(`re-ranker: ${reranker.kind}`);
const { hybrid, top: hybridTop } = await measureHybrid(corpus, reranker, questions);
console.error(`hybrid retrieval: ${questions.length} questions, p95 ${hybrid.latency.p95} ms`);

// Dense search alone, on vectors embedded once, as the corpus runs it (segments on their threads).
const { labelToChunk, chunkToLabel } = labelsOf(index);
const dense = await measureDense(corpus, questions.slice(0, recallQueries), (id) => chunkToLabel.get(id)!);
const queryVectors = dense.vectors;
const hnswNeighbours = dense.found;
const hnswTop = dense.found.map((f) => f.map((n) => n.label));
// The ef each segment is searched at (the Retriever's pool of 50 is below it).
const ef = corpus.searchEf;

// Every stored vector, read back from HNSW, for the exact ground truth.
t = performance.now();
// The segments read again here, for their vectors and the ef sweep below (the corpus's are on its threads).
const segments = await SegmentSet.load(index.manifest.embedder.dimensions, index.segmentChunks, index.segments);
const table = VectorTable.of(segments);
const extractS = seconds(performance.now() - t);
console.error(
  `read ${table.size} vectors of ${table.dimensions} dimensions back from HNSW in ${extractS} s; exact search for ${queryVectors.length} queries…`,
);
const { exact, ms: exactMs, recall, idRecall } = exactRecall(table, queryVectors, hnswNeighbours, K);
const exactS = seconds(exactMs);
console.error(`exact search in ${exactS} s; HNSW recall@10 ${recall.toFixed(4)} at ef ${ef}`);

// What HNSW's missed neighbours cost a reader: the same hybrid retrieval, its vector search
// answered exactly from the table instead (one brute-force sweep a question).
console.error(`hybrid retrieval again with exact vector search…`);
const hybridExact = await measureHybridExact(corpus, reranker, questions, table, labelToChunk, hybridTop);

// What another ef in each segment would give: recall and search time (every segment, in this
// thread, one after another) at each, on the same queries.
const efSweep: RetrievalProbeResult["efSweep"] = [];
for (const sweepEf of [32, 64, 128, 256].filter((e) => e !== ef)) {
  const sweepMs: number[] = [];
  const found: Neighbour[][] = queryVectors.map((vector) => {
    const start = performance.now();
    const r = segments.search(vector, K, sweepEf);
    sweepMs.push(performance.now() - start);
    return neighboursOf({ neighbors: r.labels, distances: r.distances });
  });
  efSweep.push({ ef: sweepEf, recall: recallAtK(found, exact, K).recall, latency: percentiles(sweepMs) });
}

const peerExported = process.env.BENCH_PEER_EXPORT === "1";
if (peerExported) await exportForPeer(table, labelToChunk, queryVectors);

const result: RetrievalProbeResult = {
  openS,
  rssBeforeOpenMiB,
  rssAfterOpenMiB,
  memoryAfterOpen,
  chunks: index.manifest.counts.chunks,
  dimensions: table.dimensions,
  searchThread,
  lexicalThread,
  hybrid,
  hybridExact,
  embedQuery: dense.embedQuery,
  dense: {
    queries: queryVectors.length,
    ef,
    latency: dense.latency,
    hit10: dense.hit10,
    recall,
    idRecall,
  },
  efSweep,
  extractS,
  exactS,
  exact,
  hnswTop,
  peerExported,
};
await reportResult(result);

/** Each chunk by label and each label by chunk id, from the index's own maps. */
function labelsOf(loaded: LoadedIndex) {
  const labelToChunk = new Map<number, Chunk>();
  const chunkToLabel = new Map<string, number>();
  for (const [id, label] of loaded.labels) {
    const chunk = loaded.chunks.get(id);
    if (chunk) labelToChunk.set(label, chunk);
    chunkToLabel.set(id, label);
  }
  return { labelToChunk, chunkToLabel };
}

async function exportForPeer(vectors: VectorTable, chunks: Map<number, Chunk>, queries: number[][]): Promise<void> {
  const file = await open(path.join(work, PEER_FILES.vectors), "w");
  let rows = vectors.size;
  for (const block of vectors.blocks) {
    const count = Math.min(rows, block.length / vectors.dimensions);
    await file.write(new Uint8Array(block.buffer, block.byteOffset, count * vectors.dimensions * 4));
    rows -= count;
  }
  await file.close();
  // In batches: the chunks of a large corpus are more text than one string may hold.
  const out = await open(path.join(work, PEER_FILES.chunks), "w");
  for (let i = 0; i < vectors.labels.length; i += 10_000) {
    const lines = vectors.labels.slice(i, i + 10_000).map((label) => {
      const c = chunks.get(label);
      return `${JSON.stringify({ label, id: c?.id, articleId: c?.articleId, text: c?.text ?? "" })}\n`;
    });
    await out.write(lines.join(""));
  }
  await out.close();
  const q = new Float32Array(queries.length * vectors.dimensions);
  queries.forEach((v, i) => q.set(v, i * vectors.dimensions));
  await writeFile(path.join(work, PEER_FILES.queries), new Uint8Array(q.buffer));
}

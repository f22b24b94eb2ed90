import { loadConfig } from "../../core/config.ts";
import { buildStore } from "../../ingest/store.ts";
import { memoryFigures, reportProgress, reportResult, requireEnv } from "./probe.ts";
import type { IngestProbeResult, IngestProgress } from "./probe-results.ts";

/**
 * Child process of bench/scale/run.ts: builds the index exactly as `npm run ingest -- --force` does
 * (the project's own buildStore, offline embedder) and times its phases. The progress callback
 * marks where embedding starts and ends, so the wall time splits into
 *   prepare: read, clean, suggested questions, chunk, fit the embedder's IDF;
 *   embed:   the chunks' vectors;
 *   write:   embedded, the BM25 index, the vector segments and the generation's files; with
 *            PostgreSQL, one transaction of rows and postings, pgvector's HNSW index, ANALYZE.
 * With PostgreSQL the memory figures are this process's: the server's own (the HNSW build's
 * maintenance_work_mem among them) is in its processes, not here.
 */
const started = performance.now();
let embedStart = Number.NaN;
let embedEnd = Number.NaN;
let heap = 0;
const seconds = (ms: number) => Math.round(ms / 10) / 100;
let lastLog = 0;
/** Where memory stands after each phase: V8 heap vs. memory outside it (HNSW's native graph). */
const memory: IngestProbeResult["memory"] = {};

// The store as `npm run ingest` reads it from the environment: INDEX_DIR and
// INDEX_SEGMENT_CHUNKS, or VECTOR_STORE=pgvector with DATABASE_URL and DATABASE_SCHEMA
// (bench/scale/pg-size.ts).
const summary = await buildStore({
  store: loadConfig(process.env).store,
  mode: "import",
  articlesDir: requireEnv("ARTICLES_DIR"),
  indexDir: process.env.INDEX_DIR ?? "",
  embedder: { kind: "local" },
  force: true,
  log: (line) => console.error(line),
  onProgress: (done, total) => {
    const now = performance.now();
    if (done === 0) {
      embedStart = now;
      memory.prepared = memoryFigures();
    }
    if (done === total) {
      embedEnd = now;
      memory.embedded = memoryFigures();
    }
    heap = Math.max(heap, process.memoryUsage().heapUsed);
    if (now - lastLog > 10_000 || done === total) {
      lastLog = now;
      const partial: IngestProgress = {
        stage: done === total ? "write" : "embed",
        chunks: total,
        embedded: done,
        prepareS: seconds(embedStart - started),
        elapsedS: seconds(now - started),
        memory,
      };
      reportProgress(partial);
      console.error(`embedded ${done}/${total} chunks, ${seconds(now - started)} s`);
    }
  },
});
const ended = performance.now();
heap = Math.max(heap, process.memoryUsage().heapUsed);
const result: IngestProbeResult = {
  articles: summary.articles,
  chunks: summary.chunks,
  seconds: seconds(ended - started),
  phases: {
    prepareS: seconds(embedStart - started),
    embedS: seconds(embedEnd - embedStart),
    writeS: seconds(ended - embedEnd),
  },
  maxRssMiB: Math.round(process.resourceUsage().maxRSS / 1024),
  heapMiB: Math.round(heap / 2 ** 20),
  problems: summary.problems.length,
  memory: { ...memory, written: memoryFigures() },
};
await reportResult(result);

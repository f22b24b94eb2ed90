import { buildPgIndex } from "../../ingest/build-pg.ts";
import { reportProgress, reportResult, requireEnv } from "./probe.ts";
import type { IngestProbeResult, IngestProgress } from "./probe-results.ts";

/**
 * Child process of bench/scale/run.ts with `--store pgvector`: builds the index into PostgreSQL
 * exactly as `npm run ingest -- --force` does with VECTOR_STORE=pgvector (the project's own
 * buildPgIndex, offline embedder) and times its phases as ingest-probe.ts does the embedded build:
 *   prepare: read, clean, suggested questions, chunk, fit the embedder's IDF;
 *   embed:   the chunks' vectors;
 *   write:   one transaction of rows and postings, pgvector's HNSW index, ANALYZE.
 * The memory figures are this process's: PostgreSQL's own (the HNSW build's maintenance_work_mem
 * among them) is in its server processes, not here.
 */
const started = performance.now();
let embedStart = Number.NaN;
let embedEnd = Number.NaN;
let heap = 0;
const seconds = (ms: number) => Math.round(ms / 10) / 100;
let lastLog = 0;
const usage = () => {
  const m = process.memoryUsage();
  return {
    rssMiB: Math.round(m.rss / 2 ** 20),
    heapUsedMiB: Math.round(m.heapUsed / 2 ** 20),
    externalMiB: Math.round(m.external / 2 ** 20),
  };
};
const memory: IngestProbeResult["memory"] = {};

const summary = await buildPgIndex({
  articlesDir: requireEnv("ARTICLES_DIR"),
  database: { url: requireEnv("DATABASE_URL"), schema: requireEnv("DATABASE_SCHEMA") },
  embedder: { kind: "local" },
  mode: "import",
  force: true,
  log: (line) => console.error(line),
  onProgress: (done, total) => {
    const now = performance.now();
    if (done === 0) {
      embedStart = now;
      memory.prepared = usage();
    }
    if (done === total) {
      embedEnd = now;
      memory.embedded = usage();
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
  memory: { ...memory, written: usage() },
};
await reportResult(result);

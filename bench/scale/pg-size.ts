import { readdir, readFile } from "node:fs/promises";
import { cpus } from "node:os";
import path from "node:path";
import pg from "pg";
import { quoted } from "../../core/corpus/pgvector/schema.ts";
import { startPostgresServer } from "../../test/support/postgres-server.ts";
import { runServer } from "../load/chat-load.ts";
import { runProbe } from "./probe.ts";
import { ingestFailure, ingestFigures } from "./ingest-figures.ts";
import type { IngestProbeResult, RetrievalProbeResult } from "./probe-results.ts";
import type { SizeResult } from "./report.ts";

/**
 * One size of `npm run bench -- scale --store pgvector`: the same stages as the embedded run
 * (bench/scale/run.ts), against a throw-away PostgreSQL 15 server with pgvector started for this
 * size (test/support/postgres-server.ts) and stopped after it, failure or not:
 *   ingest     buildPgIndex in a child process (ingest-probe.ts, with VECTOR_STORE=pgvector);
 *   the server `npm start` with VECTOR_STORE=pgvector on that database, loaded over HTTP;
 *   retrieval  PgvectorCorpus in a child process (pg-retrieval-probe.ts): hybrid retrieval,
 *              vector search and pgvector's HNSW recall against exact search.
 * The MemoryVectorStore peer is not run: it holds the vectors in the Node process, which is the
 * embedded index's comparison, not a database's. PostgreSQL's own memory is not in any RSS
 * figure of the table (those are Node processes'); it is sampled here and given in the notes.
 */
export interface PgSizeContext {
  size: number;
  dir: string;
  articlesDir: string;
  probeWork: string;
  questions: string[];
  result: SizeResult;
  progress: (line: string) => void;
  http: { seconds: number; connections: number };
  /** Brute-force work cap (queries × chunks × dimensions), as for the embedded run. */
  exactWork: number;
  probeHeapMiB: number;
  /** Extra node flags of a child (CPU profiles). */
  profileFlags: (stage: string) => string[];
}

/** The schema the corpus is built in: the product's default. */
const SCHEMA = "goftogu";

/**
 * Memory for the server's work beyond the tests' small defaults: the table and the HNSW graph in
 * shared buffers, the graph built in memory (pgvector slows down sharply once it no longer fits
 * in maintenance_work_mem: ~5 chunks an article of a 2,048-dimension halfvec and its neighbour
 * lists is ~25 KiB an article), and the build on every core but the one that leads it.
 */
export function postgresSettings(size: number): Record<string, string | number> {
  const graphMiB = Math.ceil((size * 32) / 1024);
  return {
    shared_buffers: "1GB",
    maintenance_work_mem: `${Math.min(8192, Math.max(1024, graphMiB))}MB`,
    max_parallel_maintenance_workers: Math.max(0, cpus().length - 1),
    ...benchPostgresSettings(),
  };
}

/**
 * BENCH_PG_SETTINGS="jit=off,work_mem=64MB": more server settings, over the ones above, to see
 * what a setting changes. Everything else is PostgreSQL's default, as a deployment's would be.
 */
export function benchPostgresSettings(): Record<string, string> {
  const settings: Record<string, string> = {};
  for (const entry of (process.env.BENCH_PG_SETTINGS ?? "").split(",").map((e) => e.trim())) {
    if (!entry) continue;
    // pg_ctl hands the settings to a shell: plain names and values only.
    const m = /^([a-z_][a-z0-9_.]*)=([A-Za-z0-9_.-]+)$/.exec(entry);
    if (!m)
      throw new Error(
        `BENCH_PG_SETTINGS takes name=value pairs separated by commas (jit=off,work_mem=64MB), not "${entry}"`,
      );
    settings[m[1]!] = m[2]!;
  }
  return settings;
}

export async function measurePgvector(ctx: PgSizeContext): Promise<void> {
  const { size, result, progress } = ctx;
  const say = (line: string) => progress(`${size} articles: ${line}`);
  const settings = postgresSettings(size);
  say(
    `starting PostgreSQL 15 with pgvector (${Object.entries(settings)
      .map(([k, v]) => `${k} ${v}`)
      .join(", ")})…`,
  );
  const server = await startPostgresServer({ settings });
  // Interrupted (Ctrl-C), the server and its data directory would outlive the benchmark.
  const interrupted = () => void server.stop().finally(() => process.exit(130));
  process.once("SIGINT", interrupted);
  process.once("SIGTERM", interrupted);
  const database = { DATABASE_URL: server.url, DATABASE_SCHEMA: SCHEMA };
  const memory = postgresMemory(Number(new URL(server.url).port));
  try {
    const versions = await query<{ version: string }>(
      server.url,
      "SELECT current_setting('server_version') AS version",
    );
    result.postgres = { version: versions[0]?.version ?? "", pgvector: "", settings };

    say(`building the index in PostgreSQL (buildPgIndex in a child process)…`);
    memory.start();
    const ingest = await runProbe<IngestProbeResult>("bench/scale/ingest-probe.ts", {
      env: { ARTICLES_DIR: ctx.articlesDir, VECTOR_STORE: "pgvector", ...database },
      nodeFlags: ["--max-old-space-size=12288", ...ctx.profileFlags("ingest")],
      work: ctx.probeWork,
      label: "ingest",
    });
    result.postgres.ingestPssMiB = await memory.stop();
    result.ingest = ingestFigures(ingest);
    if (!ingest.result) {
      result.missing.ingest = ingestFailure(ingest, "writing to PostgreSQL");
      say(`${result.missing.ingest}; nothing else can be measured at this size`);
      return;
    }
    const i = ingest.result;
    say(
      `${i.chunks} chunks in ${i.seconds} s (${Math.round(i.articles / i.seconds)} articles/s), peak RSS ${ingest.peakRssMiB} MiB, PostgreSQL ${result.postgres.ingestPssMiB} MiB`,
    );
    const sizes = await databaseSizes(server.url);
    result.indexMiB = sizes.schemaMiB;
    result.postgres.hnswIndexMiB = sizes.hnswMiB;
    result.postgres.pgvector = sizes.pgvector;

    say(`starting the server on the database…`);
    memory.start();
    try {
      result.server = await runServer({
        articlesDir: ctx.articlesDir,
        // Unused with VECTOR_STORE=pgvector, but the server is given one as `npm start` would be.
        indexDir: path.join(ctx.dir, "index"),
        feedbackDir: path.join(ctx.dir, "feedback"),
        questions: ctx.questions,
        seconds: ctx.http.seconds,
        connections: ctx.http.connections,
        progress: say,
        env: { VECTOR_STORE: "pgvector", ...database },
      });
    } catch (err) {
      result.missing.server = err instanceof Error ? err.message : String(err);
      say(`server: ${result.missing.server}`);
    }
    result.postgres.serverPssMiB = await memory.stop();

    const queries = Math.min(200, Math.max(20, Math.floor(ctx.exactWork / (i.chunks * sizes.dimensions))));
    say(`retrieval latency, recall@10 over ${queries} queries (in a child process)…`);
    const retrieval = await runProbe<RetrievalProbeResult>("bench/scale/pg-retrieval-probe.ts", {
      env: {
        ...database,
        BENCH_WORK: ctx.probeWork,
        BENCH_RECALL_QUERIES: String(queries),
        ...(process.env.RERANKER && { RERANKER: process.env.RERANKER }),
      },
      nodeFlags: [`--max-old-space-size=${ctx.probeHeapMiB}`, ...ctx.profileFlags("retrieval")],
      work: ctx.probeWork,
      label: "retrieval",
    });
    if (!retrieval.result) {
      result.missing.retrieval = `${retrieval.error} after ${Math.round(retrieval.wallMs / 10) / 100} s`;
      return;
    }
    const { exact, hnswTop, ...figures } = retrieval.result;
    result.retrieval = figures;
  } finally {
    process.off("SIGINT", interrupted);
    process.off("SIGTERM", interrupted);
    await memory.stop();
    await server.stop();
  }
}

async function query<T extends pg.QueryResultRow>(url: string, sql: string): Promise<T[]> {
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  try {
    return (await client.query<T>(sql)).rows;
  } finally {
    await client.end();
  }
}

/** The corpus's size in the database (its schema's tables with their indexes and TOAST), the HNSW index's, and pgvector's version. */
async function databaseSizes(url: string) {
  const [row] = await query<{ schema: string; hnsw: string; dimensions: number; pgvector: string }>(
    url,
    `SELECT (SELECT sum(pg_total_relation_size(c.oid)) FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
              WHERE n.nspname = '${SCHEMA}' AND c.relkind = 'r') AS schema,
            pg_relation_size('${quoted(SCHEMA)}.chunks_embedding') AS hnsw,
            (SELECT dimensions FROM ${quoted(SCHEMA)}.build) AS dimensions,
            (SELECT extversion FROM pg_extension WHERE extname = 'vector') AS pgvector`,
  );
  const mib = (bytes: string | undefined) => Math.round((Number(bytes ?? 0) / 2 ** 20) * 10) / 10;
  return {
    schemaMiB: mib(row?.schema),
    hnswMiB: mib(row?.hnsw),
    dimensions: row?.dimensions ?? 2048,
    pgvector: row?.pgvector ?? "",
  };
}

/**
 * The peak proportional set size (PSS) of the PostgreSQL server's processes while a stage runs,
 * MiB: PSS shares each shared page (shared buffers) out among the processes that touch it, so
 * the sum counts it once, where a sum of RSS would count it in every backend.
 */
function postgresMemory(port: number) {
  let timer: NodeJS.Timeout | undefined;
  let peak = 0;
  let postmaster: number | undefined;
  const sample = async () => {
    postmaster ??= await findPostmaster(port);
    if (postmaster === undefined) return;
    const children = await readFile(`/proc/${postmaster}/task/${postmaster}/children`, "utf8").catch(() => "");
    const pids = [postmaster, ...children.split(/\s+/).filter(Boolean).map(Number)];
    const pss = await Promise.all(
      pids.map(async (pid) => {
        const rollup = await readFile(`/proc/${pid}/smaps_rollup`, "utf8").catch(() => "");
        return Number(/^Pss:\s+(\d+)/m.exec(rollup)?.[1] ?? 0);
      }),
    );
    peak = Math.max(peak, Math.round(pss.reduce((a, b) => a + b, 0) / 1024));
  };
  return {
    start() {
      peak = 0;
      timer = setInterval(() => void sample(), 500);
    },
    /** Stops sampling; the peak since `start`. */
    async stop(): Promise<number> {
      if (timer) clearInterval(timer);
      timer = undefined;
      await sample();
      return peak;
    },
  };
}

/** The PostgreSQL server listening on `port`: the `postgres` process started with `-p PORT`. */
async function findPostmaster(port: number): Promise<number | undefined> {
  for (const entry of await readdir("/proc")) {
    if (!/^\d+$/.test(entry)) continue;
    const args = (await readFile(`/proc/${entry}/cmdline`, "utf8").catch(() => "")).split("\0");
    if (!args[0]?.endsWith("/postgres")) continue;
    const p = args.indexOf("-p");
    if (p >= 0 && args[p + 1] === String(port)) return Number(entry);
  }
  return undefined;
}

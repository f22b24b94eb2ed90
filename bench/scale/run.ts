import { mkdir, mkdtemp, readdir, readlink, rm, stat, writeFile } from "node:fs/promises";
import { cpus, freemem, loadavg, tmpdir, totalmem } from "node:os";
import path from "node:path";
import { readManifest } from "../../core/corpus/embedded/store.ts";
import { CORPUS_VERSION, writeCorpus } from "../../test/support/corpus.ts";
import { overlapAtK, recallAtK, type Neighbour } from "./exact-search.ts";
import { ROOT, runProbe } from "./probe.ts";
import {
  PEER_FILES,
  type IngestProbeResult,
  type PeerProbeResult,
  type RetrievalProbeResult,
} from "./probe-results.ts";
import { renderNotes, renderTable, type SizeResult, type Store } from "./report.ts";
import { ingestFailure, ingestFigures } from "./ingest-figures.ts";
import { benchPostgresSettings, measurePgvector } from "./pg-size.ts";
import { loadSentencePool } from "../../test/support/sentence-pool.ts";
import { postgresMissing } from "../../test/support/postgres-server.ts";
import { runServer } from "../load/chat-load.ts";

/**
 * `npm run bench [-- --sizes 1000,10000,100000] [--json FILE]`: the scale benchmark of issue 7.
 * For each size: a generated corpus (test/support/corpus.ts), the index built by the project's own
 * buildIndex, the real server started on it and loaded over HTTP, retrieval and HNSW recall
 * measured in process, and LangChain's MemoryVectorStore loaded with the same vectors beside it.
 * Every measurement that holds an index runs in its own process, so one size's memory never
 * counts in another's, and the run goes on past a stage that fails (out of memory at 100k, say).
 *
 * With `--store pgvector` the index is built into, and served from, a throw-away PostgreSQL 15
 * server with pgvector instead (bench/scale/pg-size.ts), and the peer is not run.
 *
 * Progress goes to stderr; the table to stdout; the figures as JSON to --json or
 * reports/bench-scale-<time>.json. Temporary data lives under the OS temp dir and is removed.
 */
export interface ScaleOptions {
  sizes: number[];
  json?: string;
  /** The index measured: the embedded one (the default) or PostgreSQL with pgvector. */
  store?: Store;
}

const SEED = 7;
const QUESTIONS = 300;
const K = 10;
/** autocannon per route; BENCH_HTTP_SECONDS shortens it for a quick look. */
const HTTP_SECONDS = Number(process.env.BENCH_HTTP_SECONDS ?? 10);
const HTTP_CONNECTIONS = 50;
/** Heap for the measuring children (not the product): the probe holds the index and a copy of its vectors. */
const PROBE_HEAP_MIB = 16_384;
/**
 * MemoryVectorStore keeps each vector as a JS number[] (8 bytes a dimension) plus a document:
 * above this estimate it is not loaded, and the table says why.
 */
const PEER_BUDGET_MIB = Math.min(12_288, Math.floor((freemem() / 2 ** 20) * 0.6));
/** Brute-force work per size (queries × chunks × dimensions) is capped so 100k stays minutes, not hours. */
const EXACT_WORK = 2.5e10;

const progress = (line: string) => process.stderr.write(`[bench] ${line}\n`);

export async function runScale(options: ScaleOptions): Promise<void> {
  const store = options.store ?? "embedded";
  // Checked before minutes of corpus generation: without a server, or with settings it would
  // refuse, there is nothing to measure.
  const missing = store === "pgvector" ? postgresMissing() : undefined;
  if (missing) throw new Error(`--store pgvector starts a PostgreSQL server of its own, and it ${missing}`);
  if (store === "pgvector") benchPostgresSettings();
  const started = new Date();
  const work = await mkdtemp(path.join(tmpdir(), "goftogu-bench-"));
  const results: SizeResult[] = [];
  try {
    progress(`reading the sentence pool (seed articles, PQuAD and ParsiNLU passages)…`);
    const pool = await loadSentencePool();
    progress(
      `${pool.sentences.length} sentences in ${pool.passages.length} passages, ${pool.candidates.length} question candidates`,
    );
    for (const size of options.sizes) results.push(await runSize(size, path.join(work, `size-${size}`), pool, store));
  } finally {
    // BENCH_KEEP=1 leaves the generated corpora and indexes for a closer look (a 100k index takes a quarter of an hour to build).
    if (process.env.BENCH_KEEP === "1") progress(`kept the corpora and indexes in ${work}`);
    else await rm(work, { recursive: true, force: true });
  }
  const table = renderTable(results, store);
  const notes = renderNotes(results);
  const measured = store === "pgvector" ? " · pgvector store (PostgreSQL 15 on loopback)" : "";
  console.log(
    `\nscale${measured} · ${cpus().length} cores · ${Math.round(totalmem() / 2 ** 30)} GiB · node ${process.version} · offline defaults (local embedder, extractive answers)${Object.entries(
      benchSettings(),
    )
      .map(([name, value]) => ` · ${name}=${value}`)
      .join("")} · seed ${SEED}\n`,
  );
  console.log(table);
  console.log(`\n${notes}\n`);
  console.log(
    store === "pgvector"
      ? "Hybrid retrieval is Retriever.search as /api/search runs it, over PgvectorCorpus (embedding in process; pgvector's HNSW and BM25F in SQL; fusion, re-scoring). " +
          "Vector search and recall: the same pre-embedded questions through PgvectorCorpus.nearest (a transaction setting hnsw.ef_search, the HNSW scan on halfvec, re-scored on the full vectors); " +
          `recall counts ties with the exact 10th neighbour. HTTP: autocannon, ${HTTP_SECONDS} s a route at ${HTTP_CONNECTIONS} connections, rate limit off. MemoryVectorStore is not run with this store.`
      : "Hybrid retrieval is Retriever.search as /api/search runs it (embedding, vector segments, BM25F, fusion, re-scoring). Vector search and recall: the same " +
          `pre-embedded questions through the corpus's nearest (every segment, on the search threads); recall counts ties with the exact 10th neighbour. HTTP: autocannon, ${HTTP_SECONDS} s a route at ${HTTP_CONNECTIONS} connections, rate limit off.`,
  );
  const file =
    options.json ?? path.join(ROOT, "reports", `bench-scale-${started.toISOString().replace(/[:.]/g, "-")}.json`);
  await mkdir(path.dirname(path.resolve(file)), { recursive: true });
  const machine = {
    cores: cpus().length,
    cpu: cpus()[0]?.model,
    memoryGiB: Math.round(totalmem() / 2 ** 30),
    node: process.version,
  };
  await writeFile(
    file,
    JSON.stringify(
      {
        startedAt: started.toISOString(),
        store,
        machine,
        seed: SEED,
        corpusVersion: CORPUS_VERSION,
        httpSeconds: HTTP_SECONDS,
        httpConnections: HTTP_CONNECTIONS,
        results,
      },
      null,
      2,
    ),
  );
  progress(`figures written to ${path.relative(process.cwd(), path.resolve(file)) || file}`);
}

async function runSize(
  size: number,
  dir: string,
  pool: Awaited<ReturnType<typeof loadSentencePool>>,
  store: Store,
): Promise<SizeResult> {
  const result: SizeResult = { size, missing: {} };
  const loadStart = loadavg()[0]!;
  const articlesDir = path.join(dir, "articles");
  const indexDir = path.join(dir, "index");
  const probeWork = path.join(dir, "probe");
  await mkdir(probeWork, { recursive: true });
  try {
    progress(`${size} articles: generating the corpus…`);
    let t = performance.now();
    const corpus = await writeCorpus(articlesDir, { size, seed: SEED, questions: QUESTIONS }, pool);
    result.corpus = {
      articles: corpus.articles,
      files: corpus.files,
      chars: corpus.chars,
      questions: corpus.questions.length,
      generationS: seconds(performance.now() - t),
    };
    progress(
      `${size} articles: ${corpus.files} JSONL files, ${Math.round(corpus.chars / size)} characters an article, ${corpus.questions.length} questions, ${result.corpus.generationS} s`,
    );
    await writeFile(path.join(probeWork, PEER_FILES.questions), JSON.stringify(corpus.questions));

    if (store === "pgvector") {
      result.missing.peer =
        "not run with --store pgvector: MemoryVectorStore holds the vectors in the Node process, the embedded index's comparison (see --store embedded)";
      await measurePgvector({
        size,
        dir,
        articlesDir,
        probeWork,
        questions: corpus.questions.map((q) => q.question),
        result,
        progress,
        http: { seconds: HTTP_SECONDS, connections: HTTP_CONNECTIONS },
        exactWork: EXACT_WORK,
        probeHeapMiB: PROBE_HEAP_MIB,
        profileFlags: (stage) => profileFlags(stage, size),
      });
      return result;
    }

    progress(`${size} articles: building the index (buildIndex in a child process)…`);
    const ingest = await runProbe<IngestProbeResult>("bench/scale/ingest-probe.ts", {
      env: { ARTICLES_DIR: articlesDir, INDEX_DIR: indexDir, ...benchSettings() },
      // The heap `npm run ingest` and `npm start` give a build (package.json): an archive's build
      // holds every chunk's vector and terms at once, beyond V8's default 4 GB.
      nodeFlags: ["--max-old-space-size=12288", ...profileFlags("ingest", size)],
      work: probeWork,
      label: "ingest",
    });
    result.ingest = ingestFigures(ingest);
    if (!ingest.result) {
      result.missing.ingest = ingestFailure(ingest, "writing the index");
      progress(`${size} articles: ${result.missing.ingest}; nothing else can be measured at this size`);
      return result;
    }
    const i = ingest.result;
    progress(
      `${size} articles: ${i.chunks} chunks in ${i.seconds} s (${Math.round(i.articles / i.seconds)} articles/s), peak RSS ${ingest.peakRssMiB} MiB`,
    );
    result.indexMiB = await generationMiB(indexDir);

    progress(`${size} articles: starting the server on the built index…`);
    try {
      result.server = await runServer({
        articlesDir,
        indexDir,
        feedbackDir: path.join(dir, "feedback"),
        questions: corpus.questions.map((q) => q.question),
        seconds: HTTP_SECONDS,
        connections: HTTP_CONNECTIONS,
        progress: (line) => progress(`${size} articles: ${line}`),
        env: benchSettings(),
      });
    } catch (err) {
      result.missing.server = err instanceof Error ? err.message : String(err);
      progress(`${size} articles: server: ${result.missing.server}`);
    }

    const dimensions = (await readManifest(indexDir))?.embedder.dimensions ?? 2048;
    const peerPlan = planPeer(i.chunks, dimensions);
    const queries = Math.min(200, Math.max(20, Math.floor(EXACT_WORK / (i.chunks * dimensions))));
    progress(
      `${size} articles: retrieval latency, recall@10 over ${queries} queries${peerPlan.run ? ", and the peer's data" : ""} (in a child process)…`,
    );
    const retrieval = await runProbe<RetrievalProbeResult>("bench/scale/retrieval-probe.ts", {
      env: {
        INDEX_DIR: indexDir,
        BENCH_WORK: probeWork,
        ...benchSettings(),
        BENCH_RECALL_QUERIES: String(queries),
        ...(peerPlan.run && { BENCH_PEER_EXPORT: "1" }),
        // The re-ranker to measure (the learned one unless RERANKER=rules), as the server would.
        ...(process.env.RERANKER && { RERANKER: process.env.RERANKER }),
      },
      nodeFlags: [`--max-old-space-size=${PROBE_HEAP_MIB}`, ...profileFlags("retrieval", size)],
      work: probeWork,
      label: "retrieval",
    });
    if (!retrieval.result) {
      result.missing.retrieval = `${retrieval.error} after ${seconds(retrieval.wallMs)} s`;
      return result;
    }
    const { exact, hnswTop, ...figures } = retrieval.result;
    result.retrieval = figures;

    if (!peerPlan.run) {
      result.missing.peer = peerPlan.reason;
      return result;
    }
    progress(`${size} articles: loading MemoryVectorStore with the same ${i.chunks} vectors (in a child process)…`);
    const peer = await runProbe<PeerProbeResult>("bench/scale/peer-probe.ts", {
      env: { BENCH_WORK: probeWork, BENCH_PEER_QUERIES: String(queries) },
      nodeFlags: ["--expose-gc", `--max-old-space-size=${PEER_BUDGET_MIB + 2048}`],
      work: probeWork,
      label: "peer",
    });
    if (!peer.result) {
      result.missing.peer = `MemoryVectorStore ${peer.error} (peak RSS ${peer.peakRssMiB} MiB)`;
      return result;
    }
    const { top, ...peerFigures } = peer.result;
    result.peer = { ...peerFigures, ...peerRecall(top, exact, hnswTop) };
    return result;
  } catch (err) {
    result.missing.run = err instanceof Error ? err.message : String(err);
    progress(`${size} articles: ${result.missing.run}`);
    return result;
  } finally {
    result.loadAverage = { start: loadStart, end: loadavg()[0]! };
    if (process.env.BENCH_KEEP !== "1") await rm(dir, { recursive: true, force: true });
  }
}

/** Whether MemoryVectorStore can hold this many vectors here, and why not. */
function planPeer(chunks: number, dimensions: number): { run: true } | { run: false; reason: string } {
  // A number[] of doubles, the document with its text (~700 characters, UTF-16) and metadata.
  const estimateMiB = Math.round((chunks * (dimensions * 8 + 2500)) / 2 ** 20);
  if (estimateMiB <= PEER_BUDGET_MIB) return { run: true };
  return {
    run: false,
    reason: `not loaded: ${chunks} vectors × ${dimensions} dimensions as JS number[] with their documents need ~${estimateMiB} MiB of heap, over the ${PEER_BUDGET_MIB} MiB the peer may use on this machine`,
  };
}

/** The peer's recall against the same exact search (1.0 but for ties), and how far HNSW agrees with it. */
function peerRecall(top: Neighbour[][], exact: Neighbour[][], hnswTop: number[][]) {
  const { recall, idRecall } = recallAtK(top, exact.slice(0, top.length), K);
  const labels = top.map((list) => list.map((n) => n.label));
  return { recall, idRecall, overlapWithGoftogu: overlapAtK(hnswTop.slice(0, top.length), labels, K) };
}

/** Size of the generation `current` points at, MiB. */
async function generationMiB(indexDir: string): Promise<number> {
  const dir = path.join(indexDir, await readlink(path.join(indexDir, "current")));
  let bytes = 0;
  for (const entry of await readdir(dir, { recursive: true, withFileTypes: true })) {
    if (entry.isFile()) bytes += (await stat(path.join(entry.parentPath, entry.name))).size;
  }
  return Math.round((bytes / 2 ** 20) * 10) / 10;
}

/**
 * The settings under study in the bench's own environment, handed to the build, the server and
 * the retrieval probe alike: the vector segments' (INDEX_SEGMENT_CHUNKS, VECTOR_SEARCH_EF), how
 * another point of the recall/cost trade-off is measured (docs/benchmarks.md, "Segments"), and
 * the answer threads' (WORKERS).
 */
function benchSettings(): Record<string, string> {
  const names = ["INDEX_SEGMENT_CHUNKS", "VECTOR_SEARCH_EF", "WORKERS"] as const;
  return Object.fromEntries(names.flatMap((name) => (process.env[name] ? [[name, process.env[name]!]] : [])));
}

/** BENCH_CPU_PROFILE=DIR: the ingest and retrieval children write V8 CPU profiles there (bench/tools/cpu-profile.ts reads them). */
function profileFlags(stage: string, size: number): string[] {
  const dir = process.env.BENCH_CPU_PROFILE;
  return dir
    ? ["--cpu-prof", `--cpu-prof-dir=${path.resolve(dir)}`, `--cpu-prof-name=${stage}-${size}-${Date.now()}.cpuprofile`]
    : [];
}

const seconds = (ms: number) => Math.round(ms / 10) / 100;

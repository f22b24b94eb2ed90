import { readFile } from "node:fs/promises";
import path from "node:path";
import pg from "pg";
import type { Chunk } from "../../core/article.ts";
import { chunkOf, PgvectorCorpus, type ChunkRow } from "../../core/corpus/pgvector/corpus.ts";
import { quoted, vectorLiteral } from "../../core/corpus/pgvector/schema.ts";
import { benchReranker, measureDense, measureHybrid, measureHybridExact } from "./hybrid-probe.ts";
import type { BenchQuestion } from "../../test/support/corpus.ts";
import { exactRecall, recallAtK, VectorTable, type Neighbour } from "./exact-search.ts";
import { memoryFigures, percentiles, reportResult, requireEnv, rssMiB } from "./probe.ts";
import { PEER_FILES, type RetrievalProbeResult } from "./probe-results.ts";

/**
 * Child process of bench/scale/run.ts with `--store pgvector`: opens the corpus in PostgreSQL as
 * the server does (PgvectorCorpus, over TCP to the bench's own server) and measures what
 * retrieval-probe.ts measures of the embedded index:
 *   - hybrid retrieval (Retriever.search, k = 10) latency and whether an answering article is in
 *     the top 1 / top 10;
 *   - vector search alone: PgvectorCorpus.nearest with a pre-embedded query (its transaction,
 *     hnsw.ef_search, pgvector's HNSW scan and the full-precision re-scoring);
 *   - recall@10 of that search against brute-force cosine over every stored vector, read back
 *     from the database, at the ef_search the corpus sets and at a few others.
 * There is no peer export: the MemoryVectorStore peer is not run for this store.
 */
const K = 10;
const seconds = (ms: number) => Math.round(ms / 10) / 100;

// The hnsw.ef_search PgvectorCorpus.nearest sets, seen as it sets it rather than restated here,
// so the figure follows the corpus if its choice changes.
const efSet = new Set<number>();
const clientQuery = pg.Client.prototype.query as (...args: unknown[]) => unknown;
(pg.Client.prototype as unknown as { query: (...args: unknown[]) => unknown }).query = function (
  this: pg.Client,
  ...args: unknown[]
) {
  const [config, values] = args;
  const text = typeof config === "string" ? config : (config as { text?: string } | undefined)?.text;
  if (text?.includes("hnsw.ef_search") && Array.isArray(values)) efSet.add(Number(values[0]));
  return clientQuery.apply(this, args);
};

const work = requireEnv("BENCH_WORK");
const database = { url: requireEnv("DATABASE_URL"), schema: requireEnv("DATABASE_SCHEMA") };
const s = quoted(database.schema);
const questions = JSON.parse(await readFile(path.join(work, PEER_FILES.questions), "utf8")) as BenchQuestion[];
const recallQueries = Number(process.env.BENCH_RECALL_QUERIES ?? 200);

const rssBeforeOpenMiB = await rssMiB();
let t = performance.now();
const corpus = await PgvectorCorpus.open(database, { kind: "local" });
const openS = seconds(performance.now() - t);
const rssAfterOpenMiB = await rssMiB();
const memoryAfterOpen = memoryFigures();
console.error(`corpus open in ${openS} s, RSS ${rssAfterOpenMiB} MiB`);

// A second connection of our own, for what PgvectorCorpus does not expose: the stored vectors,
// the query plan, and searches at other ef_search.
const client = new pg.Client({ connectionString: database.url });
await client.connect();
try {
  const dimensions = (await client.query<{ dimensions: number }>(`SELECT dimensions FROM ${s}.build`)).rows[0]!
    .dimensions;

  // Hybrid retrieval as the API runs it (a warm-up pass first warms PostgreSQL's buffers and
  // the pool's connections too).
  const reranker = benchReranker();
  console.error(`re-ranker: ${reranker.kind}`);
  const { hybrid, top: hybridTop } = await measureHybrid(corpus, reranker, questions);
  console.error(`hybrid retrieval: ${questions.length} questions, p95 ${hybrid.latency.p95} ms`);

  // Every stored vector and chunk, read back from the database, for the exact ground truth
  // (labels are the chunks' seq).
  t = performance.now();
  const { table, labelToChunk, labelOf } = await readBack(client, dimensions);
  const extractS = seconds(performance.now() - t);
  console.error(`read ${table.size} vectors of ${table.dimensions} dimensions back from PostgreSQL in ${extractS} s`);

  // Vector search alone, on vectors embedded once, through the corpus as retrieval calls it.
  const dense = await measureDense(corpus, questions.slice(0, recallQueries), labelOf);
  const queryVectors = dense.vectors;
  const denseTop = dense.found;
  // What the corpus set for these searches; the server's default when it set none.
  efSet.clear();
  await corpus.nearest(queryVectors[0]!, K);
  if (efSet.size > 1)
    throw new Error(`PgvectorCorpus set several hnsw.ef_search for k = ${K}: ${[...efSet].join(", ")}`);
  const ef =
    [...efSet][0] ??
    Number((await client.query<{ ef: string }>("SELECT current_setting('hnsw.ef_search') AS ef")).rows[0]!.ef);
  const denseIndexUsed = await usesIndex(client, dimensions, queryVectors[0]!, ef);
  console.error(`the planner ${denseIndexUsed ? "uses" : "does not use"} the HNSW index for a vector search`);

  const { exact, ms: exactMs, recall, idRecall } = exactRecall(table, queryVectors, denseTop, K);
  const exactS = seconds(exactMs);
  console.error(`exact search in ${exactS} s; pgvector HNSW recall@10 ${recall.toFixed(4)} at ef_search ${ef}`);

  // What pgvector's missed neighbours cost a reader: the same hybrid retrieval, its vector
  // search answered exactly from the table instead.
  console.error(`hybrid retrieval again with exact vector search…`);
  const hybridExact = await measureHybridExact(corpus, reranker, questions, table, labelToChunk, hybridTop);

  // Other ef_search: recall and the search query's own time (one statement, no transaction),
  // up to pgvector's ceiling of 1,000.
  const efSweep: RetrievalProbeResult["efSweep"] = [];
  for (const sweepEf of [64, 128, 512, 1000].filter((e) => e !== ef)) {
    await client.query(`SET hnsw.ef_search = ${sweepEf}`);
    const sweepMs: number[] = [];
    const found: Neighbour[][] = [];
    for (const vector of queryVectors) {
      const start = performance.now();
      const { rows } = await client.query<{ seq: string; distance: number }>(nearestSql(dimensions), [
        vectorLiteral(vector),
        K,
      ]);
      sweepMs.push(performance.now() - start);
      found.push(rows.map((r) => ({ label: Number(r.seq), similarity: 1 - r.distance })));
    }
    efSweep.push({ ef: sweepEf, recall: recallAtK(found, exact, K).recall, latency: percentiles(sweepMs) });
  }

  const result: RetrievalProbeResult = {
    openS,
    rssBeforeOpenMiB,
    rssAfterOpenMiB,
    memoryAfterOpen,
    chunks: (await corpus.stats()).chunks,
    dimensions: table.dimensions,
    // Searches are PostgreSQL's, in its own processes: no thread of this one.
    searchThread: false,
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
    denseIndexUsed,
    efSweep,
    extractS,
    exactS,
    exact,
    hnswTop: denseTop.map((list) => list.map((n) => n.label)),
    peerExported: false,
  };
  await reportResult(result);
} finally {
  await client.end();
  await corpus.close();
}

/**
 * **NOTE:** the search PgvectorCorpus.nearest runs (core/corpus/pgvector/corpus.ts), returning
 * only seq and distance: the HNSW scan on the halfvec expression, re-scored on the full vectors.
 * If that query changes, this one should follow.
 */
function nearestSql(dimensions: number): string {
  return `SELECT c.seq, c.embedding <=> $1::text::vector AS distance
            FROM (SELECT seq FROM ${s}.chunks ORDER BY embedding::halfvec(${dimensions}) <=> $1::text::halfvec(${dimensions}) LIMIT $2) h
            JOIN ${s}.chunks c ON c.seq = h.seq
           ORDER BY distance, c.seq`;
}

/**
 * Whether PostgreSQL answers a vector search through the HNSW index: on a small table the
 * planner may prefer to scan and sort every row, which is exact, and then recall says nothing
 * about pgvector's graph.
 */
async function usesIndex(db: pg.Client, dimensions: number, vector: number[], ef: number): Promise<boolean> {
  await db.query(`SET hnsw.ef_search = ${ef}`);
  // EXPLAIN takes no bind parameters: the query vector goes in as a literal.
  const sql = nearestSql(dimensions)
    .replaceAll("$1", `'${vectorLiteral(vector)}'`)
    .replace("$2", String(K));
  const { rows } = await db.query<{ "QUERY PLAN": unknown }>(`EXPLAIN (FORMAT JSON) ${sql}`);
  return JSON.stringify(rows[0]?.["QUERY PLAN"]).includes('"Index Name":"chunks_embedding"');
}

/** Every chunk and its vector, in seq order, a batch at a time (a large corpus's vectors are gigabytes). */
async function readBack(db: pg.Client, dimensions: number) {
  const table = new VectorTable(dimensions);
  const labelToChunk = new Map<number, Chunk>();
  const seqOfId = new Map<string, number>();
  let after = 0;
  for (;;) {
    // vector_send: pgvector's binary form (dimensions, a reserved word, then big-endian float4s),
    // which reads back exactly and far faster than the text form.
    const { rows } = await db.query<ChunkRow & { v: Buffer }>(
      `SELECT seq, id, article_id, title, position, start_offset, end_offset, text, vector_send(embedding) AS v
         FROM ${s}.chunks WHERE seq > $1 ORDER BY seq LIMIT 5000`,
      [after],
    );
    if (rows.length === 0) break;
    const vector = new Float32Array(dimensions);
    for (const r of rows) {
      const label = Number(r.seq);
      const stored = r.v.readUInt16BE(0);
      if (stored !== dimensions)
        throw new Error(`chunk ${r.id} has a vector of ${stored} dimensions, not the build's ${dimensions}`);
      for (let d = 0; d < dimensions; d++) vector[d] = r.v.readFloatBE(4 + 4 * d);
      table.add(label, vector);
      labelToChunk.set(label, chunkOf(r));
      seqOfId.set(r.id, label);
      after = label;
    }
  }
  const labelOf = (id: string) => {
    const label = seqOfId.get(id);
    if (label === undefined) throw new Error(`vector search returned chunk ${id}, which was not read back`);
    return label;
  };
  return { table, labelToChunk, labelOf };
}

import type { Neighbour } from "./exact-search.ts";
import type { percentiles } from "./probe.ts";

/**
 * What each measuring child process of bench/scale/run.ts reports, and the files they share. Kept
 * apart from the probe scripts, which run their measurement when imported.
 */
export type Latency = ReturnType<typeof percentiles>;

/** Files in BENCH_WORK: the questions (from scale.ts), then what the retrieval probe exports for the peer. */
export const PEER_FILES = {
  vectors: "vectors.f32",
  chunks: "chunks.jsonl",
  queries: "queries.f32",
  questions: "questions.json",
};

/** bench/scale/ingest-probe.ts */
export interface IngestProbeResult {
  articles: number;
  chunks: number;
  seconds: number;
  /** prepare: read, clean, suggested questions, chunk, fit IDF; embed: the vectors; write: BM25, HNSW, files. */
  phases: { prepareS: number; embedS: number; writeS: number };
  maxRssMiB: number;
  /** Largest V8 heap seen, MiB. */
  heapMiB: number;
  problems: number;
  /** process.memoryUsage() when chunks were prepared, embedded, and the index written. */
  memory: Partial<Record<"prepared" | "embedded" | "written", MemoryFigures>>;
}

/** What the ingest probe had done when it last reported, kept when it dies before the end. */
export interface IngestProgress {
  stage: "embed" | "write";
  chunks: number;
  embedded: number;
  prepareS: number;
  elapsedS: number;
  memory: IngestProbeResult["memory"];
}

export interface MemoryFigures {
  rssMiB: number;
  heapUsedMiB: number;
  /** Buffers and other memory V8 knows of outside its heap (not native addon allocations). */
  externalMiB: number;
}

/** bench/scale/retrieval-probe.ts, and bench/scale/pg-retrieval-probe.ts for `--store pgvector` */
export interface RetrievalProbeResult {
  openS: number;
  /** RSS of the probe before and after opening the index, MiB. */
  rssBeforeOpenMiB: number;
  rssAfterOpenMiB: number;
  /** After opening: V8 heap vs. the rest (HNSW's native graph and vectors live outside it). */
  memoryAfterOpen: MemoryFigures;
  chunks: number;
  dimensions: number;
  /** Whether hybrid retrieval searched vectors on their own thread (DENSE_SEARCH_THREAD=auto). */
  searchThread: boolean;
  /** Whether it ran BM25F on its own thread (LEXICAL_SEARCH_THREAD=auto). */
  lexicalThread?: boolean;
  hybrid: {
    questions: number;
    latency: Latency;
    hit1: number;
    hit10: number;
    byKind: Record<string, { questions: number; hit1: number; hit10: number }>;
  };
  /**
   * The same hybrid retrieval with exact vector search in place of HNSW: the answering article
   * in top 1 / top 10, and the share of questions whose top 10 is the same as with HNSW.
   */
  hybridExact: { hit1: number; hit10: number; sameTop10: number };
  embedQuery: Latency;
  dense: { queries: number; ef: number; latency: Latency; hit10: number; recall: number; idRecall: number };
  /**
   * pgvector: whether PostgreSQL's plan for a vector search scans the HNSW index (on a small
   * table it may scan and sort every row, which is exact). Absent for the embedded index.
   */
  denseIndexUsed?: boolean;
  /** HNSW recall@10 and searchKnn time at other ef than the server's (pgvector: hnsw.ef_search and the query's time). */
  efSweep: Array<{ ef: number; recall: number; latency: Latency }>;
  extractS: number;
  exactS: number;
  /** Per recall query: the exact top 10, and HNSW's top 10 labels. */
  exact: Neighbour[][];
  hnswTop: number[][];
  peerExported: boolean;
}

/** bench/scale/peer-probe.ts */
export interface PeerProbeResult {
  chunks: number;
  loadS: number;
  /** RSS of the peer process with the store loaded, and its growth over the baseline, MiB. */
  rssMiB: number;
  rssGrowthMiB: number;
  heapGrowthMiB: number;
  queries: number;
  latency: Latency;
  hit10: number;
  /** Top 10 per query, with MemoryVectorStore's cosine similarity. */
  top: Neighbour[][];
}

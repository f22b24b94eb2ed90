import type { EmbedderSpec } from "../core/config.ts";
import type { SourceArticle } from "../core/article.ts";
import {
  createPool,
  lockBuild,
  migrate,
  quoted,
  unlockBuild,
  type PgLocation,
} from "../core/corpus/pgvector/schema.ts";
import { readPgManifest, readPgSources, writeBuild, type PgManifest } from "../core/corpus/pgvector/corpus.ts";
import { embedderIdFor } from "../core/embeddings/index.ts";
import { INDEX_FORMAT, staleReason, type Manifest } from "../core/corpus/embedded/store.ts";
import { DEFAULT_BM25 } from "../core/corpus/bm25.ts";
import { ANALYSIS_ID } from "./analysis-version.ts";
import { embedCorpus, type BuildSummary } from "./build.ts";
import { DEFAULT_CHUNKING } from "./chunk.ts";
import { readCorpus } from "./read.ts";

export interface PgBuildOptions {
  articlesDir: string;
  database: PgLocation;
  embedder: EmbedderSpec;
  /**
   * `import` (`npm run ingest`): the database is made to hold ARTICLES_DIR, plus the articles
   * published through the API. `start` (`npm start`): an empty database is filled from
   * ARTICLES_DIR, and one built by another embedder or analysis code is rebuilt from the
   * sources it holds itself; a server never imports its own ARTICLES_DIR into a database that
   * already has a corpus, as the servers sharing it may each have a different one.
   */
  mode: "import" | "start";
  /** Rebuild even when the database is up to date. */
  force?: boolean;
  log?: (line: string) => void;
  onProgress?: (done: number, total: number) => void;
}

/**
 * articles → clean → analyze → chunk → embed → PostgreSQL: the same stages as the embedded
 * build (ingest/build.ts), written in one transaction. Decides what is stale the same way
 * (`staleReason`), and holds an advisory lock throughout so that servers starting together
 * build once.
 */
export async function buildPgIndex(options: PgBuildOptions): Promise<BuildSummary> {
  const log = options.log ?? (() => {});
  const started = performance.now();
  const seconds = () => Math.round((performance.now() - started) / 10) / 100;
  const { url, schema } = options.database;
  const s = quoted(schema);
  const pool = createPool(url);
  const lock = await pool.connect().catch(async (err: Error) => {
    await pool.end();
    throw new Error(`Cannot connect to the database at DATABASE_URL: ${err.message}`);
  });
  try {
    await migrate(pool, schema);
    await lockBuild(lock, schema);
    const current = await readPgManifest(pool, s);
    const pipeline = ANALYSIS_ID;
    const expectation = (articles: Record<string, string>) => ({
      embedderId: embedderIdFor(options.embedder),
      pipeline,
      chunking: DEFAULT_CHUNKING,
      articles,
    });

    let sources: SourceArticle[];
    let problems: string[] = [];
    let stale: string | undefined;
    if (options.mode === "start" && current) {
      stale = staleReason(asManifest(current), expectation(current.articles));
      sources = stale || options.force ? (await readPgSources(pool, s)).sources : [];
    } else {
      const corpus = await readCorpus(options.articlesDir);
      problems = corpus.problems;
      for (const p of problems) log(`warning: ${p}`);
      sources = current ? merged(corpus.articles, await readPgSources(pool, s)) : corpus.articles;
      stale = staleReason(
        current && asManifest(current),
        expectation(Object.fromEntries(sources.map((s) => [s.id, s.contentHash]))),
      );
    }
    if (!stale && !options.force) {
      return {
        built: false,
        reason: "index is up to date",
        articles: current!.counts.articles,
        chunks: current!.counts.chunks,
        seconds: seconds(),
        problems,
      };
    }
    const reason = stale ?? "rebuild requested";
    if (sources.length === 0)
      throw new Error(`No articles in ${options.articlesDir}: add *.txt pages or *.jsonl exports (see README)`);
    log(`building the index in PostgreSQL: ${reason}`);

    // A copy: embedCorpus empties the array it is given, and the database keeps the sources.
    const { articles, chunks, vectors, embedder, lexical } = await embedCorpus(
      [...sources],
      options.embedder,
      options.onProgress,
    );
    await writeBuild(pool, s, {
      embedder,
      dimensions: vectors[0]?.length ?? 0,
      pipeline,
      chunking: DEFAULT_CHUNKING,
      bm25: DEFAULT_BM25,
      batch: { sources, articles, chunks, vectors, lexical },
    });
    return { built: true, reason, articles: articles.length, chunks: chunks.length, seconds: seconds(), problems };
  } finally {
    await unlockBuild(lock, schema).catch(() => {});
    lock.release();
    await pool.end();
  }
}

/**
 * The corpus an import makes: the files of ARTICLES_DIR, less the ids deleted through the API,
 * and the articles published through the API (which win over a file with the same id: they
 * were sent later, and exist nowhere else).
 */
function merged(files: SourceArticle[], stored: { sources: SourceArticle[]; deleted: Set<string> }): SourceArticle[] {
  const byId = new Map<string, SourceArticle>();
  for (const s of files) if (!stored.deleted.has(s.id)) byId.set(s.id, s);
  for (const s of stored.sources) if (s.origin === "api") byId.set(s.id, s);
  return [...byId.values()];
}

/** The database's build in the embedded manifest's shape, so both are judged by one `staleReason`. */
function asManifest(m: PgManifest): Manifest {
  return {
    format: INDEX_FORMAT,
    createdAt: "",
    embedder: { id: m.embedderId, dimensions: m.dimensions },
    pipeline: m.pipeline,
    chunking: m.chunking,
    articles: m.articles,
    counts: m.counts,
  };
}

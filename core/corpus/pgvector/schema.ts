import pg from "pg";

/**
 * The PostgreSQL schema of the pgvector backend, created and upgraded by numbered migrations
 * when a server or `npm run ingest` connects. Everything lives in one schema (`goftogu` unless
 * DATABASE_SCHEMA names another), so the database may hold other applications' tables, or
 * several corpora, too.
 *
 *   goftogu.build      one row: what built the index (embedder, its state, analysis fingerprint,
 *                      chunking, BM25 parameters) and running totals (articles, chunks, the
 *                      summed BM25F lengths that give the average document length)
 *   goftogu.articles   cleaned articles, with the source each was prepared from (for rebuilds)
 *   goftogu.chunks     chunk text and offsets, the embedding (pgvector), the BM25F length;
 *                      an HNSW index (cosine) on the embedding as halfvec, made by each build
 *   goftogu.postings   the lexical index: (analyzed term, chunk) → weighted term frequency and
 *                      the chunk's BM25F length, all in the primary key (index-only scans)
 *   goftogu.lexicon    document frequency of each term, kept with the postings
 *   goftogu.deleted    ids deleted through the API: a re-import leaves them out
 *
 * **NOTE:** the embedder's state is `json`, not `jsonb`: jsonb reorders object keys, and the local
 * embedder recognises its default options by their JSON text.
 *
 * **NOTE:** the embedding column has no fixed dimension, so one schema serves any embedder. The
 * HNSW index is on `embedding::halfvec(D)`, D being the build's dimension: pgvector's HNSW
 * indexes at most 2,000 dimensions of `vector` but 4,000 of `halfvec` (OpenAI's
 * text-embedding-3-large has 3,072). Candidates found through the index are scored on the
 * full-precision vectors.
 */
/** Where a corpus lives: the database, and the schema in it (DATABASE_SCHEMA, `goftogu` by default). */
export interface PgLocation {
  url: string;
  schema: string;
}

export const DEFAULT_SCHEMA = "goftogu";

/** A schema name as SQL writes it; names are checked in core/config.ts to be plain identifiers. */
export function quoted(schema: string): string {
  return `"${schema.replaceAll('"', '""')}"`;
}

/** Migrations in order; `goftogu.` stands for the corpus's schema. */
const MIGRATIONS: string[] = [
  `
  CREATE TABLE goftogu.build (
    singleton boolean PRIMARY KEY DEFAULT true CHECK (singleton),
    id text NOT NULL,
    created_at timestamptz NOT NULL DEFAULT now(),
    embedder_id text NOT NULL,
    dimensions integer NOT NULL,
    embedder_state json,
    pipeline text NOT NULL,
    chunking jsonb NOT NULL,
    bm25 jsonb NOT NULL,
    articles bigint NOT NULL DEFAULT 0,
    chunks bigint NOT NULL DEFAULT 0,
    total_length double precision NOT NULL DEFAULT 0
  );
  CREATE TABLE goftogu.articles (
    id text PRIMARY KEY,
    title text NOT NULL,
    text text NOT NULL,
    url text,
    source text,
    published_at text,
    published_ms double precision,
    news_id text,
    suggested_questions jsonb NOT NULL DEFAULT '[]',
    origin text NOT NULL,
    content_hash text NOT NULL,
    source_article jsonb NOT NULL
  );
  CREATE INDEX articles_newest_first ON goftogu.articles (published_ms DESC NULLS LAST, id);
  CREATE TABLE goftogu.chunks (
    seq bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    id text NOT NULL UNIQUE,
    article_id text NOT NULL REFERENCES goftogu.articles (id) ON DELETE CASCADE,
    position integer NOT NULL,
    start_offset integer NOT NULL,
    end_offset integer NOT NULL,
    title text NOT NULL,
    text text NOT NULL,
    embedding vector NOT NULL,
    lexical_length double precision NOT NULL
  );
  CREATE INDEX chunks_article ON goftogu.chunks (article_id);
  CREATE TABLE goftogu.postings (
    term text NOT NULL,
    chunk bigint NOT NULL REFERENCES goftogu.chunks (seq) ON DELETE CASCADE,
    tf double precision NOT NULL,
    length double precision NOT NULL,
    PRIMARY KEY (term, chunk)
  );
  CREATE INDEX postings_chunk ON goftogu.postings (chunk);
  CREATE TABLE goftogu.lexicon (
    term text PRIMARY KEY,
    df bigint NOT NULL
  );
  CREATE TABLE goftogu.deleted (
    id text PRIMARY KEY,
    deleted_at timestamptz NOT NULL DEFAULT now()
  );
  `,
  // Counts changes to the corpus, so that a server's cached answers go stale when any server
  // changes it.
  `ALTER TABLE goftogu.build ADD COLUMN revision bigint NOT NULL DEFAULT 0;`,
  // Lexical search reads each query term's postings from the primary key alone (an index-only
  // scan), not from table pages scattered over the whole table.
  `ALTER TABLE goftogu.postings DROP CONSTRAINT postings_pkey, ADD PRIMARY KEY (term, chunk) INCLUDE (tf, length);`,
];

/** pgvector 0.7 brought halfvec, which the HNSW index needs for more than 2,000 dimensions. */
const MIN_PGVECTOR = [0, 7];

/**
 * Advisory locks of one schema's corpus: schema changes; whole builds (held while embedding, so
 * servers starting together build once); and every write (a build's transaction, a live
 * change). Keyed by the schema, so corpora in other schemas never wait for each other.
 */
const LOCKS = { migrate: 1, write: 2, build: 3 } as const;

function lockArgs(schema: string, kind: keyof typeof LOCKS): [string, number] {
  return [schema, LOCKS[kind]];
}

/** Holds the corpus's write lock until the transaction ends. */
export async function lockWrites(client: pg.PoolClient, s: string): Promise<void> {
  await client.query("SELECT pg_advisory_xact_lock(hashtext($1), $2)", lockArgs(s, "write"));
}

/** Holds the build lock on this connection until `unlockBuild`. */
export async function lockBuild(client: pg.PoolClient, schema: string): Promise<void> {
  await client.query("SELECT pg_advisory_lock(hashtext($1), $2)", lockArgs(quoted(schema), "build"));
}

export async function unlockBuild(client: pg.PoolClient, schema: string): Promise<void> {
  await client.query("SELECT pg_advisory_unlock(hashtext($1), $2)", lockArgs(quoted(schema), "build"));
}

/** Drops the schema and everything in it; nothing else in the database is touched. */
export async function dropSchema(location: PgLocation): Promise<void> {
  const client = new pg.Client({ connectionString: location.url });
  await client.connect();
  await client.query(`DROP SCHEMA IF EXISTS ${quoted(location.schema)} CASCADE`).finally(() => client.end());
}

export function createPool(databaseUrl: string): pg.Pool {
  // **NOTE:** JIT compilation off for Goftogu's sessions: PostgreSQL judges the lexical query
  // costly enough to compile, and compiling it took longer than running it, at every question.
  // Hybrid retrieval over 1k articles took 193 ms at p50 with JIT (the server's default) and
  // 10 ms without (`npm run bench -- scale --store pgvector`, BENCH_PG_SETTINGS=jit=off).
  const pool = new pg.Pool({
    connectionString: databaseUrl,
    max: 10,
    idleTimeoutMillis: 30_000,
    options: "-c jit=off",
  });
  // An idle connection that the server drops must not crash the process; the next query reconnects.
  pool.on("error", () => {});
  return pool;
}

/**
 * Brings the schema up to date: installs pgvector when it is missing, then applies the
 * migrations this code knows and the database has not seen, each in a transaction, under an
 * advisory lock so servers starting together do not race.
 */
export async function migrate(pool: pg.Pool, schema: string): Promise<void> {
  const s = quoted(schema);
  const client = await pool.connect().catch((err: Error) => {
    throw new Error(`Cannot connect to the database at DATABASE_URL: ${err.message}`);
  });
  try {
    await client.query("SELECT pg_advisory_lock(hashtext($1), $2)", lockArgs(s, "migrate"));
    try {
      await client.query("CREATE EXTENSION IF NOT EXISTS vector");
    } catch (err) {
      const installed = await client.query("SELECT 1 FROM pg_extension WHERE extname = 'vector'");
      if (installed.rowCount === 0) {
        throw new Error(
          `The database has no pgvector and this user cannot install it (${(err as Error).message}): run "CREATE EXTENSION vector;" as its owner or an administrator`,
        );
      }
    }
    const { rows } = await client.query<{ extversion: string }>(
      "SELECT extversion FROM pg_extension WHERE extname = 'vector'",
    );
    const version = rows[0]!.extversion.split(".").map(Number);
    if (version[0]! < MIN_PGVECTOR[0]! || (version[0] === MIN_PGVECTOR[0] && version[1]! < MIN_PGVECTOR[1]!)) {
      throw new Error(
        `pgvector ${rows[0]!.extversion} is too old: Goftogu needs ${MIN_PGVECTOR.join(".")} or later (ALTER EXTENSION vector UPDATE)`,
      );
    }
    await client.query(`CREATE SCHEMA IF NOT EXISTS ${s}`);
    await client.query(
      `CREATE TABLE IF NOT EXISTS ${s}.migrations (version integer PRIMARY KEY, applied_at timestamptz NOT NULL DEFAULT now())`,
    );
    const applied = await client.query<{ version: number }>(
      `SELECT coalesce(max(version), 0) AS version FROM ${s}.migrations`,
    );
    for (let v = applied.rows[0]!.version + 1; v <= MIGRATIONS.length; v++) {
      await client.query("BEGIN");
      try {
        await client.query(MIGRATIONS[v - 1]!.replaceAll("goftogu.", `${s}.`));
        await client.query(`INSERT INTO ${s}.migrations (version) VALUES ($1)`, [v]);
        await client.query("COMMIT");
      } catch (err) {
        await client.query("ROLLBACK");
        throw new Error(`Database migration ${v} failed: ${(err as Error).message}`);
      }
    }
  } finally {
    await client.query("SELECT pg_advisory_unlock(hashtext($1), $2)", lockArgs(s, "migrate")).catch(() => {});
    client.release();
  }
}

/** Runs `work` in a transaction on one connection; rolls back when it throws. */
export async function transaction<T>(pool: pg.Pool, work: (client: pg.PoolClient) => Promise<T>): Promise<T> {
  const client = await pool.connect();
  try {
    await client.query("BEGIN");
    const result = await work(client);
    await client.query("COMMIT");
    return result;
  } catch (err) {
    await client.query("ROLLBACK").catch(() => {});
    throw err;
  } finally {
    client.release();
  }
}

/** The text form of a vector that pgvector reads. */
export function vectorLiteral(vector: ArrayLike<number>): string {
  return `[${Array.prototype.join.call(vector, ",")}]`;
}

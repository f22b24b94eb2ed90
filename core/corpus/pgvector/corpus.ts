import { randomUUID } from "node:crypto";
import type pg from "pg";
import type { Article, Chunk, SourceArticle } from "../../article.ts";
import type { EmbedderSpec } from "../../config.ts";
import { restoreEmbedder, type Embedder } from "../../embeddings/index.ts";
import { HNSW_PARAMS } from "../embedded/segments.ts";
import type { Bm25Params, LexicalDoc } from "../bm25.ts";
import type { PgLocation } from "./schema.ts";
import type {
  ArticleSummary,
  Corpus,
  CorpusStats,
  IndexedBatch,
  LexicalQuery,
  ScoredChunk,
  TermStats,
  VectorRows,
} from "../corpus.ts";
import { isZeroVector } from "../corpus.ts";
import { createPool, lockWrites, migrate, quoted, transaction, vectorLiteral } from "./schema.ts";

/**
 * ef_search of pgvector's one HNSW graph over every chunk: the search effort the embedded index
 * spent on its one graph before segments (recall@10 0.995 at 5k chunks, falling as it grows:
 * docs/benchmarks.md). PostgreSQL's graph is not segmented; `npm run bench -- --store pgvector`
 * measures its recall.
 */
export const PG_EF_SEARCH = 256;

/**
 * The corpus in PostgreSQL with pgvector (schema in pg-schema.ts), shared by any number of
 * stateless servers: nothing about the corpus is kept in this process but the embedder of the
 * current build, which is reloaded when another process rebuilds the index.
 *
 * Dense search is pgvector's HNSW; lexical search is BM25F computed in SQL over the postings of
 * the project's own analyzed terms, with the same formula, parameters and tie order as
 * core/corpus/bm25.ts, so a freshly built database scores exactly as the embedded index does.
 * (After live deletions it is slightly more exact: removed chunks leave its document
 * frequencies and average length at once, not at the next build.)
 */
export class PgvectorCorpus implements Corpus {
  readonly kind = "pgvector";
  readonly durable = true;
  private loaded: Loaded | undefined;
  private checking: Promise<Loaded> | undefined;

  /** The schema, quoted for SQL. */
  private readonly s: string;

  private constructor(
    private readonly pool: pg.Pool,
    schema: string,
    private readonly spec: EmbedderSpec,
  ) {
    this.s = quoted(schema);
  }

  /**
   * Connects, brings the schema up to date and checks that the database holds an index built
   * by the configured embedder.
   */
  static async open(database: PgLocation, spec: EmbedderSpec): Promise<PgvectorCorpus> {
    const pool = createPool(database.url);
    try {
      await migrate(pool, database.schema);
      const corpus = new PgvectorCorpus(pool, database.schema, spec);
      await corpus.current();
      return corpus;
    } catch (err) {
      await pool.end();
      throw err;
    }
  }

  async stats(): Promise<CorpusStats> {
    const { rows } = await this.pool.query<{ articles: number; chunks: number; embedder_id: string }>(
      `SELECT articles::float8 AS articles, chunks::float8 AS chunks, embedder_id FROM ${this.s}.build`,
    );
    const row = rows[0];
    return { articles: row?.articles ?? 0, chunks: row?.chunks ?? 0, embedder: row?.embedder_id ?? "" };
  }

  /** The build's id and its count of changes since: every `put` and `remove` adds one in its own transaction. */
  async revision(): Promise<string> {
    const { rows } = await this.pool.query<{ id: string; revision: string }>(
      `SELECT id, revision FROM ${this.s}.build`,
    );
    return rows[0] ? `${rows[0].id}:${rows[0].revision}` : "";
  }

  async embedder(): Promise<Embedder> {
    return (await this.current()).embedder;
  }

  async nearest(vector: number[], k: number, articleId?: string): Promise<ScoredChunk[]> {
    if (isZeroVector(vector)) return [];
    const literal = vectorLiteral(vector);
    if (articleId !== undefined) {
      // One article's chunks are few: scored exactly, without the index (a filtered HNSW scan
      // would miss those outside the candidates it visits).
      const { rows } = await this.pool.query<ChunkRow & { distance: number }>(
        `SELECT ${CHUNK_COLUMNS}, c.embedding <=> $1::text::vector AS distance FROM ${this.s}.chunks c WHERE c.article_id = $2 ORDER BY distance, c.seq LIMIT $3`,
        [literal, articleId, k],
      );
      return rows.map((r) => ({ chunk: chunkOf(r), score: 1 - r.distance }));
    }
    const { dimensions } = await this.current();
    return transaction(this.pool, async (client) => {
      // pgvector returns at most ef_search rows from an HNSW scan, so never less than the pool
      // asked for (pgvector's ceiling is 1,000).
      await client.query("SELECT set_config('hnsw.ef_search', $1, true)", [
        String(Math.min(1000, Math.max(k, PG_EF_SEARCH))),
      ]);
      const { rows } = await client.query<ChunkRow & { distance: number }>(
        `SELECT ${CHUNK_COLUMNS}, c.embedding <=> $1::text::vector AS distance
           FROM (SELECT seq FROM ${this.s}.chunks ORDER BY embedding::halfvec(${dimensions}) <=> $1::text::halfvec(${dimensions}) LIMIT $2) h
           JOIN ${this.s}.chunks c ON c.seq = h.seq
          ORDER BY distance, c.seq`,
        [literal, k],
      );
      return rows.map((r) => ({ chunk: chunkOf(r), score: 1 - r.distance }));
    });
  }

  async lexical(query: LexicalQuery, k: number, articleId?: string): Promise<ScoredChunk[]> {
    const weights = new Map<string, number>();
    for (const q of query) {
      const [term, weight] = typeof q === "string" ? [q, 1] : [q.term, q.weight];
      weights.set(term, Math.max(weights.get(term) ?? 0, weight));
    }
    if (weights.size === 0) return [];
    const { bm25 } = await this.current();
    const params = [[...weights.keys()], [...weights.values()], bm25.k1, bm25.b, k];
    const { rows } = await this.pool.query<ChunkRow & { score: number }>(
      lexicalSql(this.s, articleId !== undefined),
      articleId === undefined ? params : [...params, articleId],
    );
    return rows.map((r) => ({ chunk: chunkOf(r), score: r.score }));
  }

  async termStats(terms: Iterable<string>): Promise<TermStats> {
    const list = [...new Set(terms)];
    const { rows } = await this.pool.query<{ term: string | null; df: number }>(
      `SELECT NULL AS term, chunks::float8 AS df FROM ${this.s}.build
       UNION ALL SELECT term, df::float8 FROM ${this.s}.lexicon WHERE term = ANY($1::text[])`,
      [list],
    );
    const n = rows.find((r) => r.term === null)?.df ?? 0;
    const dfs = new Map(rows.flatMap((r) => (r.term === null ? [] : [[r.term, r.df] as const])));
    const df = (term: string) => dfs.get(term) ?? 0;
    // BM25's IDF as Bm25Index.idf computes it.
    return { df, idf: (term) => Math.log(1 + (n - df(term) + 0.5) / (df(term) + 0.5)) };
  }

  async articles(ids: Iterable<string>): Promise<Map<string, Article>> {
    const list = [...new Set(ids)];
    if (list.length === 0) return new Map();
    const { rows } = await this.pool.query<ArticleRow>(
      `SELECT ${ARTICLE_COLUMNS} FROM ${this.s}.articles WHERE id = ANY($1::text[])`,
      [list],
    );
    return new Map(rows.map((r) => [r.id, articleOf(r)]));
  }

  async hasArticle(id: string): Promise<boolean> {
    const { rowCount } = await this.pool.query(`SELECT 1 FROM ${this.s}.articles WHERE id = $1`, [id]);
    return (rowCount ?? 0) > 0;
  }

  async list(page: { limit: number; offset: number }): Promise<{ articles: ArticleSummary[]; total: number }> {
    // Dated articles newest first, then undated ones, each by id: newestFirst (core/article.ts).
    const [list, total] = await Promise.all([
      this.pool.query<Pick<ArticleRow, "id" | "title" | "source" | "published_at" | "url">>(
        `SELECT id, title, source, published_at, url FROM ${this.s}.articles ORDER BY published_ms DESC NULLS LAST, id LIMIT $1 OFFSET $2`,
        [page.limit, page.offset],
      ),
      this.stats(),
    ]);
    const articles = list.rows.map((r) => ({
      id: r.id,
      title: r.title,
      source: r.source ?? undefined,
      publishedAt: r.published_at ?? undefined,
      url: r.url ?? undefined,
    }));
    return { articles, total: total.articles };
  }

  /**
   * One transaction: the articles' previous versions go, the new ones come with their chunks,
   * vectors and postings, the totals follow, and an API deletion of these ids is undone.
   */
  async put(batch: IndexedBatch): Promise<void> {
    const { bm25 } = await this.current();
    await transaction(this.pool, async (client) => {
      await lockWrites(client, this.s);
      const ids = batch.articles.map((a) => a.id);
      await removeArticles(client, this.s, ids);
      await insertBatch(client, this.s, batch, bm25);
      await client.query(`DELETE FROM ${this.s}.deleted WHERE id = ANY($1::text[])`, [ids]);
    });
  }

  async remove(id: string): Promise<boolean> {
    return transaction(this.pool, async (client) => {
      await lockWrites(client, this.s);
      const removed = await removeArticles(client, this.s, [id]);
      // Remembered, so re-importing ARTICLES_DIR does not bring back an article deleted here.
      if (removed > 0)
        await client.query(
          `INSERT INTO ${this.s}.deleted (id) VALUES ($1) ON CONFLICT (id) DO UPDATE SET deleted_at = now()`,
          [id],
        );
      return removed > 0;
    });
  }

  async close(): Promise<void> {
    await this.pool.end();
  }

  /**
   * The current build's embedder and settings; reloaded when another process has rebuilt the
   * index. Calls made while a check is in flight (one search's dense and lexical halves) share it.
   */
  private current(): Promise<Loaded> {
    if (!this.checking) {
      this.checking = this.check();
      const done = () => (this.checking = undefined);
      this.checking.then(done, done);
    }
    return this.checking;
  }

  private async check(): Promise<Loaded> {
    const { rows } = await this.pool.query<{ id: string }>(`SELECT id FROM ${this.s}.build`);
    const build = rows[0]?.id;
    if (build === undefined)
      throw new Error(
        'The database holds no index yet: run "npm run ingest" (or start the server) with VECTOR_STORE=pgvector',
      );
    if (this.loaded?.build === build) return this.loaded;
    const full = await this.pool.query<{
      id: string;
      embedder_id: string;
      embedder_state: unknown;
      dimensions: number;
      bm25: Bm25Params;
    }>(`SELECT id, embedder_id, embedder_state, dimensions, bm25 FROM ${this.s}.build`);
    const row = full.rows[0]!;
    const embedder = restoreEmbedder(this.spec, row.embedder_state ?? undefined);
    if (embedder.id !== row.embedder_id)
      throw new Error(
        `The index in the database was built by ${row.embedder_id}, not by the configured ${embedder.id}`,
      );
    this.loaded = { build: row.id, embedder, dimensions: row.dimensions, bm25: row.bm25 };
    return this.loaded;
  }
}

interface Loaded {
  build: string;
  embedder: Embedder;
  dimensions: number;
  bm25: Bm25Params;
}

/**
 * BM25F of the query terms ($1, weights $2; k1 $3, b $4), the best $5 chunks, of one article ($6)
 * or all: the same arithmetic as Bm25Index.search (core/corpus/bm25.ts): each term's scale
 * (weight · IDF · (k1 + 1)) times tf/(tf + c0 + c1·length), the terms' shares added largest
 * scale first, as the search adds them.
 *
 * **NOTE:** each term's postings are read through the covering primary key, one index range a
 * term (`LATERAL … OFFSET 0` keeps the planner from joining the whole postings table by hash,
 * which it judged cheaper and which read every posting of the corpus at every question); one
 * article's chunks are few, and are looked up term by term.
 */
function lexicalSql(s: string, inArticle: boolean): string {
  const postings = inArticle
    ? `(SELECT seq FROM ${s}.chunks WHERE article_id = $6::text) a CROSS JOIN w JOIN ${s}.postings p ON p.term = w.term AND p.chunk = a.seq`
    : `w CROSS JOIN LATERAL (SELECT chunk, tf, length FROM ${s}.postings p WHERE p.term = w.term OFFSET 0) p`;
  return `WITH b AS MATERIALIZED (SELECT chunks::float8 AS n, CASE WHEN chunks > 0 THEN total_length / chunks ELSE 1 END AS avgdl FROM ${s}.build),
            w AS MATERIALIZED (
              SELECT q.term, q.weight * ln(1 + (b.n - l.df + 0.5) / (l.df + 0.5)) * ($3::float8 + 1) AS scale,
                     $3::float8 * (1 - $4::float8) AS c0, ($3::float8 * $4::float8) / b.avgdl AS c1
                FROM unnest($1::text[], $2::float8[]) AS q(term, weight) JOIN ${s}.lexicon l ON l.term = q.term CROSS JOIN b
               WHERE q.weight * ln(1 + (b.n - l.df + 0.5) / (l.df + 0.5)) > 0
               ORDER BY scale DESC, q.term),
            hits AS (
              SELECT p.chunk, sum((w.scale * p.tf) / (p.tf + w.c0 + w.c1 * p.length)) AS score
                FROM ${postings}
               GROUP BY p.chunk
               ORDER BY score DESC, p.chunk
               LIMIT $5)
       SELECT ${CHUNK_COLUMNS}, hits.score FROM hits JOIN ${s}.chunks c ON c.seq = hits.chunk ORDER BY hits.score DESC, hits.chunk`;
}

/** What a complete build writes: the same content as an embedded generation. */
export interface PgBuild {
  embedder: Embedder;
  dimensions: number;
  pipeline: string;
  chunking: { targetChars: number; overlapChars: number };
  bm25: Bm25Params;
  batch: Omit<IndexedBatch, "vectors"> & { vectors: VectorRows };
}

/**
 * Replaces the whole corpus with a new build in one transaction, HNSW index included. Servers
 * reading meanwhile wait for it and then see the new build; a failed build changes nothing.
 */
export async function writeBuild(pool: pg.Pool, s: string, build: PgBuild): Promise<void> {
  await transaction(pool, async (client) => {
    await lockWrites(client, s);
    await client.query(`TRUNCATE ${s}.postings, ${s}.chunks, ${s}.articles, ${s}.lexicon`);
    // Indexes are built after the rows are in: one sort (one pass over the vectors for HNSW)
    // rather than one insertion, and one foreign-key check, per posting.
    await client.query(`DROP INDEX IF EXISTS ${s}.chunks_embedding`);
    const restorePostings = await dropIndexes(client, `${s}.postings`);
    await client.query(
      `INSERT INTO ${s}.build (id, embedder_id, dimensions, embedder_state, pipeline, chunking, bm25)
       VALUES ($1, $2, $3, $4, $5, $6, $7)
       ON CONFLICT (singleton) DO UPDATE SET id = EXCLUDED.id, created_at = now(), embedder_id = EXCLUDED.embedder_id, dimensions = EXCLUDED.dimensions,
         embedder_state = EXCLUDED.embedder_state, pipeline = EXCLUDED.pipeline, chunking = EXCLUDED.chunking, bm25 = EXCLUDED.bm25,
         articles = 0, chunks = 0, total_length = 0`,
      [
        randomUUID(),
        build.embedder.id,
        build.dimensions,
        JSON.stringify(build.embedder.toState?.() ?? null),
        build.pipeline,
        JSON.stringify(build.chunking),
        JSON.stringify(build.bm25),
      ],
    );
    await insertBatch(client, s, build.batch, build.bm25);
    await client.query("SELECT set_config('maintenance_work_mem', $1, true)", [
      `${await maintenanceMemoryKiB(client, build.batch.chunks.length, build.dimensions)}kB`,
    ]);
    for (const sql of restorePostings) await client.query(sql);
    // The embedded index's graph parameters rather than pgvector's defaults (ef_construction
    // 64): alike recall.
    await client.query(
      `CREATE INDEX chunks_embedding ON ${s}.chunks USING hnsw ((embedding::halfvec(${build.dimensions})) halfvec_cosine_ops)
       WITH (m = ${HNSW_PARAMS.m}, ef_construction = ${HNSW_PARAMS.efConstruction})`,
    );
  });
  // VACUUM marks the new pages all-visible, which lets lexical search read postings from the
  // index alone.
  await pool.query(`VACUUM ANALYZE ${s}.articles, ${s}.chunks, ${s}.postings, ${s}.lexicon, ${s}.build`);
}

/**
 * Drops a table's indexes and its primary, unique and foreign keys (none of them referenced by
 * another table); returns the statements that make them again, as the migrations defined them.
 */
async function dropIndexes(client: pg.PoolClient, table: string): Promise<string[]> {
  const { rows } = await client.query<{ drop: string; restore: string }>(
    `SELECT format('ALTER TABLE %s DROP CONSTRAINT %I', conrelid::regclass, conname) AS drop,
            format('ALTER TABLE %s ADD CONSTRAINT %I %s', conrelid::regclass, conname, pg_get_constraintdef(oid)) AS restore,
            CASE contype WHEN 'f' THEN 2 ELSE 1 END AS rank
       FROM pg_constraint WHERE conrelid = $1::regclass AND contype IN ('p', 'u', 'f')
     UNION ALL
     SELECT format('DROP INDEX %s', indexrelid::regclass), pg_get_indexdef(indexrelid), 3
       FROM pg_index WHERE indrelid = $1::regclass
        AND indexrelid NOT IN (SELECT conindid FROM pg_constraint WHERE conrelid = $1::regclass)
     ORDER BY rank`,
    [table],
  );
  for (const r of [...rows].reverse()) await client.query(r.drop);
  return rows.map((r) => r.restore);
}

/**
 * The memory pgvector's HNSW build needs to hold the graph (each chunk's halfvec and neighbour
 * lists, with room to spare), never less than the server's setting and at most 2 GiB: past
 * maintenance_work_mem, pgvector builds the rest of the graph many times slower.
 */
async function maintenanceMemoryKiB(client: pg.PoolClient, chunks: number, dimensions: number): Promise<number> {
  const { rows } = await client.query<{ kib: string }>(
    "SELECT setting AS kib FROM pg_settings WHERE name = 'maintenance_work_mem'",
  );
  const needed = Math.ceil((chunks * (2 * dimensions + 64 * HNSW_PARAMS.m) * 1.25) / 1024);
  return Math.max(Number(rows[0]?.kib ?? 0), Math.min(needed, 2 * 1024 * 1024));
}

/** What the database holds now, for deciding whether it must be rebuilt. */
export interface PgManifest {
  embedderId: string;
  dimensions: number;
  pipeline: string;
  chunking: { targetChars: number; overlapChars: number };
  /** Article id → content hash of its source. */
  articles: Record<string, string>;
  counts: { articles: number; chunks: number };
}

export async function readPgManifest(pool: pg.Pool, s: string): Promise<PgManifest | undefined> {
  const { rows } = await pool.query<{
    embedder_id: string;
    dimensions: number;
    pipeline: string;
    chunking: PgManifest["chunking"];
    articles: number;
    chunks: number;
  }>(
    `SELECT embedder_id, dimensions, pipeline, chunking, articles::float8 AS articles, chunks::float8 AS chunks FROM ${s}.build`,
  );
  const row = rows[0];
  if (!row) return undefined;
  const hashes = await pool.query<{ id: string; content_hash: string }>(`SELECT id, content_hash FROM ${s}.articles`);
  return {
    embedderId: row.embedder_id,
    dimensions: row.dimensions,
    pipeline: row.pipeline,
    chunking: row.chunking,
    articles: Object.fromEntries(hashes.rows.map((r) => [r.id, r.content_hash])),
    counts: { articles: row.articles, chunks: row.chunks },
  };
}

/** The sources of every article in the database, and the ids deleted through the API. */
export async function readPgSources(
  pool: pg.Pool,
  s: string,
): Promise<{ sources: SourceArticle[]; deleted: Set<string> }> {
  const [sources, deleted] = await Promise.all([
    pool.query<{ source_article: SourceArticle }>(`SELECT source_article FROM ${s}.articles ORDER BY id`),
    pool.query<{ id: string }>(`SELECT id FROM ${s}.deleted`),
  ]);
  return { sources: sources.rows.map((r) => r.source_article), deleted: new Set(deleted.rows.map((r) => r.id)) };
}

/** Rows per INSERT: at most a few MB of vectors as text (3,072 dimensions at most, as OpenAI's largest). */
const CHUNK_BATCH = 100;
/** Articles per INSERT: their text twice (cleaned, and in the source), a few MB. */
const ARTICLE_BATCH = 500;
const POSTING_BATCH = 50_000;

async function insertBatch(client: pg.PoolClient, s: string, batch: PgBuild["batch"], bm25: Bm25Params): Promise<void> {
  const sources = new Map(batch.sources.map((s) => [s.id, s]));
  for (let i = 0; i < batch.articles.length; i += ARTICLE_BATCH) {
    await client.query(
      `INSERT INTO ${s}.articles (id, title, text, url, source, published_at, published_ms, news_id, suggested_questions, origin, content_hash, source_article)
       SELECT a.id, a.title, a.text, a.url, a.source, a."publishedAt", a.published_ms, a."newsId", coalesce(a."suggestedQuestions", '[]'), a.origin, a.content_hash, a.source_article
         FROM json_to_recordset($1::json) AS a(id text, title text, text text, url text, source text, "publishedAt" text, published_ms float8, "newsId" text, "suggestedQuestions" jsonb, origin text, content_hash text, source_article jsonb)`,
      [
        JSON.stringify(
          batch.articles.slice(i, i + ARTICLE_BATCH).map((a) => {
            const source = sources.get(a.id);
            if (!source) throw new Error(`No source for article ${a.id}`);
            const published = a.publishedAt ? Date.parse(a.publishedAt) : NaN;
            return {
              ...a,
              published_ms: Number.isNaN(published) ? null : published,
              origin: source.origin,
              content_hash: source.contentHash,
              source_article: source,
            };
          }),
        ),
      ],
    );
  }
  let length = 0;
  const df = new Map<string, number>();
  let terms: string[] = [];
  let seqs: string[] = [];
  let tfs: number[] = [];
  let lengths: number[] = [];
  const flush = async () => {
    if (terms.length === 0) return;
    await client.query(
      `INSERT INTO ${s}.postings (term, chunk, tf, length) SELECT * FROM unnest($1::text[], $2::bigint[], $3::float8[], $4::float8[])`,
      [terms, seqs, tfs, lengths],
    );
    [terms, seqs, tfs, lengths] = [[], [], [], []];
  };
  for (let i = 0; i < batch.chunks.length; i += CHUNK_BATCH) {
    const chunks = batch.chunks.slice(i, i + CHUNK_BATCH);
    const postings = chunks.map((_, j) => postingsOf(batch.lexical[i + j]!, bm25));
    const { rows } = await client.query<{ seq: string; id: string }>(
      `INSERT INTO ${s}.chunks (id, article_id, position, start_offset, end_offset, title, text, embedding, lexical_length)
       SELECT c.id, c."articleId", c.position, c.start, c."end", c.title, c.text, c.embedding::vector, c.length
         FROM ROWS FROM (json_to_recordset($1::json) AS (id text, "articleId" text, position int, start int, "end" int, title text, text text, embedding text, length float8))
              WITH ORDINALITY AS c(id, "articleId", position, start, "end", title, text, embedding, length, n)
        ORDER BY c.n
       RETURNING seq, id`,
      [
        JSON.stringify(
          chunks.map((c, j) => ({
            ...c,
            embedding: vectorLiteral(batch.vectors[i + j]!),
            length: postings[j]!.length,
          })),
        ),
      ],
    );
    const seqOf = new Map(rows.map((r) => [r.id, r.seq]));
    for (const [j, c] of chunks.entries()) {
      const p = postings[j]!;
      const seq = seqOf.get(c.id)!;
      length += p.length;
      for (const [term, tf] of p.tf) {
        terms.push(term);
        seqs.push(seq);
        tfs.push(tf);
        lengths.push(p.length);
        df.set(term, (df.get(term) ?? 0) + 1);
      }
    }
    if (terms.length >= POSTING_BATCH) await flush();
  }
  await flush();
  if (df.size > 0) {
    // Sorted, so that two writers could never lock the same terms in opposite orders.
    const counted = [...df].sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
    await client.query(
      `INSERT INTO ${s}.lexicon (term, df) SELECT * FROM unnest($1::text[], $2::bigint[])
       ON CONFLICT (term) DO UPDATE SET df = ${s}.lexicon.df + EXCLUDED.df`,
      [counted.map(([t]) => t), counted.map(([, n]) => n)],
    );
  }
  await client.query(
    `UPDATE ${s}.build SET articles = articles + $1, chunks = chunks + $2, total_length = total_length + $3, revision = revision + 1`,
    [batch.articles.length, batch.chunks.length, length],
  );
}

/** Removes articles, their chunks and postings, and their share of the totals. Returns how many articles there were. */
async function removeArticles(client: pg.PoolClient, s: string, ids: string[]): Promise<number> {
  if (ids.length === 0) return 0;
  await client.query(
    `WITH gone AS (DELETE FROM ${s}.postings p USING ${s}.chunks c WHERE c.seq = p.chunk AND c.article_id = ANY($1::text[]) RETURNING p.term),
          counted AS (SELECT term, count(*) AS n FROM gone GROUP BY term)
     UPDATE ${s}.lexicon l SET df = l.df - counted.n FROM counted WHERE l.term = counted.term`,
    [ids],
  );
  const chunks = await client.query<{ n: number; length: number }>(
    `WITH gone AS (DELETE FROM ${s}.chunks WHERE article_id = ANY($1::text[]) RETURNING lexical_length)
     SELECT count(*)::float8 AS n, coalesce(sum(lexical_length), 0)::float8 AS length FROM gone`,
    [ids],
  );
  const articles = await client.query(`DELETE FROM ${s}.articles WHERE id = ANY($1::text[])`, [ids]);
  const removed = articles.rowCount ?? 0;
  const { n, length } = chunks.rows[0]!;
  await client.query(
    `UPDATE ${s}.build SET articles = articles - $1, chunks = chunks - $2, total_length = total_length - $3, revision = revision + 1`,
    [removed, n, length],
  );
  return removed;
}

/** Term frequencies and length of a chunk's BM25F document, as Bm25Index.add counts them (title terms weigh more). */
function postingsOf(doc: LexicalDoc, params: Bm25Params): { tf: Map<string, number>; length: number } {
  const tf = new Map<string, number>();
  for (const t of doc.body) tf.set(t, (tf.get(t) ?? 0) + 1);
  for (const t of doc.title) tf.set(t, (tf.get(t) ?? 0) + params.titleWeight);
  return { tf, length: doc.body.length + params.titleWeight * doc.title.length };
}

const CHUNK_COLUMNS = "c.seq, c.id, c.article_id, c.title, c.position, c.start_offset, c.end_offset, c.text";

/** A chunk as the chunks table holds it (CHUNK_COLUMNS). */
export interface ChunkRow {
  seq: string;
  id: string;
  article_id: string;
  title: string;
  position: number;
  start_offset: number;
  end_offset: number;
  text: string;
}

/** The chunk a row of the chunks table holds. */
export function chunkOf(r: ChunkRow): Chunk {
  return {
    id: r.id,
    articleId: r.article_id,
    title: r.title,
    position: r.position,
    start: r.start_offset,
    end: r.end_offset,
    text: r.text,
  };
}

const ARTICLE_COLUMNS = "id, title, text, url, source, published_at, news_id, suggested_questions";

interface ArticleRow {
  id: string;
  title: string;
  text: string;
  url: string | null;
  source: string | null;
  published_at: string | null;
  news_id: string | null;
  suggested_questions: string[];
}

/** The article in the shape (and key order) prepareArticle gives it. */
function articleOf(r: ArticleRow): Article {
  return {
    id: r.id,
    title: r.title,
    text: r.text,
    ...(r.url !== null && { url: r.url }),
    ...(r.source !== null && { source: r.source }),
    ...(r.published_at !== null && { publishedAt: r.published_at }),
    ...(r.news_id !== null && { newsId: r.news_id }),
    suggestedQuestions: r.suggested_questions,
  };
}

import { after } from "node:test";
import type { Corpus } from "../../core/corpus/corpus.ts";
import { startInProcessPostgres, type InProcessPostgres } from "../../eval/pglite.ts";
import { PgvectorCorpus } from "../../core/corpus/pgvector/corpus.ts";
import { buildPgIndex } from "../../ingest/build-pg.ts";
import { createApp } from "../../server/app.ts";
import { Assistant } from "../../answer/assistant.ts";
import { SEEDS_DIR, seedApp } from "./helpers.ts";
import { postgresMissing, startPostgresServer, type PostgresServer } from "./postgres-server.ts";

/**
 * The index backends the API suites run against: the embedded index; PostgreSQL with pgvector
 * running in this process (PGlite served over the wire protocol, reached through the `pg` driver
 * exactly as a real database server would be); and a real PostgreSQL 15 server with pgvector,
 * started for the test file (test/support/postgres-server.ts).
 */
export const BACKENDS = ["embedded", "pgvector", "postgres"] as const;
export type Backend = (typeof BACKENDS)[number];

/**
 * A suite's `skip` option for a backend: the real PostgreSQL is skipped, with what to install,
 * where it is missing; never in CI, which installs it (.ci/run) and must run it.
 */
export function backendSkip(backend: Backend): string | false {
  if (backend !== "postgres" || process.env.CI) return false;
  const missing = postgresMissing();
  return missing ? `the real PostgreSQL ${missing}` : false;
}

let postgres: Promise<InProcessPostgres> | undefined;
let server: Promise<PostgresServer> | undefined;

/** One real PostgreSQL server per test file, like the in-process one. */
function realPostgres(): Promise<PostgresServer> {
  server ??= startPostgresServer();
  return server;
}

/** One PostgreSQL per test file (starting one takes seconds); each seed gets a schema of its own in it. */
export function testPostgres(): Promise<InProcessPostgres> {
  postgres ??= startInProcessPostgres();
  return postgres;
}

// At the top level of the test file that imports this module: runs once all its tests are done.
after(async () => {
  if (postgres) await (await postgres).stop();
  if (server) await (await server).stop();
});

let schemas = 0;

/** A fresh, empty schema of the test PostgreSQL (in process, or the real server): where one corpus lives. */
export async function testDatabase(on: "pglite" | "server" = "pglite"): Promise<{ url: string; schema: string }> {
  const url = on === "server" ? (await realPostgres()).url : (await testPostgres()).url;
  return { url, schema: `test_${process.pid}_${++schemas}` };
}

export interface Seeded {
  app: Awaited<ReturnType<typeof seedApp>>["app"];
  assistant: Awaited<ReturnType<typeof seedApp>>["assistant"];
  corpus: Corpus;
  /**
   * The embedded index built from the same articles: what a test compares answers against
   * (article texts, chunk counts), whichever backend serves the app.
   */
  index: Awaited<ReturnType<typeof seedApp>>["index"];
  logged: Record<string, unknown>[];
}

/** The app over `articlesDir` (the seeds by default) with offline defaults, on the given backend. */
export async function seedBackend(backend: Backend, articlesDir = SEEDS_DIR): Promise<Seeded> {
  const seed = await seedApp(articlesDir);
  if (backend === "embedded") return { ...seed, corpus: seed.assistant.corpus };
  const database = await testDatabase(backend === "postgres" ? "server" : "pglite");
  await buildPgIndex({ articlesDir, database, embedder: { kind: "local" }, mode: "import" });
  const corpus = await PgvectorCorpus.open(database, { kind: "local" });
  after(() => corpus.close());
  const assistant = new Assistant(corpus, { answerer: { kind: "extractive" } });
  const logged: Record<string, unknown>[] = [];
  const app = createApp(assistant, { log: (entry) => logged.push(entry) });
  return { app, assistant, corpus, index: seed.index, logged };
}

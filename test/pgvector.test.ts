import assert from "node:assert/strict";
import { rm, writeFile } from "node:fs/promises";
import path from "node:path";
import { describe, it } from "node:test";
import pg from "pg";
import { loadConfig } from "../core/config.ts";
import { HnswlibCorpus } from "../core/corpus/embedded/corpus.ts";
import { quoted } from "../core/corpus/pgvector/schema.ts";
import { PgvectorCorpus } from "../core/corpus/pgvector/corpus.ts";
import { analyze } from "../core/persian/tokens.ts";
import { buildPgIndex } from "../ingest/build-pg.ts";
import { createApp } from "../server/app.ts";
import { Assistant } from "../answer/assistant.ts";
import { backendSkip, seedBackend, testDatabase } from "./support/backends.ts";
import { answerableFixtures, post, same, seedApp, seedCopy, startServer, tempDir } from "./support/helpers.ts";

/**
 * What only the PostgreSQL backend has to prove; the API suites (api, fixtures, conversation,
 * site, admin) run against it as they run against the embedded index. Everything here goes
 * through PostgreSQL with pgvector in this process, reached with the `pg` driver over TCP.
 */
const fixtures = answerableFixtures();
const TOKEN = "pgvector-admin-token-0123456789";
const ANZALI = {
  title: "رکورد تازه بندر انزلی",
  text: "بندر انزلی امسال پذیرای ۴۷۰ کشتی تجاری بود و حجم کالای تخلیه شده در این بندر به ۳ میلیون تن رسید.",
  source: "ایرنا",
};
const ANZALI_QUESTION = "بندر انزلی امسال پذیرای چند کشتی بود؟";

const seeded = await seedBackend("pgvector");
const embedded = HnswlibCorpus.of(seeded.index);
const pgCorpus = seeded.corpus;

describe("BM25F computed in PostgreSQL", () => {
  it("scores every fixture question exactly as the embedded lexical index (core/corpus/bm25.ts) does, in the same order", async () => {
    for (const f of fixtures) {
      const terms = analyze(f.question);
      const [fromPg, fromMemory] = await Promise.all([pgCorpus.lexical(terms, 20), embedded.lexical(terms, 20)]);
      assert.deepEqual(
        fromPg.map((h) => h.chunk.id),
        fromMemory.map((h) => h.chunk.id),
        f.question,
      );
      fromPg.forEach((h, i) =>
        assert.ok(
          Math.abs(h.score - fromMemory[i]!.score) < 1e-9,
          `${f.question}: ${h.score} ≠ ${fromMemory[i]!.score}`,
        ),
      );
      assert.deepEqual(
        fromPg.map((h) => h.chunk),
        fromMemory.map((h) => h.chunk),
        "the same chunks, text and offsets",
      );
    }
  });

  it("weights title terms as BM25F does, honours term weights, and filters by article", async () => {
    const weighted = [{ term: analyze("قزوین")[0]!, weight: 0.5 }, ...analyze("صنایع کوچک")];
    const [pgHits, memoryHits] = await Promise.all([
      pgCorpus.lexical(weighted, 10, "001_ac32e4e684eddc00"),
      embedded.lexical(weighted, 10, "001_ac32e4e684eddc00"),
    ]);
    assert.ok(pgHits.length > 0 && pgHits.every((h) => h.chunk.articleId === "001_ac32e4e684eddc00"));
    assert.deepEqual(
      pgHits.map((h) => [h.chunk.id, h.score.toFixed(9)]),
      memoryHits.map((h) => [h.chunk.id, h.score.toFixed(9)]),
    );
    assert.deepEqual(await pgCorpus.lexical(analyze("فوتبال"), 5), [], "a word no article has finds nothing");
  });

  it("knows the same document frequencies and IDF for every term of the corpus", async () => {
    const terms = [
      ...new Set([...seeded.index.chunks.values()].flatMap((c) => [...analyze(c.title), ...analyze(c.text)])),
      "فوتبال",
    ];
    const [fromPg, fromMemory] = await Promise.all([pgCorpus.termStats(terms), embedded.termStats(terms)]);
    for (const t of terms) {
      assert.equal(fromPg.df(t), fromMemory.df(t), t);
      assert.ok(Math.abs(fromPg.idf(t) - fromMemory.idf(t)) < 1e-12, t);
    }
  });
});

describe("dense search with pgvector's HNSW", () => {
  it("finds the nearest chunks of every fixture question with the same cosine similarity as HNSWLib", async () => {
    const embedder = await pgCorpus.embedder();
    assert.equal(embedder.id, seeded.index.embedder.id);
    for (const f of fixtures) {
      const vector = await embedder.embedQuery(f.question);
      const [fromPg, fromMemory] = await Promise.all([pgCorpus.nearest(vector, 10), embedded.nearest(vector, 10)]);
      assert.deepEqual(
        fromPg.map((h) => h.chunk.id),
        fromMemory.map((h) => h.chunk.id),
        f.question,
      );
      fromPg.forEach((h, i) => assert.ok(Math.abs(h.score - fromMemory[i]!.score) < 1e-5, f.question));
    }
  });

  it("searches one article's chunks, all of them, when asked for that article", async () => {
    const vector = await (await pgCorpus.embedder()).embedQuery("شهرک صنعتی");
    const hits = await pgCorpus.nearest(vector, 50, "002_804e4a69935f094f");
    assert.equal(hits.length, seeded.index.chunkCounts.get("002_804e4a69935f094f"));
    assert.ok(hits.every((h) => h.chunk.articleId === "002_804e4a69935f094f"));
    assert.deepEqual(
      hits.map((h) => h.score),
      [...hits.map((h) => h.score)].sort((a, b) => b - a),
      "best first",
    );
  });
});

describe("hybrid retrieval over PostgreSQL", () => {
  it("ranks the same passages with the same scores as the embedded index for every fixture question, with and without an article", async () => {
    const embeddedApp = await seedApp();
    for (const f of fixtures) {
      for (const body of [
        { query: f.question, k: 10 },
        { query: f.question, k: 5, articleId: f.articleId },
      ]) {
        const [a, b] = await Promise.all([
          post(seeded.app, "/api/search", body),
          post(embeddedApp.app, "/api/search", body),
        ]);
        type Results = { results: Array<{ chunkId: string; score: number }> };
        const [fromPg, fromMemory] = (await Promise.all([a.json(), b.json()])) as [Results, Results];
        assert.deepEqual(
          fromPg.results.map((r) => r.chunkId),
          fromMemory.results.map((r) => r.chunkId),
          `${f.question} ${body.articleId ?? ""}`,
        );
        fromPg.results.forEach((r, i) =>
          assert.ok(Math.abs(r.score - fromMemory.results[i]!.score) <= 1e-4, f.question),
        );
      }
    }
  });
});

/** A Goftogu server over a database, as one of several behind a load balancer. */
async function serverOn(database: { url: string; schema: string }) {
  const corpus = await PgvectorCorpus.open(database, { kind: "local" });
  const app = createApp(new Assistant(corpus, { answerer: { kind: "extractive" } }), {
    log: () => {},
    admin: { token: TOKEN, articlesDir: await tempDir() },
  });
  return { app, corpus };
}

function send(
  app: { request: (url: string, init: RequestInit) => Response | Promise<Response> },
  method: string,
  url: string,
  body?: unknown,
) {
  return app.request(url, {
    method,
    headers: { "content-type": "application/json", authorization: `Bearer ${TOKEN}` },
    ...(body !== undefined && { body: JSON.stringify(body) }),
  });
}

async function chat(
  app: { request: (url: string, init: RequestInit) => Response | Promise<Response> },
  question: string,
) {
  return (await (await post(app, "/api/chat", { question })).json()) as {
    answer: string;
    found: boolean;
    citations: Array<{ articleId: string }>;
  };
}

describe("stateless servers sharing one database", () => {
  it("see each other's publications, replacements and deletions at the next request", async () => {
    const database = await testDatabase();
    await buildPgIndex({ articlesDir: await seedCopy(), database, embedder: { kind: "local" }, mode: "start" });
    const a = await serverOn(database);
    const b = await serverOn(database);
    try {
      assert.equal((await chat(b.app, ANZALI_QUESTION)).found, false);
      // b keeps that answer while nothing changes, and must not give it once a has published.
      assert.equal(
        (await post(b.app, "/api/chat", { question: ANZALI_QUESTION })).headers.get("x-answer-cache"),
        "hit",
      );

      assert.equal((await send(a.app, "PUT", "/api/articles/anzali-1", ANZALI)).status, 200);
      const answer = await chat(b.app, ANZALI_QUESTION);
      assert.ok(answer.found && same(answer.answer).includes(same("۴۷۰ کشتی")), answer.answer);
      assert.equal(answer.citations[0]!.articleId, "anzali-1");
      assert.deepEqual(((await (await b.app.request("/api/health")).json()) as { articles: number }).articles, 6);
      const listed = (await (await b.app.request("/api/articles?limit=100")).json()) as {
        articles: Array<{ id: string }>;
        total: number;
      };
      assert.equal(listed.total, 6);
      assert.ok(listed.articles.some((x) => x.id === "anzali-1"));

      await send(b.app, "PUT", "/api/articles/anzali-1", { ...ANZALI, text: ANZALI.text.replace("۴۷۰", "۵۱۲") });
      const replaced = await chat(a.app, ANZALI_QUESTION);
      assert.ok(
        same(replaced.answer).includes(same("۵۱۲ کشتی")) && !same(replaced.answer).includes(same("۴۷۰")),
        replaced.answer,
      );
      const page = (await (await a.app.request("/api/articles/anzali-1")).json()) as { text: string };
      assert.ok(page.text.includes("۵۱۲"), "the article page shows the new version");

      assert.equal((await send(a.app, "DELETE", "/api/articles/anzali-1")).status, 204);
      assert.equal((await chat(b.app, ANZALI_QUESTION)).found, false);
      assert.equal((await b.app.request("/api/articles/anzali-1")).status, 404);
      assert.equal((await send(b.app, "DELETE", "/api/articles/anzali-1")).status, 404);
      assert.equal(
        ((await (await a.app.request("/api/health")).json()) as { chunks: number }).chunks,
        seeded.index.manifest.counts.chunks,
        "the deleted article's chunks are gone",
      );
    } finally {
      await a.corpus.close();
      await b.corpus.close();
    }
  });

  it("tell a load balancer through /api/health (503) when their database cannot be read", async () => {
    const database = await testDatabase();
    await buildPgIndex({ articlesDir: await seedCopy(), database, embedder: { kind: "local" }, mode: "start" });
    const { app, corpus } = await serverOn(database);
    assert.equal((await app.request("/api/health")).status, 200);
    await corpus.close();
    const res = await app.request("/api/health");
    assert.equal(res.status, 503);
    assert.equal(res.headers.get("retry-after"), "5");
    assert.deepEqual(await res.json(), { status: "unavailable", reason: "the index cannot be read" });
  });

  it("keep the BM25 statistics exact through live changes: after a publication and a deletion, scores equal a fresh build's", async () => {
    const database = await testDatabase();
    const articlesDir = await seedCopy();
    await buildPgIndex({ articlesDir, database, embedder: { kind: "local" }, mode: "start" });
    const { app, corpus } = await serverOn(database);
    try {
      await send(app, "PUT", "/api/articles/anzali-1", ANZALI);
      await send(app, "DELETE", "/api/articles/002_804e4a69935f094f");
      // The same corpus, built from scratch.
      await writeFile(path.join(articlesDir, "anzali.jsonl"), `${JSON.stringify({ id: "anzali-1", ...ANZALI })}\n`);
      await rm(path.join(articlesDir, "002_804e4a69935f094f.txt"));
      const fresh = await testDatabase();
      await buildPgIndex({ articlesDir, database: fresh, embedder: { kind: "local" }, mode: "start" });
      const rebuilt = await PgvectorCorpus.open(fresh, { kind: "local" });
      try {
        for (const q of ["بندر انزلی کشتی تجاری", "صادرات قم", "شرکت های دانش بنیان قزوین"]) {
          const [live, built] = await Promise.all([corpus.lexical(analyze(q), 10), rebuilt.lexical(analyze(q), 10)]);
          assert.deepEqual(
            live.map((h) => [h.chunk.id, h.score.toFixed(9)]),
            built.map((h) => [h.chunk.id, h.score.toFixed(9)]),
            q,
          );
        }
      } finally {
        await rebuilt.close();
      }
    } finally {
      await corpus.close();
    }
  });
});

describe("filling and rebuilding the database", () => {
  it("fills an empty database on start, leaves an up-to-date one alone, and rebuilds one made by other analysis code from its own articles, API publications included", async () => {
    const database = await testDatabase();
    const articlesDir = await seedCopy();
    const first = await buildPgIndex({ articlesDir, database, embedder: { kind: "local" }, mode: "start" });
    assert.deepEqual([first.built, first.reason, first.articles], [true, "no index yet", 5]);
    const again = await buildPgIndex({ articlesDir, database, embedder: { kind: "local" }, mode: "start" });
    assert.deepEqual([again.built, again.reason], [false, "index is up to date"]);

    const { app, corpus } = await serverOn(database);
    await send(app, "PUT", "/api/articles/anzali-1", ANZALI);
    await corpus.close();
    // A server of another version (other analysis code) starts on this database.
    const client = new pg.Client({ connectionString: database.url });
    await client.connect();
    await client.query(`UPDATE ${quoted(database.schema)}.build SET pipeline = 'an-older-analysis'`);
    await client.end();
    // Its ARTICLES_DIR is not the database's corpus: another machine's files are never imported on start.
    const rebuilt = await buildPgIndex({
      articlesDir: await tempDir(),
      database,
      embedder: { kind: "local" },
      mode: "start",
    });
    assert.deepEqual(
      [rebuilt.built, rebuilt.reason, rebuilt.articles],
      [true, "text analysis or ingest code changed", 6],
    );

    const after = await serverOn(database);
    try {
      const answer = await chat(after.app, ANZALI_QUESTION);
      assert.ok(
        answer.found && same(answer.answer).includes(same("۴۷۰ کشتی")),
        "the API publication survived the rebuild",
      );
    } finally {
      await after.corpus.close();
    }
  });

  it("imports ARTICLES_DIR on npm run ingest: changed files are re-read, removed ones go, API publications stay, API deletions stay deleted", async () => {
    const database = await testDatabase();
    const articlesDir = await seedCopy();
    await buildPgIndex({ articlesDir, database, embedder: { kind: "local" }, mode: "import" });
    const { app, corpus } = await serverOn(database);
    try {
      await send(app, "PUT", "/api/articles/anzali-1", ANZALI);
      assert.equal((await send(app, "DELETE", "/api/articles/002_804e4a69935f094f")).status, 204);
      await rm(path.join(articlesDir, "000_6460d26cea20ff96.txt"));
      const summary = await buildPgIndex({ articlesDir, database, embedder: { kind: "local" }, mode: "import" });
      assert.equal(summary.reason, "articles changed: 0 added, 0 changed, 1 removed");
      const ids = (
        (await (await app.request("/api/articles?limit=100")).json()) as { articles: Array<{ id: string }> }
      ).articles
        .map((a) => a.id)
        .sort();
      assert.deepEqual(ids, ["001_ac32e4e684eddc00", "003_5e0f5a173f3dffd5", "004_6f85bbe77279df80", "anzali-1"]);
      assert.equal(
        (await buildPgIndex({ articlesDir, database, embedder: { kind: "local" }, mode: "import" })).built,
        false,
        "then up to date",
      );
    } finally {
      await corpus.close();
    }
  });

  it("keeps corpora in different schemas of one database apart", async () => {
    const other = await testDatabase();
    const dir = await tempDir();
    await writeFile(path.join(dir, "anzali.jsonl"), `${JSON.stringify({ id: "anzali-1", ...ANZALI })}\n`);
    await buildPgIndex({ articlesDir: dir, database: other, embedder: { kind: "local" }, mode: "start" });
    const { app, corpus } = await serverOn(other);
    try {
      assert.equal(((await (await app.request("/api/articles")).json()) as { total: number }).total, 1);
      assert.equal((await seeded.corpus.stats()).articles, 5);
    } finally {
      await corpus.close();
    }
  });
});

describe("configuration", () => {
  it("asks for DATABASE_URL when VECTOR_STORE is pgvector, and checks both", () => {
    assert.throws(
      () => loadConfig({ VECTOR_STORE: "pgvector" }),
      /DATABASE_URL: must be set when VECTOR_STORE is pgvector/,
    );
    assert.throws(
      () => loadConfig({ VECTOR_STORE: "pgvector", DATABASE_URL: "mysql://db/goftogu" }),
      /DATABASE_URL: must be a PostgreSQL URL/,
    );
    assert.throws(() => loadConfig({ VECTOR_STORE: "postgres" }), /VECTOR_STORE: must be "embedded" or "pgvector"/);
    assert.deepEqual(
      loadConfig({ VECTOR_STORE: "pgvector", DATABASE_URL: "postgres://goftogu@db.example:5432/news?sslmode=require" })
        .store,
      {
        kind: "pgvector",
        database: { url: "postgres://goftogu@db.example:5432/news?sslmode=require", schema: "goftogu" },
      },
    );
    assert.deepEqual(loadConfig({}).store, { kind: "embedded", searchThread: "auto", lexicalThread: "auto" });
  });
});

// On PGlite in this process, and on a real PostgreSQL 15 server with pgvector, as production runs it.
for (const [on, label, skip] of [
  ["pglite", "PGlite", false],
  ["server", "a real PostgreSQL server", backendSkip("postgres")],
] as const) {
  describe(`npm start with VECTOR_STORE=pgvector on ${label}`, { skip }, () => {
    it("fills the database, serves answers from it on two servers at once, and loses no acknowledged article to kill -9", async () => {
      const database = await testDatabase(on);
      const env = {
        VECTOR_STORE: "pgvector",
        DATABASE_URL: database.url,
        DATABASE_SCHEMA: database.schema,
        ARTICLES_DIR: await seedCopy(),
        INDEX_DIR: path.join(await tempDir(), "index"),
        FEEDBACK_DIR: path.join(await tempDir(), "feedback"),
        ADMIN_TOKEN: TOKEN,
      };
      const first = await startServer(env, { timeoutMs: 120_000 });
      const second = await startServer({ ...env, ARTICLES_DIR: await tempDir() }, { timeoutMs: 120_000 });
      try {
        assert.ok(first.logs.some((l) => l.msg === "index built" && l.reason === "no index yet"));
        assert.ok(
          second.logs.some((l) => l.msg === "index up to date"),
          "the second server finds the database filled",
        );
        const health = (await (await fetch(`${second.url}/api/health`)).json()) as { status: string; articles: number };
        assert.deepEqual([health.status, health.articles], ["ok", 5]);
        const res = await fetch(`${second.url}/api/chat`, {
          method: "POST",
          headers: { "content-type": "application/json" },
          body: JSON.stringify({ question: "چند واحد صنفی در استان قم فعالیت می‌کنند؟" }),
        });
        const answer = (await res.json()) as { answer: string; citations: Array<{ articleId: string }> };
        assert.ok(same(answer.answer).includes(same("۴۵هزار واحد صنفی")), answer.answer);
        assert.equal(answer.citations[0]!.articleId, "003_5e0f5a173f3dffd5");

        // Publish one by one on the first server; kill -9 it right after the third acknowledgement,
        // while the fourth is in flight.
        const acknowledged: string[] = [];
        for (let i = 0; i < 5; i++) {
          const request = fetch(`${first.url}/api/articles/port-${i}`, {
            method: "PUT",
            headers: { authorization: `Bearer ${TOKEN}`, "content-type": "application/json" },
            body: JSON.stringify({
              title: `بندر شماره ${i + 1}`,
              text: `بندر شماره ${i + 1} امسال پذیرای ${100 + i} کشتی تجاری بود.`,
            }),
          });
          if (i === 3) {
            first.child.kill("SIGKILL");
            await request.catch(() => {});
            break;
          }
          if ((await request).status === 200) acknowledged.push(`port-${i}`);
        }
        await first.exited;
        assert.deepEqual(acknowledged, ["port-0", "port-1", "port-2"]);
        for (const id of acknowledged) {
          const n = Number(id.split("-")[1]);
          const reply = await fetch(`${second.url}/api/chat`, {
            method: "POST",
            headers: { "content-type": "application/json" },
            body: JSON.stringify({ question: `بندر شماره ${n + 1} امسال پذیرای چند کشتی تجاری بود؟` }),
          });
          const body = (await reply.json()) as {
            found: boolean;
            answer: string;
            citations: Array<{ articleId: string }>;
          };
          assert.equal(body.found, true, id);
          assert.equal(body.citations[0]!.articleId, id);
          assert.ok(same(body.answer).includes(same(`${100 + n} کشتی`)), body.answer);
        }
      } finally {
        first.child.kill("SIGKILL");
        second.child.kill("SIGTERM");
        await Promise.all([first.exited, second.exited]);
      }
    });
  });
}

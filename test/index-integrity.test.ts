import assert from "node:assert/strict";
import { once } from "node:events";
import { cp, readdir, readFile, stat, truncate, writeFile } from "node:fs/promises";
import path from "node:path";
import { after, describe, it } from "node:test";
import { openIndex } from "../core/corpus/embedded/store.ts";
import { buildIndex } from "../ingest/build.ts";
import { DELETED_FILE } from "../ingest/read.ts";
import { runIngest, seedCopy, startServer, tempDir, type RunningServer } from "./support/helpers.ts";

/**
 * A damaged embedded index or list of deleted articles is never served as if it were whole.
 * The real server names the damaged index file, rebuilds from ARTICLES_DIR and answers, or
 * refuses to start naming the file and the repair when it cannot rebuild; `npm run ingest`
 * rebuilds a damaged index instead of calling it up to date; a damaged deletion list fails the
 * build and refuses changes to the articles instead of reading as "no deletions".
 */
const QUESTION = "قم چند شهرک صنعتی دارد؟";
const TOKEN = "test-admin-token-0123456789";
const REPAIR = "npm run ingest -- --force";

// One index of the seeds, built once; every test damages a copy of its own.
const articlesDir = await seedCopy();
const builtIndex = path.join(await tempDir("goftogu-index-"), "index");
await buildIndex({ articlesDir, indexDir: builtIndex, embedder: { kind: "local" } });

async function copyIndex(): Promise<string> {
  const indexDir = path.join(await tempDir("goftogu-index-"), "index");
  // Verbatim: `current` stays a link to the copy's own generation, not to the original's.
  await cp(builtIndex, indexDir, { recursive: true, verbatimSymlinks: true });
  return indexDir;
}

async function damagedCopy(file: string, damage: (file: string) => Promise<void>): Promise<string> {
  const indexDir = await copyIndex();
  await damage(path.join(indexDir, "current", file));
  return indexDir;
}

const flipBytes =
  (where: (size: number) => number = (size) => Math.floor(size / 2)) =>
  async (file: string) => {
    const bytes = await readFile(file);
    const at = where(bytes.length);
    for (let i = at; i < Math.min(at + 8, bytes.length); i++) bytes[i] = bytes[i]! ^ 0xff;
    await writeFile(file, bytes);
  };

const DAMAGES: Array<{ file: string; how: string; damage: (file: string) => Promise<void> }> = [
  { file: "chunks.bin", how: "truncated to one chunk", damage: (f) => truncate(f, 16) },
  { file: "articles.bin", how: "cut to half", damage: async (f) => truncate(f, Math.floor((await stat(f)).size / 2)) },
  { file: "segment-0000.hnsw", how: "with bytes flipped in the middle", damage: flipBytes() },
  // hnswlib takes offsets from its header unchecked: a file damaged there can crash the process as it is read.
  { file: "segment-0000.hnsw", how: "with bytes flipped in its header", damage: flipBytes(() => 32) },
  { file: "lexical.bin", how: "with bytes flipped in the middle", damage: flipBytes() },
  { file: "tokens.bin", how: "with bytes flipped in the middle", damage: flipBytes() },
  { file: "embedder.json", how: "with bytes flipped in the middle", damage: flipBytes() },
  {
    file: "manifest.json",
    how: "replaced by garbage",
    damage: (f) => writeFile(f, '{"format": 5, "embedder": {"id": "loc'),
  },
];

const lines = (server: RunningServer) => server.logs.map((l) => JSON.stringify(l)).join("\n");

async function serverOn(env: Record<string, string>, until: "open" | "ready" = "ready"): Promise<RunningServer> {
  const server = await startServer(
    { FEEDBACK_DIR: path.join(await tempDir(), "feedback"), ...env },
    { until, timeoutMs: 60_000 },
  );
  after(async () => {
    server.child.kill("SIGKILL");
    await server.exited;
  });
  return server;
}

/** The exit code, once every log line the server wrote has been read; fails if it keeps running. */
async function exitOf(server: RunningServer, timeoutMs = 45_000): Promise<number | null> {
  let timer!: NodeJS.Timeout;
  const running = new Promise<never>(
    (_, reject) =>
      (timer = setTimeout(
        () => reject(new Error(`the server still runs after ${timeoutMs / 1000} s:\n${lines(server)}`)),
        timeoutMs,
      )),
  );
  try {
    const code = await Promise.race([server.exited, running]);
    if (!server.child.stdout!.readableEnded) await once(server.child.stdout!, "end");
    return code;
  } finally {
    clearTimeout(timer);
  }
}

async function ask(server: RunningServer, question: string) {
  const res = await fetch(`${server.url}/api/chat`, {
    method: "POST",
    headers: { "content-type": "application/json" },
    body: JSON.stringify({ question }),
  });
  assert.equal(res.status, 200);
  return (await res.json()) as { answer: string; found: boolean };
}

describe("a damaged embedded index at start-up", { concurrency: true }, () => {
  for (const { file, how, damage } of DAMAGES) {
    it(`names ${file} ${how}, rebuilds from ARTICLES_DIR and answers from the rebuilt index`, async () => {
      const indexDir = await damagedCopy(file, damage);
      const server = await serverOn({ ARTICLES_DIR: articlesDir, INDEX_DIR: indexDir });
      const logged = server.logs.find(
        (l) => l.level === "error" && l.msg === "the index is damaged; rebuilding it from ARTICLES_DIR",
      );
      assert.ok(logged, lines(server));
      assert.equal(path.basename(String(logged.file)), file, lines(server));
      assert.match(String(logged.error), new RegExp(`${file.replace(".", "\\.")} is damaged: `));
      assert.ok(
        server.logs.some((l) => l.msg === "index built"),
        lines(server),
      );
      const answer = await ask(server, QUESTION);
      assert.equal(answer.found, true);
      assert.match(answer.answer, /^هفت شهرک صنعتی/);
      const health = (await (await fetch(`${server.url}/api/health`)).json()) as { status: string; articles: number };
      assert.deepEqual([health.status, health.articles], ["ok", 5]);
    });

    it(`refuses to start when ${file} ${how} cannot be rebuilt, naming it and the repair`, async () => {
      const indexDir = await damagedCopy(file, damage);
      const server = await serverOn({ ARTICLES_DIR: await tempDir("goftogu-articles-"), INDEX_DIR: indexDir }, "open");
      assert.notEqual(await exitOf(server), 0);
      const last = server.logs.find((l) => l.level === "error" && l.msg === "start-up failed");
      assert.ok(last, lines(server));
      assert.equal(path.basename(String(last.file)), file);
      assert.ok(String(last.error).includes(`${file} is damaged: `), String(last.error));
      assert.ok(String(last.error).includes(REPAIR), String(last.error));
      assert.match(String(last.error), /No articles in /, "and why it could not be rebuilt");
      assert.ok(
        !server.logs.some((l) => /^Goftogu listening/.test(String(l.msg))),
        "it never served the damaged index",
      );
    });
  }
});

describe("npm run ingest on a damaged index", { concurrency: true }, () => {
  it("finds a changed byte by its checksum, rebuilds and says why, where a healthy index is left as it is", async () => {
    const healthy = await runIngest({ ARTICLES_DIR: articlesDir, INDEX_DIR: await copyIndex() });
    assert.equal(healthy.code, 0, healthy.out);
    assert.match(healthy.out, /index unchanged \(index is up to date\)/);

    // Same size, one changed byte: only the checksum tells.
    const indexDir = await damagedCopy(
      "chunks.bin",
      flipBytes((size) => size - 3),
    );
    const run = await runIngest({ ARTICLES_DIR: articlesDir, INDEX_DIR: indexDir });
    assert.equal(run.code, 0, run.out);
    assert.match(run.out, /chunks\.bin is damaged: its CRC-32 is [0-9a-f]{8}, the manifest says [0-9a-f]{8}/);
    assert.match(run.out, /index built \(index file .*chunks\.bin is damaged/);
    assert.equal((await openIndex(indexDir, { kind: "local" })).articles.size, 5);
  });

  it("rebuilds over a garbage manifest", async () => {
    const indexDir = await damagedCopy("manifest.json", (f) => writeFile(f, "not json"));
    const run = await runIngest({ ARTICLES_DIR: articlesDir, INDEX_DIR: indexDir });
    assert.equal(run.code, 0, run.out);
    assert.match(run.out, /index built \(index file .*manifest\.json is damaged: it is not JSON/);
  });
});

describe("a damaged list of deleted articles", { concurrency: true }, () => {
  const DELETED = "003_5e0f5a173f3dffd5";
  const DAMAGED_LISTS = {
    truncated: `["${DELETED.slice(0, 7)}`,
    garbage: "\u0000\u0000\u0000",
    "an object": `{"ids": ["${DELETED}"]}`,
    numbers: "[3, 4]",
  };

  it("fails the build, naming the file and the two ways to repair it, for every kind of damage", async () => {
    for (const [kind, content] of Object.entries(DAMAGED_LISTS)) {
      const dir = await seedCopy();
      await writeFile(path.join(dir, DELETED_FILE), content);
      await assert.rejects(
        buildIndex({ articlesDir: dir, indexDir: await tempDir(), embedder: { kind: "local" } }),
        /\.goftogu-deleted\.json is damaged: .*; restore it from a backup, or delete it to bring back every article deleted through the API/,
        kind,
      );
    }
  });

  it("keeps a deleted article deleted across a restart, and refuses changes without touching the file", async () => {
    const dir = await seedCopy();
    await writeFile(path.join(dir, DELETED_FILE), JSON.stringify([DELETED]));
    const indexDir = path.join(await tempDir(), "index");
    await buildIndex({ articlesDir: dir, indexDir, embedder: { kind: "local" } });
    const damaged = DAMAGED_LISTS.truncated;
    await writeFile(path.join(dir, DELETED_FILE), damaged);

    const server = await serverOn({ ARTICLES_DIR: dir, INDEX_DIR: indexDir, ADMIN_TOKEN: TOKEN });
    const failed = server.logs.find(
      (l) => l.level === "error" && l.msg === "index build failed; serving the previous index if there is one",
    );
    assert.ok(failed && String(failed.error).includes(DELETED_FILE), lines(server));
    assert.equal(
      (await fetch(`${server.url}/api/articles/${DELETED}`)).status,
      404,
      "the deleted article stays deleted",
    );
    const health = (await (await fetch(`${server.url}/api/health`)).json()) as { articles: number };
    assert.equal(health.articles, 4);

    const before = await readdir(dir);
    const auth = { authorization: `Bearer ${TOKEN}`, "content-type": "application/json" };
    const removed = await fetch(`${server.url}/api/articles/000_6460d26cea20ff96`, { method: "DELETE", headers: auth });
    assert.equal(removed.status, 503);
    const body = (await removed.json()) as { error: { code: string; message: string } };
    assert.equal(body.error.code, "deletion_list_damaged");
    assert.ok(!body.error.message.includes(dir), "the file's path stays in the log");
    const published = await fetch(`${server.url}/api/articles/anzali-1`, {
      method: "PUT",
      headers: auth,
      body: JSON.stringify({ title: "بندر انزلی", text: "بندر انزلی امسال پذیرای ۴۷۰ کشتی تجاری بود." }),
    });
    assert.equal(published.status, 503);
    assert.equal(((await published.json()) as { error: { code: string } }).error.code, "deletion_list_damaged");

    assert.equal(
      await readFile(path.join(dir, DELETED_FILE), "utf8"),
      damaged,
      "the damaged list is left for the operator to repair",
    );
    assert.deepEqual(await readdir(dir), before, "no article file was written or removed");
    assert.equal(
      (await fetch(`${server.url}/api/articles/000_6460d26cea20ff96`)).status,
      200,
      "nor the article deleted",
    );
    const logged = server.logs.filter(
      (l) => l.level === "error" && String(l.error).includes(`${DELETED_FILE} is damaged`),
    );
    assert.ok(logged.length >= 3, lines(server)); // the build, the DELETE and the PUT
  });

  it("refuses to start when there is no previous index, naming the file", async () => {
    const dir = await seedCopy();
    await writeFile(path.join(dir, DELETED_FILE), DAMAGED_LISTS.garbage);
    const server = await serverOn({ ARTICLES_DIR: dir, INDEX_DIR: path.join(await tempDir(), "index") }, "open");
    assert.notEqual(await exitOf(server), 0);
    const last = server.logs.find((l) => l.level === "error" && l.msg === "start-up failed");
    assert.ok(last && String(last.error).includes(`${DELETED_FILE} is damaged`), lines(server));
  });
});

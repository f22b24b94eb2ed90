import assert from "node:assert/strict";
import { writeFile } from "node:fs/promises";
import path from "node:path";
import { after, describe, it } from "node:test";
import { startFakeOpenAI } from "./support/fake-openai.ts";
import { seedCopy, startServer, tempDir } from "./support/helpers.ts";

/**
 * The server listens before its index is ready. Until then `/api/health` says "loading" with a
 * 503, every other route answers a clear 503, and once the index is loaded the whole API answers.
 * The build is held at its embedding step by an OpenAI-compatible embedding server that this
 * file runs, so "still loading" lasts exactly as long as the test wants.
 */
const fake = await startFakeOpenAI();
after(() => fake.close());

async function heldServer() {
  let release!: () => void;
  fake.embeddingsGate = new Promise<void>((resolve) => (release = resolve));
  const env = {
    ARTICLES_DIR: await seedCopy(),
    INDEX_DIR: path.join(await tempDir(), "index"),
    FEEDBACK_DIR: path.join(await tempDir(), "feedback"),
    OPENAI_API_KEY: "sk-test",
    OPENAI_BASE_URL: fake.baseURL,
    EMBEDDING_MODEL: "fake-embedding",
  };
  const server = await startServer(env, { until: "open" });
  after(async () => {
    release();
    server.child.kill("SIGKILL");
    await server.exited;
  });
  return { server, release };
}

describe("readiness while the index loads", () => {
  it("answers /api/health 503 loading, the API 503 not_ready and pages a Persian 503 until the index is loaded, then 200 ok", async () => {
    const { server, release } = await heldServer();

    const health = await fetch(`${server.url}/api/health`);
    assert.equal(health.status, 503);
    assert.deepEqual(await health.json(), { status: "loading" });
    assert.ok(health.headers.get("x-request-id"), "request ids from the first request on");

    const chat = await fetch(`${server.url}/api/chat`, {
      method: "POST",
      headers: { "content-type": "application/json", origin: "https://news.example" },
      body: JSON.stringify({ question: "قم چند شهرک صنعتی دارد؟" }),
    });
    assert.equal(chat.status, 503);
    assert.equal(chat.headers.get("retry-after"), "5");
    assert.equal(chat.headers.get("access-control-allow-origin"), "*", "the widget on another site can read the 503");
    assert.deepEqual(await chat.json(), {
      error: { code: "not_ready", message: "The server is still loading its index; try again in a few seconds" },
    });

    const page = await fetch(`${server.url}/articles/000_6460d26cea20ff96`);
    assert.equal(page.status, 503);
    assert.ok(page.headers.get("content-security-policy"));
    assert.match(await page.text(), /گفتگو در حال آماده شدن است/);

    release();
    await server.ready;
    const ready = await fetch(`${server.url}/api/health`);
    assert.equal(ready.status, 200);
    const body = (await ready.json()) as Record<string, unknown>;
    assert.deepEqual(
      { status: body.status, articles: body.articles, embedder: body.embedder },
      { status: "ok", articles: 5, embedder: "openai:fake-embedding" },
    );
    const answer = await fetch(`${server.url}/api/chat`, {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: JSON.stringify({ question: "قم چند شهرک صنعتی دارد؟" }),
    });
    assert.equal(answer.status, 200);
    assert.match(((await answer.json()) as { answer: string }).answer, /^هفت شهرک صنعتی/);
  });

  it("ends cleanly on SIGTERM while still loading", async () => {
    const { server } = await heldServer();
    assert.equal((await fetch(`${server.url}/api/health`)).status, 503);
    server.child.kill("SIGTERM");
    assert.equal(await server.exited, 0);
  });

  it("keeps answering /api/health within a moment while it builds a larger index with the local embedder", async () => {
    // Building embeds every chunk, seconds of CPU: it runs off the main thread, so the server
    // still answers "loading" at once instead of stalling until the build is over.
    const articlesDir = await tempDir("goftogu-articles-");
    const lines = Array.from({ length: 40 }, (_, i) =>
      JSON.stringify({
        id: `n${i}`,
        title: `گزارش شماره ${i} از بازار کار`,
        text: `گزارش شماره ${i}: ${"در این هفته بازار کار استان با رشد اشتغال و صادرات همراه بود و کارشناسان از ادامه این روند خبر دادند. ".repeat(20)}`,
      }),
    );
    await writeFile(path.join(articlesDir, "many.jsonl"), lines.join("\n"));
    const server = await startServer(
      {
        ARTICLES_DIR: articlesDir,
        INDEX_DIR: path.join(await tempDir(), "index"),
        FEEDBACK_DIR: path.join(await tempDir(), "feedback"),
      },
      { until: "open" },
    );
    after(async () => {
      server.child.kill("SIGKILL");
      await server.exited;
    });
    let loading = 0;
    let slowest = 0;
    for (;;) {
      const started = performance.now();
      const res = await fetch(`${server.url}/api/health`);
      slowest = Math.max(slowest, performance.now() - started);
      const body = (await res.json()) as { status: string };
      if (res.status === 200) {
        assert.equal(body.status, "ok");
        break;
      }
      assert.deepEqual([res.status, body.status], [503, "loading"]);
      loading++;
      await new Promise((resolve) => setTimeout(resolve, 50));
    }
    assert.ok(
      server.logs.some((l) => l.msg === "index built"),
      "the index was built while the test asked",
    );
    assert.ok(loading >= 5, `only ${loading} answers while loading`);
    assert.ok(slowest < 1000, `a health check took ${Math.round(slowest)} ms while the index was built`);
  });
});

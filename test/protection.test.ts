import assert from "node:assert/strict";
import path from "node:path";
import { after, describe, it } from "node:test";
import { Hono } from "hono";
import { loadConfig, type ProxyTrust } from "../core/config.ts";
import { openIndex } from "../core/corpus/embedded/store.ts";
import { buildIndex } from "../ingest/build.ts";
import { createApp } from "../server/app.ts";
import { ApiError, errorBody } from "../server/errors.ts";
import { rateLimit } from "../server/rate-limit.ts";
import { FeedbackStore } from "../server/feedback.ts";
import { Assistant } from "../answer/assistant.ts";
import { post, seedCopy, SEEDS_DIR, startServer, tempDir, type RunningServer } from "./support/helpers.ts";
import { HnswlibCorpus } from "../core/corpus/embedded/corpus.ts";

function limited(perMinute: number, trustProxy: ProxyTrust, clock: { t: number }) {
  const app = new Hono();
  app.use(
    "*",
    rateLimit({ perMinute, trustProxy }, () => clock.t),
  );
  app.get("/", (c) => c.text("ok"));
  app.onError((err, c) =>
    err instanceof ApiError ? c.json(errorBody(err.code, err.message), err.status) : c.text("boom", 500),
  );
  return (headers: Record<string, string> = {}) => app.request("/", { headers });
}

describe("rate limiting", () => {
  it("answers 429 with Retry-After past the limit, and lets the client in again once the bucket refills", async () => {
    const clock = { t: 0 };
    const get = limited(3, { hops: 0 }, clock);
    for (let i = 0; i < 3; i++) assert.equal((await get()).status, 200);
    const refused = await get();
    assert.equal(refused.status, 429);
    assert.equal(refused.headers.get("retry-after"), "20");
    assert.deepEqual(await refused.json(), {
      error: { code: "rate_limited", message: "Too many requests: try again in 20 s" },
    });
    clock.t += 20_000;
    assert.equal((await get()).status, 200);
    assert.equal((await get()).status, 429);
  });

  it("believes X-Forwarded-For only when told to trust the proxy", async () => {
    const clock = { t: 0 };
    const untrusted = limited(1, { hops: 0 }, clock);
    assert.equal((await untrusted({ "x-forwarded-for": "203.0.113.1" })).status, 200);
    assert.equal(
      (await untrusted({ "x-forwarded-for": "203.0.113.2" })).status,
      429,
      "a forged header is not a new client",
    );
  });

  it("behind one proxy, counts the address that proxy appended, whatever the client wrote before it", async () => {
    const clock = { t: 0 };
    const get = limited(1, { hops: 1 }, clock);
    assert.equal((await get({ "x-forwarded-for": "198.51.100.7" })).status, 200);
    // The client's own X-Forwarded-For comes first; the proxy appends the address it saw.
    assert.equal(
      (await get({ "x-forwarded-for": "203.0.113.1, 198.51.100.7" })).status,
      429,
      "a forged leftmost entry is not a new client",
    );
    assert.equal((await get({ "x-forwarded-for": "203.0.113.2, 198.51.100.7" })).status, 429);
    assert.equal(
      (await get({ "x-forwarded-for": "203.0.113.2, 198.51.100.8" })).status,
      200,
      "another client, as the proxy says",
    );
  });

  it("behind two proxies, counts the address the outer one appended", async () => {
    const clock = { t: 0 };
    const get = limited(1, { hops: 2 }, clock);
    assert.equal((await get({ "x-forwarded-for": "198.51.100.7, 10.0.0.5" })).status, 200);
    assert.equal((await get({ "x-forwarded-for": "1.1.1.1, 198.51.100.7, 10.0.0.5" })).status, 429);
    assert.equal((await get({ "x-forwarded-for": "1.1.1.1, 2.2.2.2, 198.51.100.7, 10.0.0.6" })).status, 429);
  });

  it("reads TRUST_PROXY as a number of proxies or a list of their addresses, and refuses anything else", () => {
    assert.deepEqual(loadConfig({}).trustProxy, { hops: 0 });
    assert.deepEqual(loadConfig({ TRUST_PROXY: "false" }).trustProxy, { hops: 0 });
    assert.deepEqual(loadConfig({ TRUST_PROXY: "2" }).trustProxy, { hops: 2 });
    assert.deepEqual(loadConfig({ TRUST_PROXY: "10.0.0.0/8, 192.0.2.1,loopback" }).trustProxy, {
      addresses: ["10.0.0.0/8", "192.0.2.1", "loopback"],
    });
    const legacy = loadConfig({ TRUST_PROXY: "true" });
    assert.deepEqual(legacy.trustProxy, { hops: 1 });
    assert.match(legacy.warnings.join("\n"), /TRUST_PROXY=true is read as 1/);
    assert.throws(
      () => loadConfig({ TRUST_PROXY: "yes" }),
      /TRUST_PROXY: "yes" is neither a number of proxies nor an address/,
    );
    assert.throws(() => loadConfig({ TRUST_PROXY: "10.0.0.0/33" }), /TRUST_PROXY: "10.0.0.0\/33"/);
  });

  it("over real sockets, believes only the proxies TRUST_PROXY lists, by address", async () => {
    // The test connects from 127.0.0.1: with loopback trusted, that is the proxy.
    const articles = await seedCopy();
    const start = (trust: string) =>
      startServer({
        ARTICLES_DIR: articles,
        INDEX_DIR: path.join(articles, ".index"),
        FEEDBACK_DIR: path.join(articles, ".feedback"),
        RATE_LIMIT_PER_MINUTE: "1",
        TRUST_PROXY: trust,
      });
    const byAddress = await start("loopback, 10.0.0.0/8");
    after(() => byAddress.child.kill("SIGTERM"));
    const ask = (server: RunningServer, forwarded: string) =>
      fetch(`${server.url}/api/search`, {
        method: "POST",
        headers: { "content-type": "application/json", "x-forwarded-for": forwarded },
        body: JSON.stringify({ query: "قم" }),
      }).then((r) => r.status);
    assert.equal(await ask(byAddress, "203.0.113.9, 10.1.2.3"), 200);
    assert.equal(
      await ask(byAddress, "198.51.100.1, 203.0.113.9, 10.9.9.9"),
      429,
      "10.x is a proxy of ours, 203.0.113.9 the client: the entry before it is the client's own",
    );
    assert.equal(await ask(byAddress, "203.0.113.10"), 200, "another client");

    const untrusted = await start("0");
    after(() => untrusted.child.kill("SIGTERM"));
    assert.equal(await ask(untrusted, "203.0.113.9"), 200);
    assert.equal(await ask(untrusted, "203.0.113.10"), 429, "without TRUST_PROXY the header changes nothing");
  });

  it("gives ratings a bucket of their own, so rating answers does not use up a reader's questions", async () => {
    const indexDir = await tempDir();
    await buildIndex({ articlesDir: SEEDS_DIR, indexDir, embedder: { kind: "local" } });
    const assistant = new Assistant(HnswlibCorpus.of(await openIndex(indexDir, { kind: "local" })), {
      answerer: { kind: "extractive" },
    });
    const store = new FeedbackStore(path.join(await tempDir(), "feedback"));
    after(() => store.close());
    const app = createApp(assistant, {
      log: () => {},
      feedback: store,
      rateLimit: { perMinute: 2, trustProxy: { hops: 0 } },
    });
    const rating = { rating: "up", question: "قم چند شهرک صنعتی دارد؟", answer: "هفت شهرک صنعتی [1]", citations: [] };
    assert.equal((await post(app, "/api/feedback", rating)).status, 201);
    assert.equal((await post(app, "/api/feedback", rating)).status, 201);
    assert.equal((await post(app, "/api/feedback", rating)).status, 429, "ratings are limited too");
    assert.equal(
      (await post(app, "/api/chat", { question: "قم چند شهرک صنعتی دارد؟" })).status,
      200,
      "the questions' bucket is untouched",
    );
    assert.equal((await post(app, "/api/search", { query: "قم" })).status, 200);
    assert.equal((await post(app, "/api/chat", { question: "قم چند شهرک صنعتی دارد؟" })).status, 429);
  });

  it("guards /api/chat and /api/search in the app, not the article list", async () => {
    const indexDir = await tempDir();
    await buildIndex({ articlesDir: SEEDS_DIR, indexDir, embedder: { kind: "local" } });
    const assistant = new Assistant(HnswlibCorpus.of(await openIndex(indexDir, { kind: "local" })), {
      answerer: { kind: "extractive" },
    });
    const logged: Array<Record<string, unknown>> = [];
    const app = createApp(assistant, {
      log: (e) => logged.push(e),
      rateLimit: { perMinute: 2, trustProxy: { hops: 0 } },
    });
    assert.equal((await post(app, "/api/chat", { question: "قم چند شهرک صنعتی دارد؟" })).status, 200);
    assert.equal((await post(app, "/api/search", { query: "قم" })).status, 200);
    const refused = await post(app, "/api/chat", { question: "قم چند شهرک صنعتی دارد؟" });
    assert.equal(refused.status, 429);
    assert.ok(Number(refused.headers.get("retry-after")) > 0);
    assert.equal((await app.request("/api/articles")).status, 200);

    // Every response carries a request id, a proxy's own id is kept, and each request is logged with it.
    const mine = await app.request("/api/health", { headers: { "x-request-id": "edge-42" } });
    assert.equal(mine.headers.get("x-request-id"), "edge-42");
    const made = await app.request("/api/health", { headers: { "x-request-id": "<script>" } });
    assert.match(made.headers.get("x-request-id") ?? "", /^[0-9a-f-]{36}$/);
    assert.ok(
      logged.some((e) => e.msg === "request" && e.id === "edge-42" && e.status === 200 && e.path === "/api/health"),
    );
    assert.ok(logged.some((e) => e.msg === "request" && e.status === 429 && e.path === "/api/chat"));
  });
});

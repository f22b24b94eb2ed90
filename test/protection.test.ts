import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { Hono } from "hono";
import { openIndex } from "../core/index-store.ts";
import { buildIndex } from "../ingest/build.ts";
import { createApp } from "../server/app.ts";
import { ApiError, errorBody } from "../server/errors.ts";
import { rateLimit } from "../server/rate-limit.ts";
import { createServices } from "../server/services.ts";
import { post, SEEDS_DIR, tempDir } from "./helpers.ts";

function limited(perMinute: number, trustProxy: boolean, clock: { t: number }) {
  const app = new Hono();
  app.use("*", rateLimit({ perMinute, trustProxy }, () => clock.t));
  app.get("/", (c) => c.text("ok"));
  app.onError((err, c) => (err instanceof ApiError ? c.json(errorBody(err.code, err.message), err.status) : c.text("boom", 500)));
  return (headers: Record<string, string> = {}) => app.request("/", { headers });
}

describe("rate limiting", () => {
  it("answers 429 with Retry-After past the limit, and lets the client in again once the bucket refills", async () => {
    const clock = { t: 0 };
    const get = limited(3, false, clock);
    for (let i = 0; i < 3; i++) assert.equal((await get()).status, 200);
    const refused = await get();
    assert.equal(refused.status, 429);
    assert.equal(refused.headers.get("retry-after"), "20");
    assert.deepEqual(await refused.json(), { error: { code: "rate_limited", message: "Too many requests: try again in 20 s" } });
    clock.t += 20_000;
    assert.equal((await get()).status, 200);
    assert.equal((await get()).status, 429);
  });

  it("believes X-Forwarded-For only when told to trust the proxy", async () => {
    const clock = { t: 0 };
    const untrusted = limited(1, false, clock);
    assert.equal((await untrusted({ "x-forwarded-for": "203.0.113.1" })).status, 200);
    assert.equal((await untrusted({ "x-forwarded-for": "203.0.113.2" })).status, 429, "a forged header is not a new client");
    const trusted = limited(1, true, clock);
    assert.equal((await trusted({ "x-forwarded-for": "203.0.113.1, 10.0.0.1" })).status, 200);
    assert.equal((await trusted({ "x-forwarded-for": "203.0.113.2" })).status, 200);
    assert.equal((await trusted({ "x-forwarded-for": "203.0.113.1" })).status, 429);
  });

  it("guards /api/chat and /api/search in the app, not the article list", async () => {
    const indexDir = await tempDir();
    await buildIndex({ articlesDir: SEEDS_DIR, indexDir, embedder: { kind: "local" } });
    const services = createServices(await openIndex(indexDir, { kind: "local" }), { answerer: { kind: "extractive" } });
    const logged: Array<Record<string, unknown>> = [];
    const app = createApp(services, { log: (e) => logged.push(e), rateLimit: { perMinute: 2, trustProxy: false } });
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
    assert.ok(logged.some((e) => e.msg === "request" && e.id === "edge-42" && e.status === 200 && e.path === "/api/health"));
    assert.ok(logged.some((e) => e.msg === "request" && e.status === 429 && e.path === "/api/chat"));
  });
});

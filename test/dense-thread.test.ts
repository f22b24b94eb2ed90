import assert from "node:assert/strict";
import { after, describe, it } from "node:test";
import { loadConfig } from "../core/config.ts";
import { HnswlibCorpus } from "../core/corpus/hnswlib.ts";
import { openIndex } from "../core/index-store.ts";
import { buildIndex } from "../ingest/build.ts";
import { createApp } from "../server/app.ts";
import { createServices } from "../server/services.ts";
import { seedCopy, tempDir } from "./helpers.ts";

const TOKEN = "test-admin-token-0123456789";
const ANZALI = { title: "رکورد تازه بندر انزلی", text: "بندر انزلی امسال پذیرای ۴۷۰ کشتی تجاری بود و حجم کالای تخلیه شده در این بندر به ۳ میلیون تن رسید.", source: "ایرنا" };
const QUESTIONS = ["ارزش صادرات قزوین چقدر بود؟", "بندر انزلی امسال پذیرای چند کشتی بود؟", "تیم ملی فوتبال", "قیمت طلا"];

/** The seed index opened on its own, served with the article management API, vector searches on a thread or not. */
async function served(searchThread: "on" | "off") {
  const articlesDir = await seedCopy();
  const indexDir = await tempDir("goftogu-index-");
  await buildIndex({ articlesDir, indexDir, embedder: { kind: "local" } });
  const corpus = HnswlibCorpus.of(await openIndex(indexDir, { kind: "local" }), { searchThread });
  after(() => corpus.close());
  const app = createApp(createServices(corpus, { answerer: { kind: "extractive" } }), { log: () => {}, admin: { token: TOKEN, articlesDir } });
  const send = (method: string, url: string, body?: unknown) =>
    app.request(url, { method, headers: { "content-type": "application/json", authorization: `Bearer ${TOKEN}` }, ...(body !== undefined && { body: JSON.stringify(body) }) });
  const embedder = await corpus.embedder();
  const nearest = async (question: string) => (await corpus.nearest(await embedder.embedQuery(question), 5)).map((h) => ({ id: h.chunk.id, score: h.score }));
  return { corpus, send, nearest };
}

describe("vector search on a thread of its own (DENSE_SEARCH_THREAD)", () => {
  it("finds what the in-process search finds, before and after articles are published, replaced and deleted", async () => {
    const [threaded, inProcess] = await Promise.all([served("on"), served("off")]);
    assert.equal(await threaded.corpus.searchThreadReady(), true, "the thread read the graph");
    assert.equal(await inProcess.corpus.searchThreadReady(), false);
    const same = async (when: string) => {
      for (const q of QUESTIONS) assert.deepEqual(await threaded.nearest(q), await inProcess.nearest(q), `${when}: «${q}»`);
    };
    await same("as built");

    for (const s of [threaded, inProcess]) assert.equal((await s.send("PUT", "/api/articles/anzali-1", ANZALI)).status, 200);
    await same("after publishing");
    assert.match((await threaded.nearest("بندر انزلی امسال پذیرای چند کشتی بود؟"))[0]!.id, /^anzali-1/, "the published article is found at once");

    for (const s of [threaded, inProcess]) await s.send("PUT", "/api/articles/anzali-1", { ...ANZALI, text: ANZALI.text.replace("۴۷۰", "۵۱۲") });
    await same("after replacing");

    for (const s of [threaded, inProcess]) assert.equal((await s.send("DELETE", "/api/articles/anzali-1")).status, 204);
    await same("after deleting");
    assert.ok(!(await threaded.nearest("بندر انزلی امسال پذیرای چند کشتی بود؟")).some((h) => h.id.startsWith("anzali-1")), "the deleted article is not found");
  });

  it("is not started for a small archive unless asked, and the setting is checked", async () => {
    const indexDir = await tempDir("goftogu-index-");
    await buildIndex({ articlesDir: await seedCopy(), indexDir, embedder: { kind: "local" } });
    assert.equal(await HnswlibCorpus.of(await openIndex(indexDir, { kind: "local" })).searchThreadReady(), false, "auto: the seeds are far below THREAD_MIN_CHUNKS");
    assert.deepEqual(loadConfig({ DENSE_SEARCH_THREAD: "off" }).store, { kind: "embedded", searchThread: "off" });
    assert.throws(() => loadConfig({ DENSE_SEARCH_THREAD: "yes" }), /DENSE_SEARCH_THREAD: must be "auto", "on" or "off"/);
  });
});

import assert from "node:assert/strict";
import { after, describe, it } from "node:test";
import { loadConfig } from "../core/config.ts";
import { HnswlibCorpus } from "../core/corpus/embedded/corpus.ts";
import { openIndex } from "../core/corpus/embedded/store.ts";
import { analyzeTokens } from "../core/persian/tokens.ts";
import { buildIndex } from "../ingest/build.ts";
import { adminApp, seedCopy, tempDir } from "./support/helpers.ts";

const ANZALI = {
  title: "رکورد تازه بندر انزلی",
  text: "بندر انزلی امسال پذیرای ۴۷۰ کشتی تجاری بود و حجم کالای تخلیه شده در این بندر به ۳ میلیون تن رسید.",
  source: "ایرنا",
};
const QUESTIONS = [
  "ارزش صادرات قزوین چقدر بود؟",
  "بندر انزلی امسال پذیرای چند کشتی بود؟",
  "تیم ملی فوتبال",
  "قیمت طلا",
];

/** The seed index opened on its own, served with the article management API, vector and BM25F searches on threads or not. */
async function served(threads: "on" | "off") {
  const articlesDir = await seedCopy();
  const indexDir = await tempDir("goftogu-index-");
  await buildIndex({ articlesDir, indexDir, embedder: { kind: "local" } });
  const corpus = HnswlibCorpus.of(await openIndex(indexDir, { kind: "local" }), {
    searchThread: threads,
    lexicalThread: threads,
  });
  after(() => corpus.close());
  const { send } = adminApp(corpus, articlesDir);
  const embedder = await corpus.embedder();
  const nearest = async (question: string) =>
    (await corpus.nearest(await embedder.embedQuery(question), 5)).map((h) => ({ id: h.chunk.id, score: h.score }));
  const lexical = async (question: string, articleId?: string) =>
    (
      await corpus.lexical(
        analyzeTokens(question).map((t) => t.term),
        5,
        articleId,
      )
    ).map((h) => ({ id: h.chunk.id, score: h.score }));
  const search = async (query: string) =>
    ((await (await send("POST", "/api/search", { query, k: 5 })).json()) as { results: unknown[] }).results;
  return { corpus, send, nearest, lexical, search };
}

describe("vector and BM25F searches on threads of their own (DENSE_SEARCH_THREAD, LEXICAL_SEARCH_THREAD)", () => {
  it("find what the in-process searches find, before and after articles are published, replaced and deleted", async () => {
    const [threaded, inProcess] = await Promise.all([served("on"), served("off")]);
    assert.equal(await threaded.corpus.searchThreadReady(), true, "the dense thread read the graph");
    assert.equal(await threaded.corpus.lexicalThreadReady(), true, "the lexical thread opened BM25F");
    assert.equal(await inProcess.corpus.searchThreadReady(), false);
    assert.equal(await inProcess.corpus.lexicalThreadReady(), false);
    const same = async (when: string) => {
      for (const q of QUESTIONS) {
        assert.deepEqual(await threaded.nearest(q), await inProcess.nearest(q), `${when}, vectors: «${q}»`);
        assert.deepEqual(await threaded.lexical(q), await inProcess.lexical(q), `${when}, BM25F: «${q}»`);
        assert.deepEqual(
          await threaded.lexical(q, "anzali-1"),
          await inProcess.lexical(q, "anzali-1"),
          `${when}, BM25F in one article: «${q}»`,
        );
        assert.deepEqual(await threaded.search(q), await inProcess.search(q), `${when}, /api/search: «${q}»`);
      }
    };
    await same("as built");

    for (const s of [threaded, inProcess])
      assert.equal((await s.send("PUT", "/api/articles/anzali-1", ANZALI)).status, 200);
    await same("after publishing");
    assert.match(
      (await threaded.nearest("بندر انزلی امسال پذیرای چند کشتی بود؟"))[0]!.id,
      /^anzali-1/,
      "the published article is found at once",
    );
    assert.match(
      (await threaded.lexical("بندر انزلی امسال پذیرای چند کشتی بود؟"))[0]!.id,
      /^anzali-1/,
      "and by its words",
    );

    for (const s of [threaded, inProcess])
      await s.send("PUT", "/api/articles/anzali-1", { ...ANZALI, text: ANZALI.text.replace("۴۷۰", "۵۱۲") });
    await same("after replacing");

    for (const s of [threaded, inProcess]) assert.equal((await s.send("DELETE", "/api/articles/anzali-1")).status, 204);
    await same("after deleting");
    assert.ok(
      !(await threaded.nearest("بندر انزلی امسال پذیرای چند کشتی بود؟")).some((h) => h.id.startsWith("anzali-1")),
      "the deleted article is not found",
    );
    assert.ok(
      !(await threaded.lexical("بندر انزلی امسال پذیرای چند کشتی بود؟")).some((h) => h.id.startsWith("anzali-1")),
      "nor by its words",
    );
  });

  it("is not started for a small archive unless asked, and the setting is checked", async () => {
    const indexDir = await tempDir("goftogu-index-");
    await buildIndex({ articlesDir: await seedCopy(), indexDir, embedder: { kind: "local" } });
    const corpus = HnswlibCorpus.of(await openIndex(indexDir, { kind: "local" }));
    assert.equal(await corpus.searchThreadReady(), false, "auto: the seeds are far below THREAD_MIN_CHUNKS");
    assert.equal(await corpus.lexicalThreadReady(), false, "auto: the same for BM25F");
    assert.deepEqual(loadConfig({ DENSE_SEARCH_THREAD: "off", LEXICAL_SEARCH_THREAD: "on" }).store, {
      kind: "embedded",
      searchThread: "off",
      lexicalThread: "on",
    });
    assert.throws(
      () => loadConfig({ DENSE_SEARCH_THREAD: "yes" }),
      /DENSE_SEARCH_THREAD: must be "auto", "on" or "off"/,
    );
    assert.throws(
      () => loadConfig({ LEXICAL_SEARCH_THREAD: "2" }),
      /LEXICAL_SEARCH_THREAD: must be "auto", "on" or "off"/,
    );
  });
});

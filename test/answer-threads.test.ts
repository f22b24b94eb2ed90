import assert from "node:assert/strict";
import { availableParallelism } from "node:os";
import { after, describe, it } from "node:test";
import { Assistant, type Question } from "../answer/assistant.ts";
import { loadConfig } from "../core/config.ts";
import { HnswlibCorpus } from "../core/corpus/embedded/corpus.ts";
import { openIndex } from "../core/corpus/embedded/store.ts";
import { buildIndex } from "../ingest/build.ts";
import { same, SEEDS_DIR, tempDir, withSeedServer } from "./support/helpers.ts";

const A001 = "001_ac32e4e684eddc00"; // ایرنا, 2022-08-23: governor محمد مهدی اعلایی
const A002 = "002_804e4a69935f094f"; // Qom exports in Farvardin and Ordibehesht
const A004 = "004_6f85bbe77279df80"; // the government spokesperson's visit

/** Every path of the extractive answerer: kinds of question, the reader's article, a conversation, a comparison, a refusal. */
const QUESTIONS: Question[] = [
  { question: "سخنگوی دولت کیست؟", history: [] },
  { question: "صادرات قم در فروردین و اردیبهشت", history: [] },
  { question: "ارزش صادرات قزوین چقدر بود؟", history: [] },
  { question: "صادرات قزوین و قم را مقایسه کن", history: [] },
  { question: "استاندار قزوین کیست؟", history: [], articleId: A001 },
  { question: "این خبر کی منتشر شده؟", history: [], articleId: A001 },
  { question: "خلاصه این خبر چیست؟", history: [], articleId: A002 },
  {
    question: "چند روز برپاست؟",
    history: [
      { role: "user", content: "نمایشگاه کتاب قزوین کجا برگزار می‌شود؟" },
      { role: "assistant", content: "در محل دائمی نمایشگاه‌ها [1]" },
    ],
  },
  { question: "قیمت طلا در بازار امروز چند است؟", history: [] },
];

async function seedCorpus() {
  const indexDir = await tempDir("goftogu-index-");
  await buildIndex({ articlesDir: SEEDS_DIR, indexDir, embedder: { kind: "local" } });
  return HnswlibCorpus.of(await openIndex(indexDir, { kind: "local" }));
}

describe("answers written on threads of their own (WORKERS)", () => {
  it("are the answers the main thread writes, for every kind of question", async () => {
    const corpus = await seedCorpus();
    const here = new Assistant(corpus, { answerer: { kind: "extractive" }, workers: 0 });
    const threaded = new Assistant(corpus, { answerer: { kind: "extractive" }, workers: 2 });
    after(() => threaded.close());
    assert.equal(await here.answerThreads(), 0);
    assert.equal(await threaded.answerThreads(), 2);

    for (const q of QUESTIONS) {
      const expected = (await here.ask(q, { reuse: false })).answer;
      const { answer, reused } = await threaded.ask(q, { reuse: false });
      assert.equal(reused, "miss");
      assert.deepEqual(answer, expected, q.question);
    }
    // Not a vacuous equality: the threads did answer, and rightly.
    const spokesperson = (await threaded.ask(QUESTIONS[0]!, { reuse: false })).answer;
    assert.equal(spokesperson.found, true, spokesperson.answer);
    assert.equal(same(spokesperson.short ?? ""), same("فاطمه مهاجرانی"));
    assert.equal(spokesperson.citations[0]!.articleId, A004);
    const qom = (await threaded.ask(QUESTIONS[1]!, { reuse: false })).answer;
    assert.ok(same(qom.short ?? "").includes(same("۳۴ میلیون و ۳۶۸ هزار و ۷۱۰ دلار")), qom.answer);
    assert.equal(qom.citations[0]!.articleId, A002);
  });

  it("keep answering on the main thread once the threads are stopped, and keep the answer cache", async () => {
    const corpus = await seedCorpus();
    const assistant = new Assistant(corpus, { answerer: { kind: "extractive" }, workers: 2 });
    const first = await assistant.ask(QUESTIONS[1]!);
    assert.equal(first.reused, "miss");
    await assistant.close();
    assert.equal(await assistant.answerThreads(), 0);
    // Kept on the main thread, whoever wrote it.
    const again = await assistant.ask(QUESTIONS[1]!);
    assert.equal(again.reused, "hit");
    assert.deepEqual(again.answer, first.answer);
    const written = await assistant.ask(QUESTIONS[1]!, { reuse: false });
    assert.deepEqual(written.answer, first.answer);
  });

  it("npm start writes answers on a thread for every core but the main thread's by default, and on as many as WORKERS says", async () => {
    const started = (server: { logs: Array<Record<string, unknown>> }) =>
      server.logs.find((l) => typeof l.msg === "string" && l.msg.startsWith("Goftogu listening"));
    await withSeedServer({}, async (server, _health, ask) => {
      assert.equal(started(server)?.answerThreads, availableParallelism() - 1);
      const body = await ask("سخنگوی دولت کیست؟");
      assert.equal(body.found, true);
      assert.equal(same(body.short ?? ""), same("فاطمه مهاجرانی"));
    });
    await withSeedServer({ WORKERS: "3" }, async (server, _health, ask) => {
      assert.equal(started(server)?.answerThreads, 3);
      const body = await ask("صادرات قم در فروردین و اردیبهشت");
      assert.ok(same(body.short ?? "").includes(same("۳۴ میلیون و ۳۶۸ هزار و ۷۱۰ دلار")));
    });
    await withSeedServer({ WORKERS: "0" }, async (server) => {
      assert.equal(started(server)?.answerThreads, 0);
    });
  });

  it("WORKERS is checked at start-up", () => {
    assert.equal(loadConfig({}).workers, "auto");
    assert.equal(loadConfig({ WORKERS: "4" }).workers, 4);
    assert.equal(loadConfig({ WORKERS: " auto " }).workers, "auto");
    assert.throws(() => loadConfig({ WORKERS: "all" }), /WORKERS: must be "auto" or a whole number of threads/);
    assert.throws(() => loadConfig({ WORKERS: "-1" }), /WORKERS: must be "auto" or a whole number of threads/);
    assert.throws(() => loadConfig({ WORKERS: "500" }), /WORKERS: must be at most 64 threads/);
  });
});

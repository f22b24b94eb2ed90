import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import { readFileSync } from "node:fs";
import path from "node:path";
import { describe, it } from "node:test";
import { analyzeQuestion } from "../answer/question.ts";
import { writeFile } from "node:fs/promises";
import { Assistant } from "../answer/assistant.ts";
import { loadReader, readQuestion, WEIGHTS_FILE, type ReaderWeights } from "../answer/reader.ts";
import { HnswlibCorpus } from "../core/corpus/embedded/corpus.ts";
import { post, seedApp, tempDir, withSeedServer } from "./support/helpers.ts";

/**
 * The learned span reader (answer/reader.ts): which words of a sentence answer a question. The
 * sentences are news-like ones written for this test, not PQuAD's: the weights must carry over
 * from Wikipedia questions to the articles readers ask about.
 */
const ROOT = path.resolve(import.meta.dirname, "..");
const reader = loadReader();
const read = (question: string, sentence: string, limit = 1) =>
  reader.read(sentence, readQuestion(question, analyzeQuestion(question).kind), limit);

const CASES: Array<[question: string, sentence: string, answer: string]> = [
  [
    "آکادمی فوتبال با چه هدفی تأسیس شد؟",
    "این آکادمی فوتبال در سال ۱۳۷۹ با هدف کشف و پرورش بازیکنان جوان استان تأسیس شد.",
    "با هدف کشف و پرورش بازیکنان جوان استان",
  ],
  [
    "رقیب اصلی این شرکت در بازار داخلی کدام شرکت بود؟",
    "رقیب اصلی این شرکت در بازار داخلی، شرکت پارس‌خودرو بود که سهم بیشتری داشت.",
    "شرکت پارس‌خودرو",
  ],
  [
    "مهم‌ترین مشکل صنایع کوچک استان چیست؟",
    "به گفته وی مهم‌ترین مشکل صنایع کوچک استان تأمین سرمایه در گردش است.",
    "تأمین سرمایه در گردش",
  ],
  [
    "سد تنگاب روی کدام رودخانه ساخته شده است؟",
    "سد تنگاب روی رودخانه فیروزآباد ساخته شده و آب کشاورزی دشت را تأمین می‌کند.",
    "رودخانه فیروزآباد",
  ],
  [
    "چرا کارخانه تعطیل شد؟",
    "کارخانه به دلیل کمبود مواد اولیه و بدهی‌های بانکی تعطیل شد.",
    "کمبود مواد اولیه و بدهی‌های بانکی",
  ],
];

describe("the span reader", () => {
  for (const [question, sentence, answer] of CASES) {
    it(`«${question}» → «${answer}»`, () => {
      assert.equal(read(question, sentence)[0]?.text, answer);
    });
  }

  it("chooses between a sentence's dates by the words beside them", () => {
    // What the answerer asks of it when the rules find two dates (extractive.ts).
    const question = "نمایشگاه در چه سالی افتتاح شد؟";
    const sentence = "ساختمان اصلی نمایشگاه در سال ۱۳۹۸ ساخته شد و در سال ۱۴۰۱ افتتاح شد.";
    const dates = ["سال ۱۳۹۸", "سال ۱۴۰۱"].map((text) => {
      const start = sentence.indexOf(text);
      return { text, start, end: start + text.length };
    });
    const [built, opened] = reader.scoreSpans(sentence, readQuestion(question, analyzeQuestion(question).kind), dates);
    assert.ok(opened! > built!, `«سال ۱۴۰۱» ${opened} against «سال ۱۳۹۸» ${built}`);
  });

  it("gives whole words of the sentence, within one sentence part, never led by «و» or ended by «در»", () => {
    for (const [question, sentence] of CASES) {
      const spans = read(question, sentence, 200);
      assert.ok(spans.length > 20, `${question}: ${spans.length} spans`);
      for (const s of spans) {
        assert.equal(sentence.slice(s.start, s.end), s.text);
        assert.doesNotMatch(sentence[s.start - 1] ?? " ", /[\p{L}\p{M}]/u, `starts mid-word: «${s.text}»`);
        assert.doesNotMatch(sentence[s.end] ?? " ", /[\p{L}\p{M}]/u, `ends mid-word: «${s.text}»`);
        assert.doesNotMatch(s.text, /[.؟!]/u);
        assert.doesNotMatch(s.text, /^و\s|\sدر$/u);
      }
      const total = spans.reduce((sum, s) => sum + s.p, 0);
      assert.ok(total > 0.5 && total <= 1 + 1e-9, `probabilities of the best spans add up to ${total}`);
    }
  });

  it("reads ZWNJ, Arabic letters and Latin digits as the article's own spelling", () => {
    const sentence = "رقیب اصلی این شرکت در بازار داخلی، شرکت پارس‌خودرو بود که سهم بیشتری داشت.";
    assert.equal(read("رقيب اصلي اين شركت در بازار داخلي كدام شركت بود؟", sentence)[0]?.text, "شرکت پارس‌خودرو");
  });
});

describe("the reader through POST /api/chat", async () => {
  const { app } = await seedApp();
  const chat = async (question: string) => {
    const res = await post(app, "/api/chat", { question });
    assert.equal(res.status, 200);
    return (await res.json()) as { found: boolean; short?: string; answer: string };
  };

  it("answers a question of no fixed kind with the words that answer it, not a phrase beside them", async () => {
    // The sentence gives the reason without a cause word («زیرا», «به دلیل»): the reader finds it.
    const body = await chat("چرا استان قم مورد توجه سرمایه گذاران است؟");
    assert.equal(body.found, true, body.answer);
    assert.equal(body.short, "داشتن زیر ساخت مناسب با وجود ۱۱ شهرک و ناحیه صنعتی");
  });

  it("answers «چرا» with the reason the article gives", async () => {
    const body = await chat("چرا ۶۳ واحد صنعتی کوچک در قم راکد شدند؟");
    assert.equal(body.found, true, body.answer);
    assert.match(body.short ?? "", /^به دلایلی از قبیل کیفیت و تکنولوژی دستگاهها، تامین منابع مالی/u);
  });
});

describe("the reader's weights", () => {
  it("when missing or damaged, leave the rules to mark short answers, and say why", async () => {
    const dir = await tempDir();
    const damaged = path.join(dir, "reader.json");
    await writeFile(damaged, '{"version":1,"weights":{"len0":"heavy"}}');
    const { index } = await seedApp();
    for (const [file, why] of [
      [path.join(dir, "missing.json"), /cannot read .*missing\.json/],
      [damaged, /reader\.json is not a span reader's weights .*run npm run train/],
    ] as const) {
      const assistant = new Assistant(HnswlibCorpus.of(index), {
        answerer: { kind: "extractive" },
        spanReaderWeights: file,
      });
      assert.equal(assistant.answerer.id, "extractive (rules span)");
      assert.equal(assistant.warnings.length, 1);
      assert.match(assistant.warnings[0]!, why);
      assert.match(assistant.warnings[0]!, /SPAN_READER=rules/);
      const { answer } = await assistant.ask({ question: "قم چند شهرک صنعتی دارد؟", history: [] });
      assert.equal(answer.short, "هفت شهرک صنعتی");
    }
  });

  it("a server started with a missing weights file logs the warning and answers", async () => {
    await withSeedServer({ SPAN_READER_WEIGHTS: "/nonexistent/reader.json" }, async (server, health, ask) => {
      assert.ok(
        server.logs.some(
          (l) => l.level === "warn" && /span reader: cannot read \/nonexistent\/reader\.json/.test(String(l.msg)),
        ),
        JSON.stringify(server.logs),
      );
      assert.equal(health.answerer, "extractive (rules span)");
      assert.equal((await ask("قم چند شهرک صنعتی دارد؟")).short, "هفت شهرک صنعتی");
    });
  });

  it("are learned from PQuAD alone, with the licence and attribution beside them", () => {
    const model = JSON.parse(readFileSync(WEIGHTS_FILE, "utf8")) as ReaderWeights;
    assert.match(model.trainedOn, /^PQuAD train \(CC BY-SA 4\.0\)/);
    assert.doesNotMatch(model.trainedOn, /parsinlu/i);
    assert.ok(Object.keys(model.weights).length > 1000);
    const licence = readFileSync(path.join(path.dirname(WEIGHTS_FILE), "LICENSE"), "utf8");
    assert.match(licence, /CC BY-SA 4\.0/);
    assert.match(licence, /Darvishi/);
    assert.match(licence, /Nothing in these weights is learned from ParsiNLU/);
  });

  it("are what `npm run train` learns again from ../shared/train, to the last digit", () => {
    const run = spawnSync(process.execPath, ["--import", "tsx", "eval/train.ts", "--check", "--model", "reader"], {
      cwd: ROOT,
      encoding: "utf8",
    });
    assert.equal(run.status, 0, `${run.stdout}\n${run.stderr}`);
    assert.match(run.stdout, /reader\.json is reproduced exactly/);
    assert.match(run.stdout, /PQuAD train: \d{4} questions/);
  });
});

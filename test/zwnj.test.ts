import assert from "node:assert/strict";
import { readdir, readFile } from "node:fs/promises";
import path from "node:path";
import { describe, it } from "node:test";
import { METADATA_UNKNOWN, NOT_FOUND_ANSWER } from "../answer/extractive.ts";
import { REWRITE_PROMPT, SYSTEM_PROMPT } from "../answer/llm.ts";
import type { Article } from "../core/article.ts";
import { missingZwnj, writeZwnj } from "../core/persian/zwnj.ts";
import { SUMMARY_QUESTION, suggestQuestions } from "../ingest/suggest.ts";
import { articlePage, frontPage, loadingPage, notFoundPage } from "../server/pages.ts";
import { TEXT } from "../web/widget/text.ts";
import { SEEDS_DIR } from "./support/helpers.ts";

describe("writeZwnj", () => {
  it("writes the half-space the seed articles leave out", () => {
    for (const [written, expected] of [
      ["میخوای دربارهی", "می‌خوای درباره‌ی"],
      ["پیش بینی می شود", "پیش‌بینی می‌شود"],
      ["شهرک های صنعتی", "شهرک‌های صنعتی"],
      ["فرصتهای شغلی", "فرصت‌های شغلی"],
      ["نیاز شویندههای کشور", "نیاز شوینده‌های کشور"],
      ["واحد دانشبنیان", "واحد دانش‌بنیان"],
      ["پروانه بهرهبرداری", "پروانه بهره‌برداری"],
      ["مشکلات ریشه ای", "مشکلات ریشه‌ای"],
      ["مهمترین مشکل", "مهم‌ترین مشکل"],
      ["افزایش یافتهاست", "افزایش یافته است"],
      ["توانستهاند رقابت کنند", "توانسته‌اند رقابت کنند"],
      ["نمیتوان گفت", "نمی‌توان گفت"],
      ["نمایشگاههای بینالمللی", "نمایشگاه‌های بین‌المللی"],
    ]) {
      assert.equal(writeZwnj(written!), expected);
    }
  });

  it("leaves words that only look like they need one", () => {
    for (const word of [
      "تنها",
      "نهایی",
      "انتهای خبر",
      "میدان",
      "میلیون",
      "میلیارد",
      "میزان",
      "میانگین",
      "ویترین",
      "بیشترین",
      "بهترین",
      "کارها",
      "توجهی",
      "فقهی",
      "می‌شود",
      "شهرک‌ها",
      "بی هیچ",
    ]) {
      assert.equal(writeZwnj(word), word, word);
    }
  });

  it("asks for evidence of the stem, when given a vocabulary, before splitting «ها»", () => {
    const isWord = (w: string) => w === "فرصت";
    assert.equal(writeZwnj("فرصتهای", { isWord }), "فرصت‌های");
    assert.equal(writeZwnj("انجمنها", { isWord }), "انجمنها");
  });

  it("says what is missing, word by word", () => {
    assert.deepEqual(missingZwnj("سلام! میخوای دربارهی خبر بدونی؟"), [
      { written: "میخوای", expected: "می‌خوای" },
      { written: "دربارهی", expected: "درباره‌ی" },
    ]);
    assert.deepEqual(missingZwnj("پروژه ها پیش بینی"), [
      { written: "پروژه ها", expected: "پروژه‌ها" },
      { written: "پیش بینی", expected: "پیش‌بینی" },
    ]);
  });
});

/** An article written correctly, so only the pages' own words are checked. */
const SAMPLE: Article = {
  id: "sample",
  title: "صادرات استان",
  text: "متن خبر.",
  source: "ایرنا",
  publishedAt: "2025-12-15",
  url: "https://www.example.ir/news/1",
  suggestedQuestions: [],
};

/** The visible text of a page: no markup, no attribute values. */
function visibleText(html: string): string {
  return html
    .replace(/<style[\s\S]*?<\/style>/gu, " ")
    .replace(/<[^>]+>/gu, " ")
    .replace(/&[a-z]+;/gu, " ");
}

/** Every text Goftogu itself shows a reader, by where it is shown. */
const FIXED_TEXTS: Record<string, string[]> = {
  widget: Object.values(TEXT).map((t) => (typeof t === "function" ? (t as (title: string) => string)("عنوان") : t)),
  "demo site": [
    visibleText(frontPage([SAMPLE])),
    visibleText(frontPage([])),
    visibleText(articlePage(SAMPLE)),
    visibleText(notFoundPage()),
    visibleText(loadingPage()),
  ],
  answers: [NOT_FOUND_ANSWER, ...Object.values(METADATA_UNKNOWN), SUMMARY_QUESTION],
  "model prompts": [SYSTEM_PROMPT, REWRITE_PROMPT],
};

describe("Goftogu's own Persian", () => {
  for (const [where, texts] of Object.entries(FIXED_TEXTS)) {
    it(`writes ZWNJ where Persian does: the ${where}`, () => {
      assert.ok(texts.length > 0);
      const missing = texts.flatMap((t) =>
        missingZwnj(t).map((m) => `«${m.written}» → «${m.expected}» in «${t.slice(0, 60)}»`),
      );
      assert.deepEqual(missing, []);
    });
  }

  it("writes ZWNJ in the questions it suggests from articles that have none", async () => {
    const files = (await readdir(SEEDS_DIR)).filter((f) => f.endsWith(".txt"));
    assert.ok(files.length >= 5);
    for (const file of files) {
      const text = await readFile(path.join(SEEDS_DIR, file), "utf8");
      assert.ok(!text.includes("\u200c"), `${file} is expected to have no ZWNJ, as published`);
      for (const question of suggestQuestions({ text })) assert.deepEqual(missingZwnj(question), [], question);
    }
  });
});

import assert from "node:assert/strict";
import { mkdir, writeFile } from "node:fs/promises";
import path from "node:path";
import { describe, it } from "node:test";
import { cleanPage } from "../ingest/clean.ts";
import { prepareArticle } from "../ingest/prepare.ts";
import { readCorpus } from "../ingest/read.ts";
import { FURNITURE, SEEDS_DIR, tempDir } from "./support/helpers.ts";

const { articles: sources } = await readCorpus(SEEDS_DIR);
const seeds = new Map(sources.map((s) => [s.id, prepareArticle(s)]));

/** What each seed page must yield: pinned, so a change to cleaning shows up here first. */
const EXPECTED = {
  "000_6460d26cea20ff96": {
    title: "۲۶۳ میلیون دلار کالا از قزوین صادر شد",
    source: "تسنیم",
    publishedAt: undefined,
    newsId: undefined,
    startsWith: "به گزارش خبرگزاری تسنیم از قزوین، جلسه کارگروه",
    endsWith: "در استان برنامه ریزی صورت گیرد.",
  },
  "001_ac32e4e684eddc00": {
    title: "استاندار قزوین: صنایع کوچک نقش مهمی در افزایش صادرات غیرنفتی دارند",
    source: "ایرنا",
    publishedAt: "2022-08-23T22:21:00+04:30",
    newsId: "644699",
    startsWith: "قزوین - ایرنا - استاندار قزوین گقت",
    endsWith: "در محل دائمی نمایشگاهها برپا خواهد بود.",
  },
  "002_804e4a69935f094f": {
    title: "مدیرکل صنعت، معدن و تجارت قم: تولید محصولات صادراتی در قم افزایش یافتهاست",
    source: "باشگاه خبرنگاران جوان",
    publishedAt: undefined,
    newsId: undefined,
    startsWith: "مدیرکل صنعت، معدن و تجارت قم گفت:",
    endsWith: "از مهمترین اولویتهای استان برای تحقق پیشرفتهای اقتصادی است.",
  },
  "003_5e0f5a173f3dffd5": {
    title: "اکبر ابدالی مدیرکل صنعت، معدن و تجارت استان قم: صنعت، معدن و تجارت کشور یک حوزه بسیار بزرگی تلقی میشود",
    source: "باشگاه خبرنگاران جوان",
    publishedAt: undefined,
    newsId: undefined,
    startsWith: "باشگاه خبرنگاران جوان؛زهره شعبانی _اکبر ابدالی",
    endsWith: "افزایش قیمت محصولات صنعتی را تجربه نکنند.",
  },
  "004_6f85bbe77279df80": {
    title: "استاندار قزوین: هم اکنون ۱۴۰ واحد دانشبنیان در سطح استان فعالیت دارند",
    source: "باشگاه خبرنگاران جوان",
    publishedAt: "2025-12-15",
    newsId: undefined,
    startsWith: "استاندار قزوین با اشاره به برنامههای حمایتی",
    endsWith: "از برنامههای فاطمه مهاجرانی در سفر به استان قزوین خواهد بود.",
  },
} as const;

describe("cleaning and metadata of each seed page", () => {
  for (const [id, expected] of Object.entries(EXPECTED)) {
    describe(id, () => {
      const article = seeds.get(id)!;

      it("has the article's title, source, date and news id", () => {
        assert.equal(article.title, expected.title);
        assert.equal(article.source, expected.source);
        assert.equal(article.publishedAt, expected.publishedAt);
        assert.equal(article.newsId, expected.newsId);
      });

      it("keeps the story from its first to its last sentence", () => {
        assert.ok(article.text.startsWith(expected.startsWith), article.text.slice(0, 80));
        assert.ok(article.text.endsWith(expected.endsWith), article.text.slice(-80));
      });

      it("contains none of the page furniture", () => {
        for (const f of FURNITURE) assert.ok(!article.text.includes(f), `found «${f}»`);
        assert.ok(!article.text.includes(" date "), "date prefix left in text");
      });
    });
  }

  it("keeps the headline out of the text when the page has one", () => {
    assert.ok(!seeds.get("000_6460d26cea20ff96")!.text.includes("۲۶۳ میلیون دلار کالا از قزوین صادر شد"));
  });

  it("keeps subheadings of the story (they are the article's own text)", () => {
    assert.ok(seeds.get("003_5e0f5a173f3dffd5")!.text.includes("فعالیت ۴۵هزار واحد صنفی در استان قم"));
  });
});

describe("cleanPage", () => {
  it("keeps a short first line as text when the article names its title", () => {
    const raw = "پاراگراف کوتاه اول بدون نقطه\nپاراگراف دوم خبر.";
    assert.equal(cleanPage(raw).facts.headline, "پاراگراف کوتاه اول بدون نقطه");
    assert.equal(cleanPage(raw, { hasTitle: true }).text, "پاراگراف کوتاه اول بدون نقطه\n\nپاراگراف دوم خبر.");
  });

  it("reads the title from the chat greeting when the page has one", () => {
    const page = cleanPage(
      "متن خبر اول.\nمتن دوم.\nگفتگو با هوش مصنوعی\n💬 سلام! میخوای دربارهی «عنوان خبر» بیشتر بدونی؟ من اینجام که راهنماییت کنم.",
    );
    assert.equal(page.facts.greetingTitle, "عنوان خبر");
    assert.equal(page.text, "متن خبر اول.\n\nمتن دوم.");
  });

  it("drops everything after an end marker, even written with ZWNJ", () => {
    const page = cleanPage("خبر اصلی اینجاست.\nمهم‌ترین اخبار ایران و جهان:\nیک تیتر دیگر");
    assert.equal(page.text, "خبر اصلی اینجاست.");
  });

  it("collapses runs of spaces in the text", () => {
    assert.equal(cleanPage("افزود :  استان  قزوین").text, "افزود : استان قزوین");
  });
});

describe("reading JSONL exports", () => {
  it("reads articles with text or body, derives stable ids and reports bad lines", async () => {
    const dir = await tempDir();
    await mkdir(dir, { recursive: true });
    const lines = [
      JSON.stringify({
        id: "cms-1",
        title: "عنوان یک",
        text: "متن خبر یک.",
        url: "https://example.ir/1",
        source: "ایسنا",
        publishedAt: "2025-01-02T10:00:00Z",
      }),
      JSON.stringify({ title: "بدون شناسه", body: "متن خبر دو.", url: "", publishedAt: "" }),
      "{not json",
      JSON.stringify({ id: "cms-3", text: "" }),
      JSON.stringify({ id: "cms-4", text: "متن", publishedAt: "دیروز" }),
    ];
    await writeFile(path.join(dir, "export.jsonl"), lines.join("\n"));
    const first = await readCorpus(dir);
    const second = await readCorpus(dir);
    assert.deepEqual(first.articles.map((a) => a.id).slice(0, 1), ["cms-1"]);
    assert.equal(first.articles.length, 2);
    assert.match(first.articles[1]!.id, /^a[0-9a-f]{15}$/);
    assert.equal(first.articles[1]!.id, second.articles[1]!.id, "derived id is stable");
    assert.deepEqual(first.problems, [
      "export.jsonl:3: not valid JSON, skipped",
      "export.jsonl:4: has no text (or body), skipped",
      'export.jsonl:5: field "publishedAt" is not an ISO-8601 date, skipped',
    ]);
    const prepared = prepareArticle(first.articles[0]!);
    assert.equal(prepared.title, "عنوان یک");
    assert.equal(first.articles[1]!.url, undefined, "an empty string means not given");
    assert.equal(prepared.source, "ایسنا");
    assert.equal(prepared.url, "https://example.ir/1");
  });

  it("keeps an article whose url is not http(s) but drops the url, with a warning; NUL is no character of an article", async () => {
    const dir = await tempDir();
    const lines = [
      JSON.stringify({ id: "js", title: "خبر", text: "متن خبر یک.", url: "JavaScript:alert(document.domain)" }),
      JSON.stringify({ id: "tab", text: "متن خبر دو.", url: "java\tscript:alert(1)" }),
      JSON.stringify({ id: "data", text: "متن خبر سه.", url: "data:text/html,<script>alert(1)</script>" }),
      JSON.stringify({ id: "relative", text: "متن خبر چهار.", url: "/news/4" }),
      JSON.stringify({ id: "ok", text: "متن خبر پنج.", url: "HTTPS://www.example.ir/news/5?a=1" }),
      JSON.stringify({ id: "nul", text: "متن\u0000خبر" }),
    ];
    await writeFile(path.join(dir, "export.jsonl"), lines.join("\n"));
    await writeFile(path.join(dir, "page.txt"), "متن\u0000 خبر شش.");
    const { articles, problems } = await readCorpus(dir);
    assert.deepEqual(
      articles.map((a) => [a.id, a.url]),
      [
        ["js", undefined],
        ["tab", undefined],
        ["data", undefined],
        ["relative", undefined],
        ["ok", "HTTPS://www.example.ir/news/5?a=1"],
        ["page", undefined],
      ],
    );
    assert.equal(
      problems.filter((p) =>
        /field "url" must be an http:\/\/ or https:\/\/ address, not ".+"; the url is left out$/.test(p),
      ).length,
      4,
      problems.join("\n"),
    );
    assert.ok(
      problems.includes(
        'export.jsonl:1: field "url" must be an http:// or https:// address, not "JavaScript:alert(document.domain)"; the url is left out',
      ),
      problems.join("\n"),
    );
    assert.ok(problems.includes('export.jsonl:6: field "text" contains a NUL character, skipped'), problems.join("\n"));
    assert.ok(problems.includes("page.txt: NUL characters removed"));
    assert.equal(articles.find((a) => a.id === "page")!.raw, "متن خبر شش.");
  });
});

import assert from "node:assert/strict";
import { copyFile, writeFile } from "node:fs/promises";
import path from "node:path";
import { before, describe, it } from "node:test";
import iconv from "iconv-lite";
import type { Answer } from "../answer/types.ts";
import type { Article } from "../core/article.ts";
import { decodeHtml, extractArticle, type PageArticle } from "../ingest/html.ts";
import { prepareArticle } from "../ingest/prepare.ts";
import { corpusFiles, readCorpus } from "../ingest/read.ts";
import { post, same, SEEDS_DIR, seedApp, tempDir } from "./support/helpers.ts";
import { newsPage, type NewsPageOptions, seedArticles, sectionPage, SITE_NAME } from "./support/news-site.ts";

/**
 * Article pages of a Persian news site (test/support/news-site.ts), reduced to the story: its
 * words and no others, its title, address and date, through ingest into answers.
 */

function extracted(page: { body: Buffer; contentType: string }, pageUrl?: string): PageArticle {
  const result = extractArticle(decodeHtml(page.body, page.contentType), pageUrl);
  assert.ok(!("problem" in result), "problem" in result ? result.problem : "");
  return result;
}

function problemOf(html: string): string | undefined {
  const result = extractArticle(html);
  return "problem" in result ? result.problem : undefined;
}

/** A small page around a story, for the cases the news site's pages do not vary. */
function page(head: string, body: string): string {
  return `<!doctype html><html lang="fa" dir="rtl"><head><meta charset="utf-8">${head}</head><body>${body}</body></html>`;
}

const STORY = [
  "به گزارش خبرنگار ایرنا، استاندار قزوین روز دوشنبه در جمع خبرنگاران گفت: در ۶ ماه نخست امسال بیش از ۴۳۳ هزار تن کالا به ارزش ۲۶۳ میلیون دلار از قزوین صادر شده است.",
  "وی افزود: بیش از ۳ هزار واحد صنعتی در ۱۹ شهرک صنعتی این استان فعال هستند و سهم قابل توجهی از تولیدات صنعتی کشور را دارند.",
];
const STORY_HTML = STORY.map((p) => `<p>${p}</p>`).join("");
const storyHtml = (headline: string) => `<article><h1>${headline}</h1>${STORY_HTML}</article>`;
const HEADLINE = "۲۶۳ میلیون دلار کالا از قزوین صادر شد";

describe("decodeHtml", () => {
  const persian = "<p>صادرات قزوین به ۲۶۳ میلیون دلار رسید؛ گزارش ویژه</p>";
  const cp1256 = (html: string) => iconv.encode(html.replaceAll("ی", "ي").replace(/[۰-۹]/g, "2"), "windows-1256");

  it("reads UTF-8 when nothing names a charset", () => {
    assert.equal(decodeHtml(Buffer.from(persian)), persian);
  });

  it("reads windows-1256 named by the page's <meta http-equiv> or <meta charset>", () => {
    for (const meta of [
      `<meta http-equiv="Content-Type" content="text/html; charset=windows-1256">`,
      `<meta charset='windows-1256'>`,
    ]) {
      const text = decodeHtml(cp1256(`<html><head>${meta}</head><body>${persian}</body></html>`), "text/html");
      assert.ok(text.includes("صادرات قزوين"), text);
    }
  });

  it("reads windows-1256 named by the HTTP header only, and the header wins over the page", () => {
    const bytes = cp1256(`<html><head><meta charset="utf-8"></head><body>${persian}</body></html>`);
    assert.ok(decodeHtml(bytes, "text/html; charset=windows-1256").includes("صادرات قزوين"));
    assert.ok(decodeHtml(bytes, 'text/html; charset="Windows-1256"').includes("صادرات قزوين"));
    assert.ok(!decodeHtml(bytes).includes("صادرات"), "the page's wrong meta is what is left without a header");
  });

  it("passes over a charset label it does not know, down to UTF-8, and never throws", () => {
    const utf8 = Buffer.from(`<html><head><meta charset="farsi-web"></head><body>${persian}</body></html>`);
    assert.ok(decodeHtml(utf8, "text/html; charset=x-persian-unknown").includes(persian));
    const bytes = cp1256(`<html><head><meta charset="windows-1256"></head><body>${persian}</body></html>`);
    assert.ok(decodeHtml(bytes, "text/html; charset=nonsense").includes("صادرات قزوين"));
    assert.doesNotThrow(() => decodeHtml(new Uint8Array([0xff, 0xfe, 0xfd, 0x00, 0x81]), "text/html; charset="));
  });

  it("takes a byte order mark over the header, as browsers do, and drops it", () => {
    const bom = Buffer.concat([Buffer.from([0xef, 0xbb, 0xbf]), Buffer.from(persian)]);
    assert.equal(decodeHtml(bom, "text/html; charset=windows-1256"), persian);
    const utf16 = Buffer.concat([Buffer.from([0xff, 0xfe]), Buffer.from(persian, "utf16le")]);
    assert.equal(decodeHtml(utf16), persian);
  });

  it("does not take a charset from a comment in the head", () => {
    const bytes = Buffer.from(
      `<html><head><!-- <meta charset="windows-1256"> --></head><body>${persian}</body></html>`,
    );
    assert.ok(decodeHtml(bytes).includes(persian));
  });
});

describe("the article of a news site's page", () => {
  let seeds: Article[];
  before(async () => {
    seeds = await seedArticles();
    assert.equal(seeds.length, 5);
  });

  // Each seed on a page of its own kind: the date in each place a site puts it, and the two
  // ways an old windows-1256 site names its charset.
  const KINDS: Array<{ name: string; options: NewsPageOptions; publishedAt?: string }> = [
    {
      name: "the date in article:published_time (UTC)",
      options: { date: "meta" },
      publishedAt: "2026-12-05T07:00:00Z",
    },
    {
      name: "windows-1256 named in <meta>, the date in JSON-LD",
      options: { date: "json-ld", encoding: "windows-1256" },
    },
    {
      name: "windows-1256 named in the header, the date in <time>",
      options: { date: "time", encoding: "windows-1256", charsetIn: "header" },
      publishedAt: "2026-12-05T10:30:00+03:30",
    },
    {
      name: "the date printed only, «۱۴ آذر ۱۴۰۵ - ۱۰:۳۰»",
      options: { date: "jalali" },
      publishedAt: "2026-12-05T10:30:00+03:30",
    },
    { name: "no date", options: { date: "none" } },
  ];

  KINDS.forEach((kind, i) => {
    describe(`seed ${i}: ${kind.name}`, () => {
      let article: Article;
      let page: ReturnType<typeof newsPage>;
      let got: PageArticle;
      const url = `https://news.example/fa/news/10248${i}/`;
      // A windows-1256 page holds «ي» for «ی» (see news-site.ts); a UTF-8 one the story's own letters.
      const asRead = kind.options.encoding === "windows-1256" ? same : (s: string) => s;
      before(() => {
        article = seeds[i]!;
        const publishedAt = kind.publishedAt ?? article.publishedAt;
        page = newsPage({ ...article, ...(publishedAt && { publishedAt }) }, { ...kind.options, url });
        got = extracted(page, `https://news.example/fa/news/10248${i}?utm_source=rss#comments`);
      });

      it("keeps every paragraph of the story, one a paragraph, in order", () => {
        const paragraphs = got.text.split("\n\n");
        assert.deepEqual(paragraphs.map(asRead), article.text.split("\n\n").map(asRead));
      });

      it("keeps none of the page around it", () => {
        assert.ok(page.boilerplate.length > 30, `${page.boilerplate.length} boilerplate strings`);
        const text = same(got.text);
        assert.deepEqual(
          page.boilerplate.filter((b) => text.includes(same(b))),
          [],
        );
      });

      it("reads the headline, without the site's name, and the site as the source", () => {
        assert.equal(asRead(got.title), asRead(article.title));
        assert.equal(asRead(got.source!), asRead(SITE_NAME));
      });

      it("names the page by its canonical address, not the address it was fetched from", () => {
        assert.equal(got.url, url);
      });

      it("reads the date the page gives the story, not today's or a comment's", () => {
        const expected = kind.options.date === "none" ? undefined : (kind.publishedAt ?? article.publishedAt);
        assert.equal(got.publishedAt, expected);
      });

      it("goes through prepare as the seed file does: same title, same text", () => {
        const prepared = prepareArticle({
          id: "page",
          origin: "page.html",
          raw: got.text,
          title: got.title,
          contentHash: "",
        });
        assert.equal(asRead(prepared.title), asRead(article.title));
        assert.equal(asRead(prepared.text), asRead(article.text));
      });
    });
  });

  it("converts a page's only date, «۱۴ آذر ۱۴۰۵», from the Jalali calendar", () => {
    const got = extracted(newsPage({ ...seeds[0]!, publishedAt: "2026-12-05" }, { date: "jalali" }));
    assert.equal(got.publishedAt, "2026-12-05");
    const html = page("", `<span class="date">۱۴ آذر ۱۴۰۵</span>${storyHtml(HEADLINE)}`);
    assert.equal((extractArticle(html) as PageArticle).publishedAt, "2026-12-05");
  });

  it("reads a site whose markup names nothing (no class, no id) the same way", () => {
    for (const article of seeds) {
      const page = newsPage({ ...article, publishedAt: "2026-12-05T10:30:00+03:30" }, { date: "jalali" });
      const bare = page.body.toString("utf8").replace(/\s(?:class|id)="[^"]*"/g, "");
      const got = extractArticle(bare) as PageArticle;
      assert.equal(got.text, article.text);
      assert.equal(got.title, article.title);
      assert.equal(got.publishedAt, "2026-12-05T10:30:00+03:30");
    }
  });

  it("finds no article in a section's front page of teasers", () => {
    const front = sectionPage(seeds);
    assert.deepEqual(extractArticle(decodeHtml(front.body, front.contentType)), {
      problem: "no article found in the page",
    });
  });
});

describe("what a page says about its story", () => {
  it("a JSON-LD date inside @graph, in an array, or in JSON a Persian title broke", () => {
    const graph = JSON.stringify({
      "@context": "https://schema.org",
      "@graph": [
        { "@type": "WebPage", datePublished: "2020-01-01" },
        { "@type": "NewsArticle", datePublished: "2026-12-05T10:30:00+03:30", dateModified: "2026-12-06" },
      ],
    });
    const array = JSON.stringify([
      { "@type": "Organization" },
      { "@type": ["NewsArticle"], datePublished: "2026-12-04" },
    ]);
    const broken = `{"@type": "NewsArticle", "headline": "استاندار گفت: "صادرات" افزایش یافت", "datePublished": "2026-12-03T09:00:00+03:30"}`;
    const dates = [graph, array, broken].map(
      (ld) =>
        (extractArticle(page(`<script type="application/ld+json">${ld}</script>`, storyHtml(HEADLINE))) as PageArticle)
          .publishedAt,
    );
    assert.deepEqual(dates, ["2026-12-05T10:30:00+03:30", "2026-12-04", "2026-12-03T09:00:00+03:30"]);
  });

  it("a date in digits that a CMS wrote in the Jalali calendar, or without an offset, in Tehran time", () => {
    const meta = (value: string) =>
      (
        extractArticle(
          page(`<meta property="article:published_time" content="${value}">`, storyHtml(HEADLINE)),
        ) as PageArticle
      ).publishedAt;
    assert.equal(meta("1405/09/14 10:30"), "2026-12-05T10:30:00+03:30");
    assert.equal(meta("۱۴۰۵-۰۹-۱۴"), "2026-12-05");
    assert.equal(meta("2026-12-05 10:30:00"), "2026-12-05T10:30:00+03:30");
    assert.equal(meta("not a date"), undefined);
    assert.equal(meta("1"), undefined);
  });

  it("the headline without «- خبرگزاری ایرنا» or «| تسنیم», and a headline's own colon and dash kept", () => {
    const title = (head: string, body = storyHtml(HEADLINE)) => (extractArticle(page(head, body)) as PageArticle).title;
    assert.equal(title(`<title>${HEADLINE} - خبرگزاری ایرنا</title>`), HEADLINE);
    assert.equal(title(`<meta property="og:title" content="${HEADLINE} | تسنیم">`), HEADLINE);
    assert.equal(title(`<title>تسنیم | ${HEADLINE}</title>`, `<div>${STORY_HTML}</div>`), HEADLINE);
    const own = "استاندار قزوین: صنایع کوچک نقش مهمی در صادرات دارند";
    assert.equal(title(`<title>${own} - همشهری آنلاین</title>`, storyHtml(own)), own);
    const dash = "قزوین - تهران؛ رکورد صادرات شکست";
    assert.equal(title(`<meta property="og:title" content="${dash}">`, storyHtml(dash)), dash);
  });

  it("a title from the story's lead when the page names none", () => {
    const got = extractArticle(page("", `<div>${STORY_HTML}</div>`)) as PageArticle;
    const words = got.title.replace(/[…:،]/g, " ").split(/\s+/).filter(Boolean);
    assert.ok(words.length >= 3 && words.every((w) => STORY[0]!.includes(w)), got.title);
  });

  it("the canonical address resolved against the page's, and none that is not a web address", () => {
    const url = (head: string, pageUrl?: string) =>
      (extractArticle(page(head, storyHtml(HEADLINE)), pageUrl) as PageArticle).url;
    assert.equal(
      url(`<link rel="canonical" href="/news/12">`, "https://site.example/x?utm=1"),
      "https://site.example/news/12",
    );
    assert.equal(url(`<link rel="Canonical" href="https://site.example/news/12">`), "https://site.example/news/12");
    assert.equal(
      url(`<meta property="og:url" content="https://site.example/news/13">`),
      "https://site.example/news/13",
    );
    // A CMS that names its home page as every page's canonical: the fetched address is the page's.
    assert.equal(
      url(`<link rel="canonical" href="https://site.example/">`, "https://site.example/news/14"),
      "https://site.example/news/14",
    );
    assert.equal(url(`<link rel="canonical" href="javascript:alert(1)">`), undefined);
    assert.equal(url(`<link rel="canonical" href="/news/12">`), undefined, "a file's relative link leads nowhere");
    assert.equal(url(""), undefined);
  });
});

describe("pages as they come", () => {
  it("a date under the headline is the story's; today's above it, and a comment's, are not", () => {
    const date = (body: string, bodyClass = "") =>
      (extractArticle(page("", `<div class="${bodyClass}">${body}</div>`)) as PageArticle).publishedAt;
    const today = `<div class="top">امروز: شنبه ۱۵ آذر ۱۴۰۵</div>`;
    const comment = `<div class="comment"><span>۱۶ آذر ۱۴۰۵ - ۰۹:۱۰</span><p>عالی بود</p></div>`;
    assert.equal(date(`${today}${storyHtml(HEADLINE)}${comment}`), undefined);
    const printed = `<div class="info">۱۴ آذر ۱۴۰۵ - ۱۰:۳۰</div>`;
    assert.equal(date(`${today}${printed}${storyHtml(HEADLINE)}${comment}`), "2026-12-05T10:30:00+03:30");
    const lead = `<p class="lead">نمایشگاه صنایع کوچک از ۲۰ آذر ۱۴۰۵ در قزوین آغاز می‌شود.</p>`;
    assert.equal(date(`${today}<article><h1>${HEADLINE}</h1>${lead}${STORY_HTML}</article>`), undefined);
    // A wrapper's class that names a sidebar holds the story too: it is no box to leave out.
    assert.equal(date(`${printed}${storyHtml(HEADLINE)}`, "layout has-sidebar"), "2026-12-05T10:30:00+03:30");
  });

  it("a date printed in the story's own block dates it and is not a paragraph of it", () => {
    const body = `<div><h1>${HEADLINE}</h1>${STORY_HTML}<p>تاریخ انتشار: شنبه ۱۴ آذر ۱۴۰۵ ساعت ۱۰:۳۰</p></div>`;
    assert.deepEqual(extractArticle(page("", body)), {
      title: HEADLINE,
      text: STORY.join("\n\n"),
      publishedAt: "2026-12-05T10:30:00+03:30",
    });
  });

  it("a page without <body>, as old templates and fragments leave it out", () => {
    const got = extractArticle(`<title>${HEADLINE} | ایرنا</title>${STORY_HTML}`);
    assert.deepEqual(got, { title: HEADLINE, text: STORY.join("\n\n") });
  });

  it("a page nested thousands of elements deep is refused at once", () => {
    const started = Date.now();
    const deep = page("", `${"<div>".repeat(5000)}${storyHtml(HEADLINE)}${"</div>".repeat(5000)}`);
    assert.match(problemOf(deep)!, /nested more than 512 deep/);
    assert.ok(Date.now() - started < 5000);
  });
});

describe("pages that hold no article", () => {
  it("a list of links, an error page and a page with too little text", () => {
    const list = page(
      "<title>اخبار اقتصادی</title>",
      `<nav><a href="/">خانه</a></nav><ul>${[HEADLINE, "قیمت طلا و سکه در بازار امروز تهران کاهش یافت", "ثبت‌نام وام ودیعه مسکن مستاجران از هفته آینده"].map((t, i) => `<li><a href="/news/${i}">${t}</a></li>`).join("")}</ul><footer>کلیه حقوق محفوظ است</footer>`,
    );
    for (const html of [
      list,
      page("<title>خطا</title>", "<h1>صفحه مورد نظر یافت نشد</h1><p>بازگشت به صفحه اصلی</p>"),
      page("", ""),
    ])
      assert.equal(problemOf(html), "no article found in the page");
  });

  it("what is not HTML at all is said to be so", () => {
    assert.match(problemOf("%PDF-1.4\n%âãÏÓ\n1 0 obj")!, /not an HTML page: a PDF/);
    assert.match(
      problemOf(`<?xml version="1.0"?><rss version="2.0"><channel></channel></rss>`)!,
      /not an HTML page: an XML/,
    );
    assert.match(problemOf(STORY.join("\n\n"))!, /not an HTML page: no HTML markup/);
    assert.match(problemOf("  \n")!, /empty/);
  });
});

describe("HTML pages in ARTICLES_DIR", async () => {
  const QAZVIN = "000_6460d26cea20ff96";
  const SMALL_INDUSTRIES = "001_ac32e4e684eddc00";
  const CANONICAL = "https://news.example/fa/news/263/صادرات-قزوین";
  // As URLs are written once parsed: the Persian slug percent-encoded.
  const CANONICAL_HREF = new URL(CANONICAL).href;
  const seeds = await seedArticles();
  const seed = (id: string) => seeds.find((a) => a.id === id)!;
  const dir = await tempDir("goftogu-html-");
  // Two seeds as saved pages instead of their .txt (one from an old windows-1256 site), the
  // others as they are, and a section's front page that holds no article.
  await writeFile(
    path.join(dir, `${QAZVIN}.html`),
    newsPage({ ...seed(QAZVIN), publishedAt: "2026-12-05T10:30:00+03:30" }, { url: CANONICAL, date: "jalali" }).body,
  );
  await writeFile(
    path.join(dir, `${SMALL_INDUSTRIES}.htm`),
    newsPage(seed(SMALL_INDUSTRIES), { encoding: "windows-1256", date: "json-ld" }).body,
  );
  for (const a of seeds.filter((s) => s.id !== QAZVIN && s.id !== SMALL_INDUSTRIES))
    await copyFile(path.join(SEEDS_DIR, `${a.id}.txt`), path.join(dir, `${a.id}.txt`));
  await writeFile(path.join(dir, "economy.html"), sectionPage(seeds).body);
  const { app } = await seedApp(dir);
  const ask = async (question: string) => (await (await post(app, "/api/chat", { question })).json()) as Answer;

  it("reads .html and .htm pages, and reports a page with no article without stopping", async () => {
    const { articles, problems } = await readCorpus(dir);
    assert.deepEqual(problems, ["economy.html: no article found in the page, skipped"]);
    assert.deepEqual(articles.map((a) => [a.id, a.origin]).sort(), [
      [QAZVIN, `${QAZVIN}.html`],
      [SMALL_INDUSTRIES, `${SMALL_INDUSTRIES}.htm`],
      ...seeds.slice(2).map((a) => [a.id, `${a.id}.txt`]),
    ]);
    // The manifest tracks the pages too, so a changed page makes the index stale.
    assert.deepEqual(
      Object.keys(await corpusFiles(dir)).filter((f) => /\.html?$/.test(f)),
      [`${QAZVIN}.html`, `${SMALL_INDUSTRIES}.htm`, "economy.html"],
    );
  });

  it("answers from a page, citing its canonical address", async () => {
    const body = await ask("ارزش صادرات قزوین چقدر بود؟");
    assert.equal(body.found, true, body.answer);
    assert.ok(same(body.short!).includes(same("۲۶۳ میلیون دلار")), body.answer);
    assert.equal(body.citations[0]!.articleId, QAZVIN);
    assert.equal(body.citations[0]!.url, CANONICAL_HREF);
  });

  it("answers from a windows-1256 page, whose «ي» is the reader's «ی»", async () => {
    const body = await ask("مهم‌ترین مشکل صنایع کوچک استان قزوین چیست؟");
    assert.equal(body.found, true, body.answer);
    assert.ok(same(body.answer).includes(same("تأمین سرمایه در گردش")), body.answer);
    assert.equal(body.citations[0]!.articleId, SMALL_INDUSTRIES);
  });

  it("serves the page's article with its title and date", async () => {
    const res = await app.request(`/api/articles/${QAZVIN}`);
    assert.equal(res.status, 200);
    const body = (await res.json()) as Article;
    assert.equal(body.title, "۲۶۳ میلیون دلار کالا از قزوین صادر شد");
    assert.equal(body.publishedAt, "2026-12-05T10:30:00+03:30");
    assert.equal(body.url, CANONICAL_HREF);
    assert.equal(body.source, SITE_NAME);
    assert.ok(body.text.startsWith("به گزارش خبرگزاری تسنیم از قزوین"), body.text.slice(0, 80));
  });
});

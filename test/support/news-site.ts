import iconv from "iconv-lite";
import type { Article } from "../../core/article.ts";
import { compactForMatch } from "../../core/persian/normalize.ts";
import { prepareArticle } from "../../ingest/prepare.ts";
import { readCorpus } from "../../ingest/read.ts";
import { SEEDS_DIR } from "./helpers.ts";

/**
 * Article pages as Persian news sites serve them, for tests of what Goftogu reads off a page
 * (ingest/html.ts) and of the feed sync that fetches them. A page carries everything around the
 * story that a real one does: a top bar with today's date, the logo and the section menu
 * (سیاسی، اقتصادی، ورزشی، بین‌الملل…), a breaking-news ticker, ads, breadcrumbs, the news code,
 * share buttons, tags, an inline «بیشتر بخوانید» link, «اخبار مرتبط», the «پربازدیدترین» and
 * «آخرین اخبار» boxes, readers' comments with their dates and the comment form, and the footer
 * («کلیه حقوق این سایت محفوظ است»). Everything in the page is fixed by the article and the
 * options, so a page is the same bytes every time.
 *
 * @example
 * const [article] = await seedArticles();
 * const page = newsPage(article, { url: "https://news.example/news/1", date: "jalali" });
 * res.writeHead(200, { "content-type": page.contentType }).end(page.body);
 */

/** What a page is made from: an article as Goftogu keeps it (paragraphs blank-line separated). */
export interface PageStory {
  title: string;
  text: string;
  /** ISO-8601; the page's date (default 2026-12-05T10:30:00+03:30, «۱۴ آذر ۱۴۰۵ - ۱۰:۳۰»). */
  publishedAt?: string;
}

export interface NewsPageOptions {
  /** The page's own address, written as `<link rel="canonical">` and og:url. None when absent. */
  url?: string;
  /**
   * Where the publication date is, for a machine to read: `meta` (article:published_time),
   * `json-ld` (NewsArticle.datePublished inside an @graph), `time` (`<time datetime>` around the
   * printed date). Each of these also prints the date under the headline, as sites do. `jalali`
   * prints it only («۱۴ آذر ۱۴۰۵ - ۱۰:۳۰»), `none` leaves it out. Default `meta`. The page's
   * other dates (today's in the top bar, the comments', dateModified) are there in every case.
   */
  date?: "meta" | "json-ld" | "time" | "jalali" | "none";
  /**
   * Default `utf-8`. A `windows-1256` page is written as Persian sites of that charset wrote
   * theirs: Arabic yeh «ي» for «ی» (the code page has no Persian yeh) and character references
   * (`&#1777;`) for what it cannot hold, such as Persian digits.
   */
  encoding?: "utf-8" | "windows-1256";
  /**
   * Where the charset is named: the HTTP `Content-Type` (`header`; the page holds no
   * `<meta charset>`) or the page (`meta`: `<meta charset>` for UTF-8, `<meta http-equiv>` for
   * windows-1256, as old sites wrote it; `contentType` is then a bare `text/html`). Default `meta`.
   */
  charsetIn?: "header" | "meta";
  /** Default «خبرگزاری نمونه». Written as og:site_name and after the headline in `<title>`. */
  siteName?: string;
  /** Headlines of other stories, for the related, most-read and latest boxes. */
  otherHeadlines?: readonly string[];
}

export interface NewsPage {
  body: Buffer;
  /** The HTTP Content-Type to serve it with. */
  contentType: string;
  /**
   * Texts of the page outside the story (menu, ticker, ads, share, tags, boxes, comments,
   * footer) that the story itself does not contain: none of them belongs in what is read off
   * the page.
   */
  boilerplate: string[];
}

export const SITE_NAME = "خبرگزاری نمونه";
const DEFAULT_DATE = "2026-12-05T10:30:00+03:30";

/** Headlines a site of this kind shows beside any story; none is in a seed article. */
export const SITE_HEADLINES: readonly string[] = [
  "قیمت طلا و سکه در بازار امروز تهران کاهش یافت",
  "برنامه مسابقات هفته دوازدهم لیگ برتر فوتبال اعلام شد",
  "بارش برف و باران در ۱۸ استان کشور از فردا آغاز می‌شود",
  "ثبت‌نام وام ودیعه مسکن مستاجران از هفته آینده",
  "سفر وزیر امور خارجه به مسکو برای گفت‌وگوهای دوجانبه",
  "جشنواره فیلم کوتاه تهران برگزیدگان خود را شناخت",
];

const MENU = ["صفحه اصلی", "سیاسی", "اقتصادی", "اجتماعی", "فرهنگی", "ورزشی", "بین‌الملل", "استان‌ها", "عکس", "فیلم"];

const BREADCRUMB = ["خانه", "اقتصادی", "صنعت و بازرگانی"];

/** The furniture every page carries, in the words real sites use. */
const FURNITURE = {
  login: "ورود کاربران",
  rss: "خبرخوان",
  search: "جستجو در اخبار...",
  ticker: "خبر فوری",
  ad: "فروش ویژه آپارتمان در پردیس با اقساط ۳۶ ماهه",
  adLabel: "تبلیغات",
  readMore: "بیشتر بخوانید:",
  caption: "عکس: آرشیو خبرگزاری",
  print: "نسخه چاپی",
  share: "اشتراک‌گذاری",
  shortLink: "کپی لینک کوتاه",
  tags: "برچسب‌ها",
  related: "اخبار مرتبط",
  mostRead: "پربازدیدترین",
  latest: "آخرین اخبار",
  comments: "نظرات",
  commentCount: "۲ نظر",
  comment1: "دست مریزاد، گزارش کامل و خوبی بود. ای کاش پیگیری هم بکنید.",
  comment2: "پس کی این وعده‌ها عملی می‌شود؟ ما که در شهرمان چیزی ندیدیم!",
  commenter1: "رضا از کرج",
  commenter2: "مریم",
  reply: "پاسخ",
  sendComment: "ارسال نظر",
  commentRule: "نظرات حاوی توهین و افترا منتشر نمی‌شود.",
  about: "درباره ما",
  contact: "تماس با ما",
  archive: "آرشیو اخبار",
  rights: "کلیه حقوق این سایت محفوظ است",
  reuse: "استفاده از مطالب با ذکر منبع آزاد است.",
};

/** An article page of a news site (see the module's comment). */
export function newsPage(story: PageStory, options: NewsPageOptions = {}): NewsPage {
  const o = {
    url: options.url,
    date: options.date ?? "meta",
    encoding: options.encoding ?? "utf-8",
    charsetIn: options.charsetIn ?? "meta",
    siteName: options.siteName ?? SITE_NAME,
    otherHeadlines: options.otherHeadlines ?? SITE_HEADLINES,
  } satisfies NewsPageOptions;
  const published = story.publishedAt ?? DEFAULT_DATE;
  const modified = new Date(Date.parse(published) + 2 * 3_600_000).toISOString();
  const printed = persianDate(published);
  const today = persianDate(new Date(Date.parse(published) + 86_400_000).toISOString(), { weekday: true });
  const commented = persianDate(new Date(Date.parse(published) + 5 * 3_600_000).toISOString());
  // A story of one paragraph has no lead of its own: the paragraph is its body.
  const all = story.text.split(/\n{2,}/);
  const [lead, ...body] = all.length > 1 ? all : ["", ...all];
  const others = o.otherHeadlines.filter((h) => h !== story.title);
  const related = others.slice(0, 3);
  const mostRead = [...others].reverse().slice(0, 5);
  const site = o.url ? new URL(o.url).origin : "https://news.example";

  const meta = [
    o.url && `<link rel="canonical" href="${attr(o.url)}">`,
    `<meta property="og:type" content="article">`,
    `<meta property="og:title" content="${attr(story.title)}">`,
    `<meta property="og:description" content="${attr(all[0]!.slice(0, 160))}">`,
    `<meta property="og:site_name" content="${attr(o.siteName)}">`,
    o.url && `<meta property="og:url" content="${attr(o.url)}">`,
    `<meta property="og:image" content="${site}/files/fa/news/1405/9/14/1200_photo.jpg">`,
    o.date === "meta" && `<meta property="article:published_time" content="${published}">`,
    o.date === "meta" && `<meta property="article:modified_time" content="${modified}">`,
    `<meta name="twitter:card" content="summary_large_image">`,
  ];
  const jsonLd = {
    "@context": "https://schema.org",
    "@graph": [
      { "@type": "WebSite", name: o.siteName, url: `${site}/` },
      {
        "@type": "BreadcrumbList",
        itemListElement: [
          { "@type": "ListItem", position: 1, name: "خانه", item: `${site}/` },
          { "@type": "ListItem", position: 2, name: "اقتصادی", item: `${site}/economy` },
        ],
      },
      {
        "@type": "NewsArticle",
        headline: story.title,
        ...(o.url && { mainEntityOfPage: o.url }),
        ...(o.date === "json-ld" && { datePublished: published }),
        dateModified: modified,
        publisher: { "@type": "Organization", name: o.siteName },
      },
    ],
  };
  const dateLine =
    o.date === "none"
      ? ""
      : o.date === "time"
        ? `<time datetime="${published}">${printed}</time>`
        : `<span class="news-date">${printed}</span>`;

  const paragraphs = body.map((p, i) => {
    const block = isSubheading(p) ? `<h3>${text(p)}</h3>` : `<p>${text(p)}</p>`;
    if (i === 0)
      return `${block}
      <figure class="news-image"><img src="${site}/files/fa/news/1405/9/14/photo.jpg" alt="${attr(story.title)}"><figcaption>${FURNITURE.caption}</figcaption></figure>`;
    if (i === 2 && related[0])
      return `${block}
      <p class="read-more"><strong>${FURNITURE.readMore}</strong> <a href="${site}/news/read-more">${text(related[0])}</a></p>
      <div class="ads-inline"><a href="https://ads.example/click/7"><img src="https://ads.example/b/7.gif" alt="${FURNITURE.adLabel}"></a></div>`;
    return block;
  });
  const list = (headlines: string[], path: string) =>
    headlines.map((h, i) => `<li><a href="${site}/${path}/${i + 1}">${text(h)}</a></li>`).join("\n          ");

  const charsetMeta =
    o.charsetIn === "header"
      ? ""
      : o.encoding === "utf-8"
        ? `<meta charset="utf-8">`
        : `<meta http-equiv="Content-Type" content="text/html; charset=windows-1256">`;
  const html = `<!DOCTYPE html>
<html lang="fa" dir="rtl">
<head>
  ${charsetMeta}
  <meta name="viewport" content="width=device-width, initial-scale=1">
  <title>${text(story.title)} - ${text(o.siteName)}</title>
  <meta name="description" content="${attr(all[0]!.slice(0, 160))}">
  ${meta.filter(Boolean).join("\n  ")}
  <link rel="stylesheet" href="${site}/static/css/site.min.css?v=3.2">
  <script type="application/ld+json">${json(jsonLd, o.encoding)}</script>
  <script>window.dataLayer = window.dataLayer || []; dataLayer.push({ section: "economy" });</script>
</head>
<body class="news-page">
  <div class="top-bar">
    <span class="today">امروز: ${today}</span>
    <a href="${site}/login">${FURNITURE.login}</a> | <a href="${site}/rss">${FURNITURE.rss}</a>
  </div>
  <header class="site-header">
    <a class="logo" href="${site}/"><img src="${site}/static/img/logo.svg" alt="${attr(o.siteName)}"></a>
    <nav class="main-menu">
      <ul>
        ${MENU.map((m, i) => `<li><a href="${site}/service/${i}">${m}</a></li>`).join("\n        ")}
      </ul>
    </nav>
    <form class="search-form" action="${site}/search"><input name="q" placeholder="${FURNITURE.search}"><button>جستجو</button></form>
  </header>
  <div class="ticker"><strong>${FURNITURE.ticker}</strong> <a href="${site}/news/ticker">${text(others[0] ?? "")}</a></div>
  <div class="ads ads-top"><a href="https://ads.example/click/1"><img src="https://ads.example/b/1.gif" alt="${FURNITURE.adLabel}"></a><span>${FURNITURE.ad}</span></div>
  <main class="container">
    <div class="col-main">
      <ol class="breadcrumb"><li><a href="${site}/">${BREADCRUMB[0]}</a></li><li><a href="${site}/economy">${BREADCRUMB[1]}</a></li><li>${BREADCRUMB[2]}</li></ol>
      <article class="news-item">
        <header class="news-header">
          <div class="news-info">
            <span class="news-code">کد خبر: ۱۰۲۴۸۷</span>
            ${dateLine}
          </div>
          <h1 class="news-title">${text(story.title)}</h1>
          ${lead ? `<p class="lead">${text(lead)}</p>` : ""}
        </header>
        <div class="news-body">
      ${paragraphs.join("\n      ")}
        </div>
        <div class="news-tools">
          <a href="${site}/print/102487">${FURNITURE.print}</a>
          <div class="share-box"><span>${FURNITURE.share}:</span>
            <a href="https://t.me/share/url?url=${attr(o.url ?? site)}">تلگرام</a>
            <a href="https://wa.me/?text=${attr(o.url ?? site)}">واتس‌اپ</a>
            <a href="https://twitter.com/intent/tweet?url=${attr(o.url ?? site)}">ایکس</a>
            <button class="copy-link">${FURNITURE.shortLink}</button>
          </div>
        </div>
        <div class="tags"><span>${FURNITURE.tags}:</span> <a href="${site}/tag/1">صادرات</a> <a href="${site}/tag/2">صنعت</a> <a href="${site}/tag/3">اشتغال</a></div>
      </article>
      <section class="related-news">
        <h2>${FURNITURE.related}</h2>
        <ul>
          ${list(related, "related")}
        </ul>
      </section>
      <section class="comments" id="comments">
        <h2>${FURNITURE.comments} <small>(${FURNITURE.commentCount})</small></h2>
        <div class="comment">
          <div class="comment-head"><strong>${FURNITURE.commenter1}</strong> <span class="comment-date">${commented}</span></div>
          <p>${FURNITURE.comment1}</p>
          <a href="#reply">${FURNITURE.reply}</a>
        </div>
        <div class="comment">
          <div class="comment-head"><strong>${FURNITURE.commenter2}</strong> <span class="comment-date">${commented}</span></div>
          <p>${FURNITURE.comment2}</p>
          <a href="#reply">${FURNITURE.reply}</a>
        </div>
        <form class="comment-form">
          <h3>${FURNITURE.sendComment}</h3>
          <p>${FURNITURE.commentRule}</p>
          <input name="name" placeholder="نام"> <input name="email" placeholder="ایمیل">
          <textarea name="body" placeholder="نظر شما"></textarea>
          <button type="submit">${FURNITURE.sendComment}</button>
        </form>
      </section>
    </div>
    <aside class="sidebar">
      <div class="ads ads-side"><a href="https://ads.example/click/2"><img src="https://ads.example/b/2.gif" alt="${FURNITURE.adLabel}"></a></div>
      <section class="box most-visited">
        <h2>${FURNITURE.mostRead}</h2>
        <ol>
          ${list(mostRead, "most")}
        </ol>
      </section>
      <section class="box latest">
        <h2>${FURNITURE.latest}</h2>
        <ul>
          ${list(others, "latest")}
        </ul>
      </section>
    </aside>
  </main>
  <footer class="site-footer">
    <nav><a href="${site}/about">${FURNITURE.about}</a> | <a href="${site}/contact">${FURNITURE.contact}</a> | <a href="${site}/archive">${FURNITURE.archive}</a></nav>
    <p>${FURNITURE.rights}. ${FURNITURE.reuse}</p>
  </footer>
  <script src="${site}/static/js/site.min.js?v=3.2" defer></script>
</body>
</html>
`;
  const storyText = compactForMatch(`${story.title} ${story.text}`);
  const boilerplate = [...MENU, ...Object.values(FURNITURE), ...BREADCRUMB, ...others, today].filter(
    (s) => !storyText.includes(compactForMatch(s)),
  );
  return {
    body: encode(html, o.encoding),
    contentType: o.charsetIn === "header" ? `text/html; charset=${o.encoding}` : "text/html",
    boilerplate: [...new Set(boilerplate)],
  };
}

/**
 * A section's front page: the same site around a list of stories, each a linked headline, its
 * lead cut short and its date. It has no article of its own.
 */
export function sectionPage(stories: PageStory[], options: Pick<NewsPageOptions, "siteName"> = {}): NewsPage {
  const siteName = options.siteName ?? SITE_NAME;
  const site = "https://news.example";
  const items = stories.map((s, i) => {
    const lead = s.text.split(/\n{2,}/)[0] ?? "";
    const teaser = lead.length > 180 ? `${lead.slice(0, lead.lastIndexOf(" ", 180))}…` : lead;
    return `<li class="news-list-item">
        <a href="${site}/news/${i + 1}"><img src="${site}/files/thumb/${i + 1}.jpg" alt="${attr(s.title)}"></a>
        <h3><a href="${site}/news/${i + 1}">${text(s.title)}</a></h3>
        <p class="teaser">${text(teaser)}</p>
        <span class="news-date">${persianDate(s.publishedAt ?? DEFAULT_DATE)}</span>
      </li>`;
  });
  const html = `<!DOCTYPE html>
<html lang="fa" dir="rtl">
<head>
  <meta charset="utf-8">
  <title>اخبار اقتصادی - ${text(siteName)}</title>
  <meta property="og:type" content="website">
  <meta property="og:site_name" content="${attr(siteName)}">
</head>
<body>
  <header class="site-header">
    <a class="logo" href="${site}/"><img src="${site}/static/img/logo.svg" alt="${attr(siteName)}"></a>
    <nav class="main-menu"><ul>${MENU.map((m, i) => `<li><a href="${site}/service/${i}">${m}</a></li>`).join("")}</ul></nav>
  </header>
  <main class="container">
    <h1>اخبار اقتصادی</h1>
    <ul class="news-list">
      ${items.join("\n      ")}
    </ul>
    <div class="pagination"><a href="?page=2">صفحه بعد</a></div>
  </main>
  <footer class="site-footer"><p>${FURNITURE.rights}</p></footer>
</body>
</html>
`;
  return { body: Buffer.from(html), contentType: "text/html; charset=utf-8", boilerplate: [...MENU, FURNITURE.rights] };
}

/** The seed articles (data/articles) as ingest cleans them: the stories pages are made from. */
export async function seedArticles(): Promise<Article[]> {
  const { articles } = await readCorpus(SEEDS_DIR);
  return articles.map(prepareArticle);
}

/**
 * A date as Persian sites print it, «۱۴ آذر ۱۴۰۵ - ۱۰:۳۰» in Tehran time (a date without a
 * time: «۲۴ آذر ۱۴۰۴»). ICU's Persian calendar, not Goftogu's conversion, so a test of that
 * conversion checks it against another implementation.
 */
export function persianDate(iso: string, options: { weekday?: boolean } = {}): string {
  const dateOnly = /^\d{4}-\d{2}-\d{2}$/.test(iso);
  const parts = new Intl.DateTimeFormat("fa-IR-u-ca-persian-nu-arabext", {
    timeZone: dateOnly ? "UTC" : "Asia/Tehran",
    ...(options.weekday && { weekday: "long" }),
    day: "numeric",
    month: "long",
    year: "numeric",
    ...(!dateOnly && { hour: "2-digit", minute: "2-digit", hourCycle: "h23" }),
  }).formatToParts(new Date(iso));
  const get = (type: string) => parts.find((p) => p.type === type)?.value ?? "";
  const day = `${options.weekday ? `${get("weekday")} ` : ""}${get("day")} ${get("month")} ${get("year")}`;
  return dateOnly || options.weekday ? day : `${day} - ${get("hour")}:${get("minute")}`;
}

// A line of the story that is not a sentence (no closing punctuation) is a subheading.
function isSubheading(paragraph: string): boolean {
  return paragraph.length <= 100 && !/[.!؟?:؛…»)]$/u.test(paragraph);
}

function text(s: string): string {
  return s.replace(/&/g, "&amp;").replace(/</g, "&lt;").replace(/>/g, "&gt;");
}

function attr(s: string): string {
  return text(s).replace(/"/g, "&quot;");
}

/** JSON for a <script>: never closes the element; ASCII only where the charset cannot hold Persian. */
function json(value: unknown, encoding: string): string {
  const out = JSON.stringify(value).replace(/</g, "\\u003c");
  if (encoding === "utf-8") return out;
  return out.replace(/[^\x00-\x7f]/g, (c) => `\\u${c.charCodeAt(0).toString(16).padStart(4, "0")}`);
}

function encode(html: string, encoding: "utf-8" | "windows-1256"): Buffer {
  if (encoding === "utf-8") return Buffer.from(html, "utf8");
  const written = new Map<string, string>();
  const write = (ch: string) => {
    if (ch === "ی") return "ي";
    return iconv.decode(iconv.encode(ch, encoding), encoding) === ch ? ch : `&#${ch.codePointAt(0)};`;
  };
  let out = "";
  for (const ch of html) {
    if (!written.has(ch)) written.set(ch, write(ch));
    out += written.get(ch)!;
  }
  return iconv.encode(out, encoding);
}

import type { Article } from "../core/article.ts";
import { articleUrl } from "../core/url.ts";

/**
 * The demo news site's HTML: a front page, article pages that embed the widget exactly as an
 * external site would, and a 404 page. Every piece of article data goes through `escapeHtml`.
 */

/**
 * Headers for every HTML page: no inline scripts or styles, everything from this origin. The
 * demo site lives under the policy it tells news sites to send (see docs/widget.md).
 */
export const PAGE_HEADERS: Readonly<Record<string, string>> = {
  "Content-Security-Policy":
    "default-src 'self'; script-src 'self'; style-src 'self'; font-src 'self'; connect-src 'self'; img-src 'self' data:; frame-ancestors 'self'",
  "X-Content-Type-Options": "nosniff",
  "Referrer-Policy": "strict-origin-when-cross-origin",
};

export const FONT_PATH = "/fonts/vazirmatn.woff2";
export const WIDGET_PATH = "/widget.js";
export const SITE_CSS_PATH = "/site.css";

const ESCAPES = new Map(Object.entries({ "&": "&amp;", "<": "&lt;", ">": "&gt;", '"': "&quot;", "'": "&#39;" }));

/** Text made safe for HTML content and for quoted attribute values. */
export function escapeHtml(text: string): string {
  return text.replace(/[&<>"']/g, (ch) => ESCAPES.get(ch)!);
}

const JALALI = new Intl.DateTimeFormat("fa-IR-u-ca-persian", { dateStyle: "long", timeZone: "UTC" });

/**
 * The publication date in the Jalali calendar with Persian digits («۱ شهریور ۱۴۰۱»), or "" when
 * there is none. The calendar day is the one the publisher wrote (the date part of the ISO
 * string), whatever the server's time zone.
 */
export function jalaliDate(publishedAt: string | undefined): string {
  if (!publishedAt) return "";
  const ymd = /^(\d{4})-(\d{2})-(\d{2})/.exec(publishedAt);
  const time = ymd ? Date.UTC(Number(ymd[1]), Number(ymd[2]) - 1, Number(ymd[3])) : Date.parse(publishedAt);
  return Number.isNaN(time) ? "" : JALALI.format(time);
}

const persianNumber = new Intl.NumberFormat("fa-IR");

export function articleHref(id: string): string {
  return `/articles/${encodeURIComponent(id)}`;
}

/** The demo site's stylesheet (`/site.css`), and the API reference page's (`body.api-docs`). */
export const SITE_CSS = `
@font-face { font-family: "Vazirmatn"; src: url("${FONT_PATH}") format("woff2"); font-weight: 100 900; font-display: swap; }
* { box-sizing: border-box; }
html { -webkit-text-size-adjust: 100%; }
body { margin: 0; background: #f5f5f2; color: #1c1c1c; font-family: "Vazirmatn", Tahoma, sans-serif; line-height: 1.9; }
a { color: inherit; }
.masthead { background: #fff; border-bottom: 3px solid #b3261e; }
.masthead .inner { max-width: 760px; margin: 0 auto; padding: 14px 20px; display: flex; align-items: baseline; gap: 12px; }
.brand { font-size: 1.6rem; font-weight: 800; text-decoration: none; color: #b3261e; }
.tagline { color: #666; font-size: .95rem; }
main { max-width: 760px; margin: 0 auto; padding: 24px 20px 48px; }
.section-title { font-size: 1.05rem; font-weight: 700; color: #555; margin: 0 0 12px; }
.news { list-style: none; margin: 0; padding: 0; }
.news li { background: #fff; border: 1px solid #e4e4df; border-radius: 8px; padding: 16px 18px; margin-bottom: 12px; }
.news h2 { font-size: 1.15rem; font-weight: 700; margin: 0 0 6px; line-height: 1.7; }
.news h2 a { text-decoration: none; }
.news h2 a:hover, .news h2 a:focus { color: #b3261e; text-decoration: underline; }
.meta { color: #6b6b6b; font-size: .88rem; display: flex; flex-wrap: wrap; gap: 0 14px; }
.story { background: #fff; border: 1px solid #e4e4df; border-radius: 8px; padding: 24px 26px; }
.story h1 { font-size: 1.55rem; font-weight: 800; line-height: 1.7; margin: 0 0 10px; }
.story .meta { border-bottom: 1px solid #eee; padding-bottom: 12px; margin-bottom: 18px; }
.story p { margin: 0 0 1.1em; text-align: justify; white-space: pre-line; }
.back { display: inline-block; margin-bottom: 14px; font-size: .92rem; color: #555; }
.notice { background: #fff; border: 1px solid #e4e4df; border-radius: 8px; padding: 28px; text-align: center; }
footer { max-width: 760px; margin: 0 auto; padding: 0 20px 32px; color: #888; font-size: .85rem; }
@media (max-width: 520px) { .story { padding: 18px 16px; } .story h1 { font-size: 1.3rem; } }
body.api-docs { font-family: system-ui, sans-serif; max-width: 900px; margin: 2rem auto; padding: 0 1rem; background: #fff; line-height: 1.5; }
.api-docs pre { background: #f6f8fa; padding: 1rem; overflow: auto; }
.api-docs section { border-top: 1px solid #ddd; }
`;

function layout(title: string, body: string): string {
  return `<!doctype html>
<html lang="fa" dir="rtl">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>${escapeHtml(title)}</title>
<link rel="preload" href="${FONT_PATH}" as="font" type="font/woff2" crossorigin>
<link rel="stylesheet" href="${SITE_CSS_PATH}">
</head>
<body>
<header class="masthead"><div class="inner"><a class="brand" href="/">گفتگو</a><span class="tagline">اخبار، با پاسخ به پرسش‌های شما</span></div></header>
<main>
${body}
</main>
<footer>نمونهٔ یک سایت خبری که جعبهٔ «گفتگو» را زیر هر خبر جاسازی کرده است.</footer>
</body>
</html>
`;
}

/** Source and date, each only when known. */
function meta(article: Pick<Article, "source" | "publishedAt">): string {
  const parts: string[] = [];
  if (article.source) parts.push(`<span class="source">${escapeHtml(article.source)}</span>`);
  const date = jalaliDate(article.publishedAt);
  if (date) parts.push(`<time datetime="${escapeHtml(article.publishedAt!)}">${escapeHtml(date)}</time>`);
  return parts.length ? `<div class="meta">${parts.join("")}</div>` : "";
}

/** The front page: the newest articles, in the order given, of `total` in all. */
export function frontPage(
  articles: ReadonlyArray<Pick<Article, "id" | "title" | "source" | "publishedAt">>,
  total = articles.length,
): string {
  const items = articles
    .map(
      (a) =>
        `<li><article><h2><a href="${escapeHtml(articleHref(a.id))}">${escapeHtml(a.title)}</a></h2>${meta(a)}</article></li>`,
    )
    .join("\n");
  const body = articles.length
    ? `<h1 class="section-title">آخرین اخبار · ${persianNumber.format(total)} خبر</h1>\n<ul class="news">\n${items}\n</ul>`
    : `<div class="notice">هنوز خبری منتشر نشده است.</div>`;
  return layout("گفتگو — اخبار", body);
}

/**
 * One article, with the widget embedded after it as any news site would embed it. The link to
 * the original is the article's own web address or ARTICLE_URL_TEMPLATE's (`articleUrlTemplate`).
 */
export function articlePage(article: Article, articleUrlTemplate?: string): string {
  const paragraphs = article.text
    .split(/\n\n+/)
    .map((p) => p.trim())
    .filter(Boolean)
    .map((p) => `<p>${escapeHtml(p)}</p>`)
    .join("\n");
  const link = articleUrl(article, articleUrlTemplate);
  const original = link
    ? `<a class="original" href="${escapeHtml(link)}" rel="noopener noreferrer">متن اصلی خبر</a>`
    : "";
  const body = `<a class="back" href="/">→ همهٔ اخبار</a>
<article class="story">
<h1>${escapeHtml(article.title)}</h1>
${meta(article)}
${paragraphs}
${original}
</article>
<script src="${WIDGET_PATH}" data-article-id="${escapeHtml(article.id)}" async></script>`;
  return layout(`${article.title} — گفتگو`, body);
}

/** The 404 page of the site (an unknown article or any unknown page). */
export function notFoundPage(): string {
  return layout(
    "پیدا نشد — گفتگو",
    `<div class="notice"><h1 class="section-title">این صفحه پیدا نشد</h1><p>خبری که دنبالش هستید وجود ندارد یا حذف شده است.</p><p><a href="/">بازگشت به صفحهٔ اصلی</a></p></div>`,
  );
}

/** The page every address shows while the server is still loading its index (served with 503). */
export function loadingPage(): string {
  return layout(
    "در حال آماده شدن — گفتگو",
    `<div class="notice"><h1 class="section-title">گفتگو در حال آماده شدن است</h1><p>فهرست خبرها در حال بارگذاری است. چند لحظهٔ دیگر دوباره سر بزنید.</p><p><a href="/">تلاش دوباره</a></p></div>`,
  );
}

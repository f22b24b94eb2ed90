import { Readability } from "@mozilla/readability";
import { parseHTML } from "linkedom";
import { jalaliToGregorian, parsePublishedDate, tehranOffset } from "../core/persian/dates.ts";
import { compactForMatch, tidyWhitespace, toLatinDigits } from "../core/persian/normalize.ts";
import { isWebUrl } from "../core/url.ts";
import { deriveTitle } from "./metadata.ts";

/**
 * A news site's article page reduced to its article: @mozilla/readability finds the story among
 * the menus, «پربازدیدترین» boxes, related links, comments and ads, over a linkedom document,
 * and this module reads what the page says about it (title, address, date, site name).
 * `extractArticle` and `decodeHtml` are pure and never throw: a page that holds no article is
 * reported as a problem, as a bad line of an export is.
 *
 * **NOTE:** what extraction keeps is cleaning: a change to it must bump ANALYSIS_VERSION
 * (ingest/analysis-version.ts), or an index built from the same files is kept as current.
 */
export interface PageArticle {
  /** The headline, without the site's name; never empty. */
  title: string;
  /** The story as plain paragraphs separated by a blank line, for ingest/prepare.ts. */
  text: string;
  /** The page's canonical http(s) address, as the URL parser writes it (a Persian slug percent-encoded). */
  url?: string;
  /** ISO-8601. */
  publishedAt?: string;
  /** og:site_name. */
  source?: string;
}

/**
 * Bytes of an HTML page as text. The charset is taken, as browsers take it, from a byte order
 * mark, else the HTTP Content-Type header, else the page's `<meta charset>` or `<meta
 * http-equiv="Content-Type">`, else UTF-8. A BOM comes first because it is in the bytes
 * themselves, while a server's default header is often wrong. A label the decoder does not know
 * is passed over. windows-1256, which older Persian sites still serve, is decoded by Node's own
 * TextDecoder. Never throws.
 */
export function decodeHtml(bytes: Uint8Array, contentType?: string | null): string {
  const labels = [bomEncoding(bytes), charsetOf(contentType ?? ""), metaCharset(bytes)];
  for (const label of labels) {
    if (label === undefined) continue;
    try {
      return new TextDecoder(label).decode(bytes);
    } catch {
      // An unknown label («charset=persian»): the next source is asked.
    }
  }
  return new TextDecoder("utf-8").decode(bytes);
}

/**
 * The article of a page: its text, title, address, date and site. `pageUrl` is where the page
 * was fetched from (absent for a file); relative canonical links are resolved against it.
 */
export function extractArticle(html: string, pageUrl?: string): PageArticle | { problem: string } {
  const notHtml = notHtmlReason(html);
  if (notHtml) return { problem: notHtml };
  let document: Document;
  let facts: PageFacts;
  let parsed: ReturnType<Readability<Element>["parse"]>;
  try {
    document = parseHTML(withBody(html)).document as unknown as Document;
    if (depthOf(document.documentElement) > MAX_DEPTH)
      return { problem: `not a page to read: its elements are nested more than ${MAX_DEPTH} deep` };
    // Read before Readability, which takes the page apart (scripts, headers, dates) as it works.
    facts = readFacts(document, pageUrl);
    // Classes kept: the walk over its content leaves out blocks they name as not the story.
    parsed = new Readability<Element>(document, { serializer: (node) => node as Element, keepClasses: true }).parse();
  } catch (err) {
    // Third-party parsers over pages from anywhere: a failure is this page's problem only.
    return { problem: `the page could not be parsed (${(err as Error).message})` };
  }
  const noArticle = { problem: "no article found in the page" };
  if (!parsed?.content) return noArticle;
  const { paragraphs: blocks, afterLinks } = paragraphsOf(parsed.content);
  // Nearly every paragraph under a link of its own: a list of teasers (a front or section page).
  if (afterLinks >= 3 && afterLinks >= blocks.length * 0.4) return noArticle;
  const title = pageTitle(facts, parsed.title ?? undefined);
  const headlines = [title, tidy(facts.headline?.textContent)].flatMap((h) => (h ? [compactForMatch(h)] : []));
  // The story starts under its headline. What Readability keeps above it (the news code, the
  // date, a pre-title) is the page's, and the headline is the title: prepare would read it twice.
  const at = blocks.slice(0, 5).findIndex((b) => headlines.includes(compactForMatch(b)));
  const paragraphs = at >= 0 ? blocks.slice(at + 1) : blocks;
  // Sites set the lead apart from the body, under the headline, where Readability seldom looks.
  if (facts.lead && !compactForMatch(paragraphs.join(" ")).includes(compactForMatch(facts.lead)))
    paragraphs.unshift(facts.lead);
  // A line that is a date and little else is the page's, not the story's; the first may date it.
  const dates = paragraphs.map(printedDate);
  const story = paragraphs.filter((_, i) => dates[i] === undefined);
  const text = story.join("\n\n");
  if (text.length < MIN_ARTICLE_CHARS) return noArticle;
  const publishedAt = facts.publishedAt ?? dates.find((d) => d !== undefined);
  return {
    title: title ?? deriveTitle(text),
    text,
    ...(facts.url && { url: facts.url }),
    ...(publishedAt && { publishedAt }),
    ...(facts.source && { source: facts.source }),
  };
}

// About 35 Persian words: less is a photo caption, a teaser or an error page's message, and a
// news brief, the shortest story agencies publish, has more.
const MIN_ARTICLE_CHARS = 200;

// Browsers stop nesting there too (Blink's HTML parser). Readability's time grows with the
// square of the depth: 1,000 nested elements take it seconds, 5,000 minutes.
const MAX_DEPTH = 512;

function depthOf(root: Element): number {
  let max = 0;
  const stack: Array<[Element, number]> = [[root, 1]];
  while (stack.length > 0) {
    const [el, depth] = stack.pop()!;
    if (depth > max) max = depth;
    for (const child of el.children) stack.push([child, depth + 1]);
  }
  return max;
}

function bomEncoding(bytes: Uint8Array): string | undefined {
  if (bytes[0] === 0xef && bytes[1] === 0xbb && bytes[2] === 0xbf) return "utf-8";
  if (bytes[0] === 0xfe && bytes[1] === 0xff) return "utf-16be";
  if (bytes[0] === 0xff && bytes[1] === 0xfe) return "utf-16le";
  return undefined;
}

function charsetOf(contentType: string): string | undefined {
  return /charset\s*=\s*["']?\s*([^"';\s]+)/i.exec(contentType)?.[1];
}

/**
 * The charset the page's head declares. Read as single bytes, which keeps the ASCII of the tags
 * whatever the charset; comments are skipped, and the body is not read.
 */
function metaCharset(bytes: Uint8Array): string | undefined {
  const head = new TextDecoder("windows-1252")
    .decode(bytes.subarray(0, 64 * 1024))
    .replace(/<!--[\s\S]*?-->/g, "")
    .split(/<body[\s>]/i)[0]!;
  const label = /<meta\b[^>]*?\bcharset\s*=\s*["']?\s*([\w.:-]+)/i.exec(head)?.[1];
  // A page that says UTF-16 in ASCII bytes is not UTF-16 (the WHATWG rule): it is UTF-8.
  return label && /^utf-16/i.test(label) ? "utf-8" : label;
}

function notHtmlReason(text: string): string | undefined {
  const start = text
    .slice(0, 4096)
    .replace(/^\ufeff/, "")
    .trimStart();
  if (start === "") return "an empty page";
  if (start.startsWith("%PDF-")) return "not an HTML page: a PDF document";
  const markup = /<(?:!doctype\s+html|html|head|body|title|meta|p|div|article|main|h1)[\s>/]/i;
  if (/^<\?xml|^<(?:rss|feed|urlset|sitemapindex)[\s>]/i.test(start) && !markup.test(text.slice(0, 64 * 1024)))
    return "not an HTML page: an XML document (a feed or a sitemap?)";
  if (!markup.test(text.slice(0, 1024 * 1024))) return "not an HTML page: no HTML markup in it";
  return undefined;
}

/**
 * The page with a `<body>` tag. HTML lets a page leave it out (old templates and fragments do),
 * but linkedom does not infer it as browsers do, and Readability reads only the body.
 */
function withBody(html: string): string {
  if (/<body[\s>]/i.test(html)) return html;
  const headEnd = /<\/head\s*>/i.exec(html);
  if (headEnd) {
    const at = headEnd.index + headEnd[0].length;
    return `${html.slice(0, at)}<body>${html.slice(at).replace(/<\/html\s*>\s*$/i, "")}</body></html>`;
  }
  const content = html.replace(/^\s*(?:<\?xml[^>]*>\s*)?(?:<!doctype[^>]*>\s*)?(?:<html[^>]*>)?/i, "");
  // What only a head holds (the title, metas, links, scripts) leads such a page.
  const head = HEAD_ELEMENTS.exec(content)![0];
  const body = content.slice(head.length).replace(/<\/html\s*>\s*$/i, "");
  return `<!doctype html><html><head>${head}</head><body>${body}</body></html>`;
}

const HEAD_ELEMENTS =
  /^(?:\s*(?:<title[^>]*>[\s\S]*?<\/title\s*>|<style[^>]*>[\s\S]*?<\/style\s*>|<script[^>]*>[\s\S]*?<\/script\s*>|<(?:meta|link|base)\b[^>]*>|<head[^>]*>))*/i;

interface PageFacts {
  ogTitle?: string;
  tagTitle?: string;
  /** The page's headline: the `<h1>` that the og:title or `<title>` names. */
  headline?: Element;
  /** The lead, set apart under the headline. */
  lead?: string;
  url?: string;
  publishedAt?: string;
  source?: string;
}

function readFacts(doc: Document, pageUrl?: string): PageFacts {
  const ogTitle = tidy(metaContent(doc, ["og:title", "twitter:title"]));
  const tagTitle = tidy(doc.querySelector("title")?.textContent);
  const headline = findHeadline(doc, [ogTitle, tagTitle]);
  const near = headline ? nearHeadline(doc, headline) : [];
  const lead = findLead(near, headline, tidy(metaContent(doc, ["og:description", "description"])));
  const url = pageAddress(doc, pageUrl);
  const publishedAt = publicationDate(doc, near);
  const source = tidy(metaContent(doc, ["og:site_name"]));
  return {
    ...(ogTitle && { ogTitle }),
    ...(tagTitle && { tagTitle }),
    ...(headline && { headline }),
    ...(lead && { lead }),
    ...(url && { url }),
    ...(publishedAt && { publishedAt }),
    ...(source && { source }),
  };
}

// How far from the headline, in elements, the story's own date and lead are printed. Dates
// further away are the page's (today's, in the top bar) or other stories' and comments'.
const NEAR = 25;
// Blocks near the headline that are not the story's, named as sites name them.
const NOT_THE_STORY = /comment|reply|related|sidebar|ticker|breadcrumb/i;

/**
 * The elements within NEAR of the headline in document order, nearest first (at the same
 * distance, the one after it), without the headline and what holds it, and without the site's
 * header, menus, forms and the boxes NOT_THE_STORY names.
 */
function nearHeadline(doc: Document, headline: Element): Element[] {
  const all = [...doc.querySelectorAll("*")];
  const at = all.indexOf(headline);
  const near: Element[] = [];
  for (let d = 1; d <= NEAR; d++) near.push(...[all[at + d], all[at - d]].filter((el): el is Element => !!el));
  return near.filter((el) => {
    if (el.contains(headline) || headline.contains(el)) return false;
    if (el.closest("head, script, style, nav, footer, aside, form") || isSiteHeader(el, headline)) return false;
    // Up to what holds the headline too: a page's wrappers («has-sidebar» on the body) are not boxes.
    for (let e: Element | null = el; e && !e.contains(headline); e = e.parentElement)
      if (NOT_THE_STORY.test(`${e.getAttribute("class") ?? ""} ${e.getAttribute("id") ?? ""}`)) return false;
    return true;
  });
}

/** Inside the site's header (logo, menu, today's date), not the story's own `<header>`. */
function isSiteHeader(el: Element, headline: Element): boolean {
  const header = el.closest("header");
  return !!header && !header.closest("article") && !header.contains(headline);
}

// «lead» (Tasnim, Mehr, Khabaronline), «summary» and «introtext» (IRNA, ISNA) and the like.
const LEAD = /lead|summary|intro|abstract|excerpt|description/i;

/** The lead: near the headline, marked as one or starting as the page's description does. */
function findLead(near: Element[], headline?: Element, description?: string): string | undefined {
  const start = description ? compactForMatch(description).slice(0, 50) : undefined;
  for (const el of near) {
    const text = tidy(el.textContent);
    if (!text || text.length < 40 || (headline && el.contains(headline))) continue;
    // One block, not a container that holds the body (and its captions) too.
    if (el.querySelector(BLOCK_SELECTOR)) continue;
    const marked = LEAD.test(`${el.getAttribute("class") ?? ""} ${el.getAttribute("itemprop") ?? ""}`);
    if (marked || (start && start.length >= 20 && compactForMatch(text).startsWith(start))) return text;
  }
  return undefined;
}

/** The first non-empty `content` of a `<meta>` named by property, name or itemprop, in key order. */
function metaContent(doc: Document, keys: string[]): string | undefined {
  const metas = [...doc.querySelectorAll("meta")];
  for (const key of keys) {
    for (const meta of metas) {
      const names = ["property", "name", "itemprop"].map((a) => meta.getAttribute(a)?.trim().toLowerCase());
      const content = meta.getAttribute("content")?.trim();
      if (content && names.includes(key.toLowerCase())) return content;
    }
  }
  return undefined;
}

function findHeadline(doc: Document, titles: Array<string | undefined>): Element | undefined {
  const h1s = [...doc.querySelectorAll("h1")].filter((h) => tidy(h.textContent));
  const named = h1s.find((h) => {
    const text = compactForMatch(h.textContent ?? "");
    return text.length >= 10 && titles.some((t) => t && compactForMatch(t).includes(text));
  });
  // Without a match, the first h1 that is not the logo in the site's header.
  return named ?? h1s.find((h) => !h.closest("header, nav") || h.closest("article"));
}

/**
 * Title candidates in order of trust: og:title, Readability's, the headline, `<title>`. The
 * site's name is dropped from the end (or the start) when it is evident: the page's own `<h1>`
 * is the rest, the part is the og:site_name, starts with a word such as «خبرگزاری», or follows a
 * «|», which no headline uses.
 */
function pageTitle(facts: PageFacts, readabilityTitle?: string): string | undefined {
  const h1 = tidy(facts.headline?.textContent);
  const raw = [facts.ogTitle, tidy(readabilityTitle), h1, facts.tagTitle].find((t) => t);
  if (!raw) return undefined;
  if (h1 && h1.length >= 10 && raw !== h1 && compactForMatch(raw).includes(compactForMatch(h1))) {
    const rest = compactForMatch(raw).replace(compactForMatch(h1), "");
    if (/^[|\-–—:«»•·]*[^|\-–—:«»•·]{0,40}[|\-–—:«»•·]*$/u.test(rest)) return h1;
  }
  return withoutSiteName(raw, facts.source);
}

const SITE_WORDS = /^(?:خبرگزاری|پایگاه|روزنامه|سایت|وبسایت|شبکه|هفته‌?نامه|ماهنامه|خبرنامه|رسانه)/u;

function withoutSiteName(title: string, siteName?: string): string {
  const parts = title.split(/(\s+[|\-–—•·]\s+|\s*\|\s*)/u);
  if (parts.length < 3) return title;
  const isSite = (part: string, separator: string) => {
    const p = compactForMatch(part);
    const site = siteName ? compactForMatch(siteName) : undefined;
    if (site && p.length > 0 && (site.includes(p) || p.includes(site))) return true;
    if (SITE_WORDS.test(part.trim())) return true;
    return separator.trim() === "|" && part.trim().split(/\s+/).length <= 4;
  };
  let kept = parts;
  if (isSite(kept.at(-1)!, kept.at(-2)!)) kept = kept.slice(0, -2);
  if (kept.length >= 3 && isSite(kept[0]!, kept[1]!)) kept = kept.slice(2);
  const result = kept.join("").trim();
  // A «title» of a word or two is more likely a headline cut in the wrong place than a headline.
  return result.split(/\s+/).length >= 3 ? result : title;
}

/** `<link rel=canonical>`, else og:url, else where the page was fetched: the first web address. */
function pageAddress(doc: Document, pageUrl?: string): string | undefined {
  const canonical = [...doc.querySelectorAll("link[rel]")]
    .find((l) => (l.getAttribute("rel") ?? "").toLowerCase().split(/\s+/).includes("canonical"))
    ?.getAttribute("href");
  const declared = [canonical, metaContent(doc, ["og:url"])];
  for (const candidate of declared) {
    const url = candidate && resolve(candidate, pageUrl);
    // CMSs misconfigured to name their home page on every page: a story is never the home page.
    if (url && new URL(url).pathname !== "/") return url;
  }
  return pageUrl ? resolve(pageUrl) : undefined;
}

function resolve(href: string, base?: string): string | undefined {
  try {
    const url = new URL(href.trim(), base);
    url.hash = "";
    return isWebUrl(url.href) ? url.href : undefined;
  } catch {
    return undefined;
  }
}

/**
 * The publication date: `article:published_time`, JSON-LD `datePublished`, the `<time datetime>`
 * marked as it or nearest the headline, else the Jalali date printed nearest the headline
 * («۱۴ آذر ۱۴۰۵ - ۱۰:۳۰»).
 */
function publicationDate(doc: Document, near: Element[]): string | undefined {
  const meta = isoDate(metaContent(doc, ["article:published_time", "datePublished", "og:published_time"]));
  if (meta) return meta;
  const jsonLd = jsonLdDate(doc);
  if (jsonLd) return jsonLd;
  const marked = doc.querySelector("time[itemprop=datePublished], time[pubdate]");
  for (const el of [marked, ...near.filter((e) => e.localName === "time")]) {
    const value = isoDate(el?.getAttribute("datetime") ?? undefined);
    if (value) return value;
  }
  for (const el of near) {
    const value = printedDate(tidy(el.textContent) ?? "");
    if (value) return value;
  }
  return undefined;
}

// What a line that shows a story's date holds besides the date: labels, weekdays, the news code.
const DATE_LINE_WORDS =
  /فروردین|اردیبهشت|خرداد|تیر|امرداد|مرداد|شهریور|مهر|آبان|آذر|دی|بهمن|اسفند|(?:یک|دو|سه|چهار|پنج)?[\s\u200c]?شنبه|جمعه|تاریخ|انتشار|منتشر شده|به[\s\u200c]?روز ?رسانی|ساعت|کد خبر|شناسه خبر/gu;

/**
 * The date of a line that is a date and little else: «۱۴ آذر ۱۴۰۵ - ۱۰:۳۰», «تاریخ انتشار:
 * شنبه ۱۴ آذر ۱۴۰۵». A sentence that names a date («نمایشگاه از ۱۴ آذر آغاز می‌شود») is no
 * publication date, nor is «امروز: شنبه ۱۵ آذر ۱۴۰۵», the day the page was seen.
 */
function printedDate(line: string): string | undefined {
  if (line.length > 80 || line.includes("امروز")) return undefined;
  const rest = toLatinDigits(line).replace(/\d+/g, "").replace(DATE_LINE_WORDS, "");
  return /^[\s\-–—:،,/|.]*$/u.test(rest) ? parsePublishedDate(line) : undefined;
}

/** `datePublished` of the shallowest article object in the page's JSON-LD (@graph, arrays). */
function jsonLdDate(doc: Document): string | undefined {
  for (const script of doc.querySelectorAll("script")) {
    if ((script.getAttribute("type") ?? "").trim().toLowerCase() !== "application/ld+json") continue;
    const raw = script.textContent ?? "";
    let data: unknown;
    try {
      data = JSON.parse(raw);
    } catch {
      // Persian titles with unescaped quotes break many sites' JSON-LD; the date is still there.
      const value = isoDate(/"datePublished"\s*:\s*"([^"]+)"/.exec(raw)?.[1]);
      if (value) return value;
      continue;
    }
    let level: unknown[] = [data];
    let fallback: string | undefined;
    for (let depth = 0; depth < 6 && level.length > 0; depth++) {
      const next: unknown[] = [];
      for (const node of level) {
        if (Array.isArray(node)) next.push(...node);
        else if (node && typeof node === "object") {
          const o = node as Record<string, unknown>;
          const value = isoDate(typeof o.datePublished === "string" ? o.datePublished : undefined);
          if (value && isArticleType(o["@type"])) return value;
          fallback ??= value;
          next.push(...Object.values(o));
        }
      }
      level = next;
    }
    if (fallback) return fallback;
  }
  return undefined;
}

function isArticleType(type: unknown): boolean {
  const types = Array.isArray(type) ? type : [type];
  return types.some((t) => typeof t === "string" && /Article$|^BlogPosting$|^Report$/.test(t));
}

/**
 * A machine-readable date as ISO-8601: ISO itself, a Jalali one in digits («1405-09-14T10:30»,
 * which some Iranian CMSs write), or any date `Date.parse` reads. A date-time without an offset
 * is taken as Tehran time, the time Persian news sites keep.
 */
function isoDate(value?: string): string | undefined {
  if (!value) return undefined;
  const v = toLatinDigits(value.trim());
  const m =
    /^(\d{4})[-/](\d{1,2})[-/](\d{1,2})(?:[T\s]+(\d{1,2}):(\d{2})(?::(\d{2}))?(?:\.\d+)?)?\s*(Z|[+-]\d{2}:?\d{2})?$/i.exec(
      v,
    );
  if (m) {
    const [, y, mo, d, hh, mm, ss = "00", zone] = m;
    let date = { year: Number(y), month: Number(mo), day: Number(d) };
    if (date.month < 1 || date.month > 12 || date.day < 1 || date.day > 31) return undefined;
    if (hh !== undefined && (Number(hh) > 23 || Number(mm) > 59)) return undefined;
    if (date.year >= 1300 && date.year < 1500) date = jalaliToGregorian(date.year, date.month, date.day);
    else if (date.year < 1900) return undefined;
    const day = `${date.year}-${pad(date.month)}-${pad(date.day)}`;
    if (hh === undefined) return day;
    const offset = zone
      ? zone.toUpperCase() === "Z"
        ? "Z"
        : zone.replace(/^([+-]\d{2})(\d{2})$/, "$1:$2")
      : tehranOffset(date.year, date.month, date.day, Number(hh), Number(mm));
    return `${day}T${pad(Number(hh))}:${mm}:${ss}${offset}`;
  }
  // Date.parse reads almost anything («1» is 2001): only what names a year of this era.
  if (!/\b(?:19|20)\d\d\b/.test(v)) return undefined;
  const ms = Date.parse(v);
  return Number.isNaN(ms) ? undefined : new Date(ms).toISOString();
}

function pad(n: number): string {
  return String(n).padStart(2, "0");
}

const BLOCKS = new Set(
  "address article aside blockquote br dd details dl dt div fieldset figure footer form h1 h2 h3 h4 h5 h6 header hr li main nav ol p pre section summary table tbody tfoot thead tr ul".split(
    " ",
  ),
);
// Not the story's words: captions are mostly photo credits, and controls are the page's.
const SKIPPED = new Set(
  "figcaption script style noscript template button select option textarea input svg iframe object canvas".split(" "),
);
const BLOCK_SELECTOR = [...BLOCKS].filter((t) => t !== "br").join(", ");
// A block whose words are mostly links is a «بیشتر بخوانید» line or a list of other stories.
const MAX_LINK_SHARE = 0.5;

/**
 * The text of Readability's content, one paragraph a block, whitespace tidied, without blocks
 * that are mostly links. `afterLinks` counts the paragraphs that follow such a block.
 */
function paragraphsOf(root: Element): { paragraphs: string[]; afterLinks: number } {
  const total = (root.textContent ?? "").length;
  // A box the class names as comments or related news, never a wrapper that holds most of the story.
  const isBox = (el: Element) =>
    NOT_THE_STORY.test(el.getAttribute("class") ?? "") && (el.textContent ?? "").length < total / 2;
  const paragraphs: string[] = [];
  let afterLinks = 0;
  let lastWasLinks = false;
  let text = "";
  let linked = 0;
  const flush = () => {
    const line = tidy(text);
    text = "";
    const share = line ? linked / line.length : 0;
    linked = 0;
    if (!line) return;
    if (share <= MAX_LINK_SHARE) {
      if (lastWasLinks) afterLinks++;
      paragraphs.push(line);
      lastWasLinks = false;
      return;
    }
    // A label such as «بیشتر بخوانید:» goes with the links it introduced.
    if (!lastWasLinks && /^[^.!؟?]{1,30}:$/u.test(paragraphs.at(-1) ?? "")) paragraphs.pop();
    lastWasLinks = true;
  };
  const walk = (node: Node, inLink: boolean) => {
    for (const child of node.childNodes) {
      if (child.nodeType === child.TEXT_NODE) {
        const t = child.textContent ?? "";
        text += t;
        if (inLink) linked += t.trim().length;
      } else if (child.nodeType === child.ELEMENT_NODE) {
        const tag = (child as Element).localName;
        if (SKIPPED.has(tag) || isBox(child as Element)) continue;
        if ((tag === "td" || tag === "th") && text.trim()) text += " | ";
        const block = BLOCKS.has(tag);
        if (block) flush();
        walk(child, inLink || tag === "a");
        if (block) flush();
      }
    }
  };
  walk(root, false);
  flush();
  return { paragraphs, afterLinks };
}

function tidy(text: string | null | undefined): string | undefined {
  const out = tidyWhitespace((text ?? "").replace(/[\u0000-\u0008\u000b-\u001f\u007f]/g, "").replace(/\s+/g, " "));
  return out || undefined;
}

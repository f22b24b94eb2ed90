import { compactForMatch, tidyWhitespace } from "../core/persian/normalize.ts";
import { parsePublishedDate } from "../core/persian/dates.ts";

/**
 * Separates a news page saved as text into the article and the page furniture around it.
 *
 * Pages copied from Persian news sites carry the site's chrome: banners («نیوز سیتی!»), the
 * chat box's own text («گفتگو با هوش مصنوعی», the «💬 سلام! …» greeting), end markers
 * («انتهای پیام/ش»), comment forms and related-news blocks. None of it is the article, and
 * none of it may be indexed or quoted. What it says about the article (source, news id, date,
 * the title inside the greeting) is kept as `PageFacts` for `metadata.ts`.
 */
export interface CleanedPage {
  /** Paragraphs of the article, blank-line separated, whitespace tidied. */
  text: string;
  facts: PageFacts;
}

export interface PageFacts {
  /** The headline line at the top of the page, when there is one. */
  headline?: string;
  /** The article title quoted inside the chat greeting «… دربارهی «TITLE» بیشتر بدونی؟». */
  greetingTitle?: string;
  /** «منبع: X» */
  sourceLine?: string;
  /** «شناسه خبر: N» / «کد خبر: N» */
  newsId?: string;
  /** ISO date from a date line or a «date YYYY-MM-DD» prefix. */
  publishedAt?: string;
}

// Lines after which nothing belongs to the article (compared in compact form, so ZWNJ and
// spacing variants such as «مهم‌ترین» match too).
const END_MARKERS = [
  "انتهای پیام",
  "اخبار پیشنهادی",
  "تبادل نظر",
  "مهمترین اخبار ایران و جهان",
  "گفتگو با هوش مصنوعی",
  "گفت و گو با هوش مصنوعی",
  "آدرس ایمیل خود را با فرمت مناسب وارد نمایید",
  "اخبار مرتبط",
  "نظرات",
  "ارسال نظر",
].map(compactForMatch);

const GREETING = /^💬?\s*سلام!?.*(?:بیشتر بدونی|راهنمایی)/u;
const GREETING_TITLE = /«([^»]+)»/u;
const SOURCE_LINE = /^منبع\s*[:：]\s*(.+)$/u;
const NEWS_ID_LINE = /^(?:شناسه خبر|کد خبر|شماره خبر)\s*[:：]\s*([0-9۰-۹]+)\s*$/u;
const DATE_PREFIX = /^date\s+(\d{4}-\d{2}-\d{2})\s*/iu;
// A short shouting line before the story is a site banner: «نیوز سیتی!».
const BANNER = /^[^\s.!؟]+(?:\s+[^\s.!؟]+){0,3}\s*!$/u;

/**
 * Splits page text into article paragraphs and page facts. Pure; never throws. With
 * `hasTitle` (a JSONL line that names its title) the first line is never taken for a headline.
 */
export function cleanPage(raw: string, options: { hasTitle?: boolean } = {}): CleanedPage {
  const facts: PageFacts = {};
  const lines = raw.replace(/\r\n?/g, "\n").split("\n").map(tidyWhitespace);
  const kept: string[] = [];

  for (let i = 0; i < lines.length; i++) {
    const line = lines[i]!;
    if (line === "") {
      kept.push("");
      continue;
    }
    const compact = compactForMatch(line).replace(/[:：.!]+$/u, "");
    if (END_MARKERS.some((m) => compact === m || (compact.startsWith(m) && compact.length - m.length <= 3))) {
      // «انتهای پیام/ش» ends the story; keep scanning only for facts (the greeting's title).
      scanTrailingFacts(lines.slice(i), facts);
      break;
    }
    if (GREETING.test(line)) {
      facts.greetingTitle ??= GREETING_TITLE.exec(line)?.[1]?.trim();
      continue;
    }
    const source = SOURCE_LINE.exec(line);
    if (source) {
      facts.sourceLine ??= source[1]!.trim();
      continue;
    }
    const newsId = NEWS_ID_LINE.exec(line);
    if (newsId) {
      facts.newsId ??= toAsciiNumber(newsId[1]!);
      continue;
    }
    if (kept.every((l) => l === "") && BANNER.test(line)) continue;
    if (isDateLine(line)) {
      facts.publishedAt ??= parsePublishedDate(line);
      continue;
    }
    const prefixed = DATE_PREFIX.exec(line);
    if (prefixed) {
      facts.publishedAt ??= parsePublishedDate(prefixed[1]!);
      const rest = line.slice(prefixed[0].length);
      if (rest) kept.push(rest);
      continue;
    }
    kept.push(line);
  }

  const paragraphs = kept.filter((l) => l !== "");
  const first = paragraphs[0];
  if (!options.hasTitle && first !== undefined && paragraphs.length > 1 && isHeadline(first)) {
    facts.headline = first;
    paragraphs.shift();
  }
  return { text: paragraphs.join("\n\n"), facts };
}

function scanTrailingFacts(rest: string[], facts: PageFacts): void {
  for (const line of rest) {
    if (GREETING.test(line)) facts.greetingTitle ??= GREETING_TITLE.exec(line)?.[1]?.trim();
    const source = SOURCE_LINE.exec(line);
    if (source) facts.sourceLine ??= source[1]!.trim();
    const newsId = NEWS_ID_LINE.exec(line);
    if (newsId) facts.newsId ??= toAsciiNumber(newsId[1]!);
  }
}

/** A line that is only a date and maybe a time: «01 شهریور 1401 - 22:21», «1401/06/01». */
function isDateLine(line: string): boolean {
  if (line.length > 40) return false;
  if (parsePublishedDate(line) === undefined) return false;
  // What is left after removing the date parts must be separators only.
  const rest = line
    .replace(/[0-9۰-۹]+/g, "")
    .replace(/فروردین|اردیبهشت|خرداد|تیر|مرداد|امرداد|شهریور|مهر|آبان|آذر|دی|بهمن|اسفند|ساعت|date/gu, "");
  return /^[\s\-–:،,/T]*$/u.test(rest);
}

/**
 * The page's headline: a first line that is short and is not a sentence of the story itself
 * (it ends without sentence punctuation and has a few words at least).
 */
function isHeadline(line: string): boolean {
  if (line.length > 160) return false;
  if (/[.!؟?:؛…]$/u.test(line)) return false;
  return line.split(/\s+/).length >= 3;
}

function toAsciiNumber(digits: string): string {
  return digits.replace(/[۰-۹]/g, (d) => String(d.charCodeAt(0) - 0x06f0));
}

import { XMLParser, XMLValidator } from "fast-xml-parser";
import { isWebUrl } from "../../core/url.ts";

/**
 * What a publisher lists: RSS 2.0 (and RSS 1.0/RDF), Atom, a sitemap or news sitemap, or a
 * sitemap index (whose items are the sitemaps it lists). Parsed with fast-xml-parser; every item
 * becomes a link to an article page, with what the feed says of its version.
 */
export type FeedKind = "rss" | "atom" | "sitemap" | "sitemap-index";

export interface FeedItem {
  /** The article page (or, in a sitemap index, the sitemap), absolute http(s). */
  link: string;
  /** RSS guid or Atom id: names the item when its link changes. */
  guid?: string;
  title?: string;
  /** ISO-8601, when the feed dates the item. */
  publishedAt?: string;
  /**
   * What the feed says of the item's version (Atom `updated`, sitemap `lastmod`, RSS `pubDate`):
   * an item whose version is unchanged is not fetched again.
   */
  version?: string;
}

export interface ParsedFeed {
  kind: FeedKind;
  /** Newest first where the feed dates its items; in the feed's order otherwise. */
  items: FeedItem[];
}

const LISTS = new Set(["item", "entry", "url", "sitemap", "link"]);
const parser = new XMLParser({
  ignoreAttributes: false,
  attributeNamePrefix: "@_",
  removeNSPrefix: true,
  // One item is still a list of one.
  isArray: (name) => LISTS.has(name),
  // A feed is data, never markup to expand: no entity but XML's own.
  processEntities: true,
  htmlEntities: false,
});

type Node = Record<string, unknown>;

export function parseFeed(text: string, baseUrl: string): ParsedFeed | { problem: string } {
  const head = text.slice(0, 1000).trimStart().toLowerCase();
  if (/^(?:<!doctype html|<html)/.test(head) || (/<html[\s>]/.test(head) && !head.startsWith("<?xml")))
    return { problem: "is an HTML page, not a feed (RSS, Atom or a sitemap)" };
  const valid = XMLValidator.validate(text);
  if (valid !== true) return { problem: `is not well-formed XML: ${valid.err.msg} (line ${valid.err.line})` };
  let doc: Node;
  try {
    doc = parser.parse(text) as Node;
  } catch (err) {
    return { problem: `is not well-formed XML: ${(err as Error).message}` };
  }
  const rss = (doc.rss as Node | undefined)?.channel as Node | undefined;
  const rdf = doc.RDF as Node | undefined;
  if (rss || rdf)
    return feed(
      "rss",
      list(rss?.item ?? rdf?.item).map((i) => rssItem(i, baseUrl)),
    );
  if (doc.feed)
    return feed(
      "atom",
      list((doc.feed as Node).entry).map((e) => atomEntry(e, baseUrl)),
    );
  if (doc.urlset)
    return feed(
      "sitemap",
      list((doc.urlset as Node).url).map((u) => sitemapUrl(u, baseUrl)),
    );
  if (doc.sitemapindex)
    return feed(
      "sitemap-index",
      list((doc.sitemapindex as Node).sitemap).map((s) => sitemapUrl(s, baseUrl)),
    );
  const root = Object.keys(doc).find((k) => !k.startsWith("?")) ?? "nothing";
  return { problem: `is XML but not a feed: its root is <${root}>, not <rss>, <feed>, <urlset> or <sitemapindex>` };
}

function feed(kind: FeedKind, items: Array<FeedItem | undefined>): ParsedFeed {
  const kept = items.filter((i): i is FeedItem => i !== undefined);
  const seen = new Set<string>();
  const unique = kept.filter((i) => !seen.has(i.link) && !!seen.add(i.link));
  // Newest first, the undated after the dated in their own order: the first sync reads the newest.
  const time = (i: FeedItem) => (i.publishedAt ? Date.parse(i.publishedAt) : Number.NEGATIVE_INFINITY);
  const ordered = unique
    .map((item, index) => ({ item, index }))
    .sort((a, b) => time(b.item) - time(a.item) || a.index - b.index)
    .map((x) => x.item);
  return { kind, items: ordered };
}

function rssItem(node: unknown, baseUrl: string): FeedItem | undefined {
  const item = node as Node;
  const guid = text(item.guid);
  const permalink = (item.guid as Node | undefined)?.["@_isPermaLink"] !== "false" ? guid : undefined;
  const link = absolute(list(item.link).map(text).find(Boolean) ?? permalink, baseUrl);
  if (!link) return undefined;
  const date = text(item.pubDate) ?? text(item.date) ?? text(item.updated);
  return made({ link, guid, title: text(item.title), publishedAt: iso(date), version: text(item.updated) ?? date });
}

function atomEntry(node: unknown, baseUrl: string): FeedItem | undefined {
  const entry = node as Node;
  const links = list(entry.link).map((l) => l as Node);
  const alternate = links.find((l) => !l["@_rel"] || l["@_rel"] === "alternate") ?? links[0];
  const link = absolute(text(alternate?.["@_href"]), baseUrl);
  if (!link) return undefined;
  const published = text(entry.published) ?? text(entry.updated);
  return made({
    link,
    guid: text(entry.id),
    title: text(entry.title),
    publishedAt: iso(published),
    version: text(entry.updated) ?? published,
  });
}

function sitemapUrl(node: unknown, baseUrl: string): FeedItem | undefined {
  const url = node as Node;
  const link = absolute(text(url.loc), baseUrl);
  if (!link) return undefined;
  const news = list(url.news)[0] as Node | undefined;
  const published = text(news?.publication_date) ?? text(url.lastmod);
  return made({
    link,
    title: text(news?.title),
    publishedAt: iso(published),
    version: text(url.lastmod) ?? published,
  });
}

function made(item: FeedItem): FeedItem {
  return Object.fromEntries(Object.entries(item).filter(([, v]) => v !== undefined)) as unknown as FeedItem;
}

function list(value: unknown): unknown[] {
  return value === undefined || value === null ? [] : Array.isArray(value) ? value : [value];
}

/** An element's text, whether it came as a string, a number or `{"#text": …}` (with attributes). */
function text(value: unknown): string | undefined {
  const raw =
    typeof value === "string" || typeof value === "number"
      ? String(value)
      : value && typeof value === "object" && "#text" in value
        ? String((value as Node)["#text"])
        : undefined;
  const trimmed = raw?.trim();
  return trimmed ? trimmed : undefined;
}

function absolute(href: string | undefined, baseUrl: string): string | undefined {
  if (!href) return undefined;
  try {
    const url = new URL(href, baseUrl).href;
    return isWebUrl(url) ? url : undefined;
  } catch {
    return undefined;
  }
}

/**
 * A feed's date (RFC 822 in RSS, ISO in Atom and sitemaps) as ISO-8601, in the publisher's own
 * offset («Mon, 07 Dec 2026 23:30:00 +0330» → "2026-12-07T23:30:00+03:30"): the day a reader
 * is shown is the day the publisher printed. Undefined when unreadable.
 */
function iso(date: string | undefined): string | undefined {
  if (!date) return undefined;
  if (/^\d{4}-\d{2}-\d{2}/.test(date)) return date;
  const time = Date.parse(date);
  if (Number.isNaN(time)) return undefined;
  const zone = /([+-])(\d{2}):?(\d{2})\s*$/.exec(date);
  if (!zone) return new Date(time).toISOString().replace(".000Z", "Z");
  const minutes = (zone[1] === "-" ? -1 : 1) * (Number(zone[2]) * 60 + Number(zone[3]));
  const local = new Date(time + minutes * 60_000).toISOString().slice(0, 19);
  return `${local}${zone[1]}${zone[2]}:${zone[3]}`;
}

/**
 * A feed's text: the charset of the HTTP header, else of the XML declaration
 * (`<?xml … encoding="windows-1256"?>`), else UTF-8.
 */
export function decodeXml(bytes: Uint8Array, contentType: string | null): string {
  const header = /charset="?([\w-]+)/i.exec(contentType ?? "")?.[1];
  const declared = /^\s*<\?xml[^>]*encoding=["']([\w-]+)["']/i.exec(
    new TextDecoder("latin1").decode(bytes.slice(0, 200)),
  )?.[1];
  for (const label of [header, declared, "utf-8"]) {
    if (!label) continue;
    try {
      return new TextDecoder(label).decode(bytes);
    } catch {
      // An unknown label: the next one.
    }
  }
  return new TextDecoder().decode(bytes);
}

import { mkdir, readFile } from "node:fs/promises";
import path from "node:path";
import type { SourceArticle } from "../../core/article.ts";
import type { Config } from "../../core/config.ts";
import { atomicWrite } from "../article-files.ts";
import { decodeHtml, extractArticle } from "../html.ts";
import { sourceOfPage } from "../read.ts";
import { fetchResource, FetchProblem } from "./fetch.ts";
import { decodeXml, parseFeed, type FeedItem } from "./parse.ts";

/**
 * Keeps the corpus in step with what a newsroom publishes: its RSS or Atom feeds, sitemaps or
 * news sitemaps (FEED_URLS). Each poll asks every feed with a conditional request (a 304 costs
 * nothing more), fetches the pages of items that are new or whose version changed, a few at a
 * time, reduces each to its article (ingest/html.ts) and hands them to `publish` in batches, so
 * a long first sync becomes answerable as it goes. An article is named by its page's canonical
 * URL; a changed page replaces it; an item that leaves the feed is not deleted. What was seen is
 * kept in `stateFile`, so a restart fetches nothing it has.
 */
/** What the feeds' sync has seen, kept in ARTICLES_DIR (a dotfile: not read as articles). */
export const FEED_STATE_FILE = ".goftogu-feeds.json";

export interface FeedSyncOptions {
  urls: string[];
  /** Most items read from one feed in one poll, newest first (FEED_MAX_ITEMS). */
  maxItems: number;
  /** Where what was seen is kept between runs (JSON). */
  stateFile: string;
  /** Adds or replaces articles; resolves once they are durable (and, in a server, live). */
  publish: (sources: SourceArticle[]) => Promise<unknown>;
  log?: (entry: Record<string, unknown>) => void;
  /** Pages fetched at once. */
  concurrency?: number;
  timeoutMs?: number;
  maxPageBytes?: number;
  maxFeedBytes?: number;
}

/** What `/api/admin/status` and the ingest command show of one feed. */
export interface FeedStatus {
  url: string;
  kind?: string;
  lastPoll?: string;
  /** The feed's HTTP status at the last poll (304: unchanged), or "error" when it could not be read. */
  status?: number | "error";
  /** Why the feed itself could not be read, at the last poll. */
  error?: string;
  /** Items of the last poll: listed in the feed (up to FEED_MAX_ITEMS), new, changed, failed. */
  seen: number;
  new: number;
  changed: number;
  failed: number;
  /** The pages of the last poll that could not be read, and why. */
  failures: Array<{ url: string; reason: string }>;
  nextPoll?: string;
}

interface ItemState {
  /** The article's id: its canonical URL. */
  id: string;
  version?: string;
  hash: string;
}

interface State {
  feeds: Record<string, { etag?: string; lastModified?: string; kind?: string }>;
  /** By item: its guid, else its link. */
  items: Record<string, ItemState>;
}

const PAGE_TYPES = /^(?:text\/html|application\/xhtml\+xml)\b/i;
const FEED_ACCEPT = "application/rss+xml, application/atom+xml, application/xml;q=0.9, text/xml;q=0.9, */*;q=0.5";
/** Articles handed to `publish` at once: the first answers come early in a long first sync. */
const PUBLISH_BATCH = 20;
/** A progress line every so many pages. */
const PROGRESS_EVERY = 50;
/** Sitemaps of a sitemap index read in one poll, the newest first. */
const MAX_CHILD_SITEMAPS = 5;
/** Failures listed per feed: enough to see a pattern. */
const MAX_FAILURES_LISTED = 20;

export class FeedSync {
  private readonly statuses: Map<string, FeedStatus>;
  private state: State | undefined;
  private running: Promise<FeedStatus[]> | undefined;
  private timer: NodeJS.Timeout | undefined;
  private readonly log: (entry: Record<string, unknown>) => void;

  /** The sync of a configuration's FEED_URLS, its state kept in ARTICLES_DIR. */
  static of(
    config: Pick<Config, "feeds" | "articlesDir">,
    publish: FeedSyncOptions["publish"],
    log?: FeedSyncOptions["log"],
  ): FeedSync {
    return new FeedSync({
      urls: config.feeds.urls,
      maxItems: config.feeds.maxItems,
      stateFile: path.join(config.articlesDir, FEED_STATE_FILE),
      publish,
      ...(log && { log }),
    });
  }

  constructor(private readonly options: FeedSyncOptions) {
    this.statuses = new Map(options.urls.map((url) => [url, blank(url)]));
    this.log = options.log ?? (() => {});
  }

  /** Every feed's state, for `/api/admin/status`. */
  status(): FeedStatus[] {
    return [...this.statuses.values()].map((s) => ({ ...s, failures: [...s.failures] }));
  }

  /**
   * Polls every feed now, then every `minutes`. A poll still running when the next is due is
   * left to finish; the next comes a period after it.
   */
  start(minutes: number, { now = true }: { now?: boolean } = {}): void {
    const period = minutes * 60_000;
    const next = () => {
      const at = new Date(Date.now() + period).toISOString();
      for (const s of this.statuses.values()) s.nextPoll = at;
      this.timer = setTimeout(() => void this.poll().finally(next), period);
      this.timer.unref();
    };
    if (now) void this.poll().finally(next);
    else next();
  }

  stop(): void {
    clearTimeout(this.timer);
  }

  /** One poll of every feed; resolves with their status. Never rejects: failures are in the status. */
  poll(): Promise<FeedStatus[]> {
    this.running ??= this.pollAll().finally(() => (this.running = undefined));
    return this.running;
  }

  private async pollAll(): Promise<FeedStatus[]> {
    const state = await this.loadState();
    for (const url of this.options.urls) {
      try {
        await this.pollFeed(url, state);
      } catch (err) {
        // A failure of the state file or of publishing: the feed is retried at the next poll.
        const status = this.statuses.get(url)!;
        status.status = "error";
        status.error = (err as Error).message;
        this.log({ level: "error", msg: "feed poll failed", feed: url, error: status.error });
      }
      await this.saveState(state);
    }
    return this.status();
  }

  private async pollFeed(url: string, state: State): Promise<void> {
    const { kind, ...remembered } = state.feeds[url] ?? {};
    const status: FeedStatus = { ...blank(url), ...(kind && { kind }), lastPoll: new Date().toISOString() };
    this.statuses.set(url, status);
    let items: FeedItem[];
    try {
      const fetched = await this.fetchFeed(url, remembered);
      status.status = fetched.status;
      state.feeds[url] = {
        ...(fetched.etag && { etag: fetched.etag }),
        ...(fetched.lastModified && { lastModified: fetched.lastModified }),
      };
      if (kind) state.feeds[url]!.kind = kind;
      if (fetched.status === 304) {
        this.log({ level: "info", msg: "feed unchanged", feed: url });
        return;
      }
      const parsed = parseFeed(decodeXml(fetched.body, fetched.contentType), fetched.url);
      if ("problem" in parsed) throw new FetchProblem(url, parsed.problem);
      status.kind = state.feeds[url]!.kind = parsed.kind;
      items = parsed.kind === "sitemap-index" ? await this.childSitemaps(parsed.items, status) : parsed.items;
    } catch (err) {
      if (!(err instanceof FetchProblem)) throw err;
      status.status = "error";
      status.error = err.reason;
      // The conditions of a feed that could not be read are not kept: ask for it whole next time.
      delete state.feeds[url];
      this.log({ level: "warn", msg: "feed could not be read", feed: url, error: err.reason });
      return;
    }
    items = items.slice(0, this.options.maxItems);
    status.seen = items.length;
    const due = items.filter((item) => {
      const known = state.items[keyOf(item)];
      return !known || known.version !== item.version;
    });
    await this.readPages(due, state, status);
    this.log({
      level: status.failed > 0 ? "warn" : "info",
      msg: "feed polled",
      feed: url,
      seen: status.seen,
      new: status.new,
      changed: status.changed,
      failed: status.failed,
    });
  }

  /** A feed or sitemap, conditionally when its ETag or Last-Modified is known. */
  private fetchFeed(url: string, conditions: { etag?: string; lastModified?: string } = {}) {
    return fetchResource(url, {
      accept: FEED_ACCEPT,
      timeoutMs: this.options.timeoutMs ?? 20_000,
      maxBytes: this.options.maxFeedBytes ?? 20 * 1024 * 1024,
      ...conditions,
    });
  }

  /** The items of the newest sitemaps an index lists. */
  private async childSitemaps(sitemaps: FeedItem[], status: FeedStatus): Promise<FeedItem[]> {
    const items: FeedItem[] = [];
    for (const sitemap of sitemaps.slice(0, MAX_CHILD_SITEMAPS)) {
      try {
        const fetched = await this.fetchFeed(sitemap.link);
        const parsed = parseFeed(decodeXml(fetched.body, fetched.contentType), fetched.url);
        if ("problem" in parsed) throw new FetchProblem(sitemap.link, parsed.problem);
        if (parsed.kind !== "sitemap-index") items.push(...parsed.items);
      } catch (err) {
        if (!(err instanceof FetchProblem)) throw err;
        fail(status, sitemap.link, err.reason);
      }
    }
    return items;
  }

  /** Fetches the items' pages a few at a time and publishes their articles in batches. */
  private async readPages(items: FeedItem[], state: State, status: FeedStatus): Promise<void> {
    let batch: Array<{ item: FeedItem; source: SourceArticle; isNew: boolean }> = [];
    let read = 0;
    const flush = async () => {
      if (batch.length === 0) return;
      const publishing = batch;
      batch = [];
      await this.options.publish(publishing.map((p) => p.source));
      // Remembered only once published: an item whose article was not kept is fetched again.
      for (const { item, source, isNew } of publishing) {
        state.items[keyOf(item)] = {
          id: source.id,
          hash: source.contentHash,
          ...(item.version && { version: item.version }),
        };
        if (isNew) status.new++;
        else status.changed++;
      }
    };
    let next = 0;
    const worker = async () => {
      while (next < items.length) {
        const item = items[next++]!;
        const key = keyOf(item);
        const known = state.items[key];
        try {
          const source = await this.article(item, status.url);
          if (known && known.hash === source.contentHash && known.id === source.id) {
            // The feed says changed, the page is the same: remember the version, publish nothing.
            state.items[key] = { ...known, ...(item.version && { version: item.version }) };
          } else {
            batch.push({ item, source, isNew: !known });
            if (batch.length >= PUBLISH_BATCH) await flush();
          }
        } catch (err) {
          if (!(err instanceof FetchProblem)) throw err;
          fail(status, item.link, err.reason);
        }
        if (++read % PROGRESS_EVERY === 0)
          this.log({ level: "info", msg: "feed sync progress", feed: status.url, read, of: items.length });
      }
    };
    await Promise.all(Array.from({ length: Math.min(this.options.concurrency ?? 4, items.length) }, worker));
    await flush();
  }

  /** The item's page, as an article named by its canonical URL. */
  private async article(item: FeedItem, feedUrl: string): Promise<SourceArticle> {
    const fetched = await fetchResource(item.link, {
      accept: "text/html,application/xhtml+xml;q=0.9,*/*;q=0.5",
      timeoutMs: this.options.timeoutMs ?? 20_000,
      maxBytes: this.options.maxPageBytes ?? 5 * 1024 * 1024,
    });
    const type = fetched.contentType ?? "";
    if (!PAGE_TYPES.test(type))
      throw new FetchProblem(item.link, `is ${type.split(";")[0] || "of no content type"}, not an HTML page`);
    const page = extractArticle(decodeHtml(fetched.body, fetched.contentType), fetched.url);
    if ("problem" in page) throw new FetchProblem(item.link, page.problem);
    const url = page.url ?? fetched.url;
    const publishedAt = page.publishedAt ?? item.publishedAt;
    return sourceOfPage({ ...page, url, ...(publishedAt && { publishedAt }) }, { id: url, origin: `feed ${feedUrl}` });
  }

  private async loadState(): Promise<State> {
    if (this.state) return this.state;
    let state: State = { feeds: {}, items: {} };
    try {
      const json = JSON.parse(await readFile(this.options.stateFile, "utf8")) as Partial<State>;
      if (json && typeof json === "object") state = { feeds: json.feeds ?? {}, items: json.items ?? {} };
    } catch (err) {
      // None yet, or unreadable: every item is read again, and published articles are replaced
      // by themselves. Nothing is lost.
      if ((err as NodeJS.ErrnoException).code !== "ENOENT")
        this.log({
          level: "warn",
          msg: "feed state unreadable; reading every item again",
          error: (err as Error).message,
        });
    }
    this.state = state;
    return state;
  }

  private async saveState(state: State): Promise<void> {
    await mkdir(path.dirname(this.options.stateFile), { recursive: true });
    await atomicWrite(this.options.stateFile, JSON.stringify(state));
  }
}

function blank(url: string): FeedStatus {
  return { url, seen: 0, new: 0, changed: 0, failed: 0, failures: [] };
}

function fail(status: FeedStatus, url: string, reason: string): void {
  status.failed++;
  if (status.failures.length < MAX_FAILURES_LISTED) status.failures.push({ url, reason });
}

function keyOf(item: FeedItem): string {
  return item.guid ?? item.link;
}

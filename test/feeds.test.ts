import assert from "node:assert/strict";
import { mkdtemp, readdir, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import path from "node:path";
import { after, before, describe, it } from "node:test";
import type { Article, SourceArticle } from "../core/article.ts";
import { loadConfig } from "../core/config.ts";
import { parseFeed } from "../ingest/feeds/parse.ts";
import { FEED_STATE_FILE, FeedSync, type FeedStatus } from "../ingest/feeds/sync.ts";
import { runIngest, same, startServer, tempDir, type RunningServer } from "./support/helpers.ts";
import { newsPage, seedArticles } from "./support/news-site.ts";
import { BROKEN_PAGES, startNewsroom, type Newsroom, type NewsroomArticle } from "./support/newsroom.ts";

const QAZVIN = "000_6460d26cea20ff96";

describe("parseFeed", () => {
  it("reads RSS 2.0 items newest first, with links made absolute and dates in the publisher's offset", () => {
    const feed = parseFeed(
      `<?xml version="1.0"?><rss version="2.0"><channel>
<item><title>اول</title><link>/news/1</link><guid isPermaLink="false">n-1</guid><pubDate>Mon, 07 Dec 2026 23:30:00 +0330</pubDate></item>
<item><title>دوم</title><guid>https://news.example/news/2</guid><pubDate>Tue, 08 Dec 2026 10:00:00 GMT</pubDate></item>
<item><title>بی‌پیوند</title></item>
</channel></rss>`,
      "https://news.example/rss",
    );
    assert.ok(!("problem" in feed));
    assert.equal(feed.kind, "rss");
    assert.deepEqual(
      feed.items.map((i) => [i.link, i.guid, i.publishedAt]),
      [
        ["https://news.example/news/2", "https://news.example/news/2", "2026-12-08T10:00:00Z"],
        ["https://news.example/news/1", "n-1", "2026-12-07T23:30:00+03:30"],
      ],
    );
  });

  it("reads Atom entries, sitemaps, news sitemaps and sitemap indexes", () => {
    const atom = parseFeed(
      `<feed xmlns="http://www.w3.org/2005/Atom"><entry><title>خبر</title><link rel="enclosure" href="/a.mp3"/><link rel="alternate" href="/news/3"/><id>tag:3</id><published>2026-12-01T08:00:00+03:30</published><updated>2026-12-02T08:00:00+03:30</updated></entry></feed>`,
      "https://news.example/atom",
    );
    assert.deepEqual(atom, {
      kind: "atom",
      items: [
        {
          link: "https://news.example/news/3",
          guid: "tag:3",
          title: "خبر",
          publishedAt: "2026-12-01T08:00:00+03:30",
          version: "2026-12-02T08:00:00+03:30",
        },
      ],
    });
    const news = parseFeed(
      `<urlset xmlns:news="http://www.google.com/schemas/sitemap-news/0.9"><url><loc>https://news.example/news/4</loc><lastmod>2026-12-03</lastmod><news:news><news:publication_date>2026-12-03T09:00:00+03:30</news:publication_date><news:title>چهارم</news:title></news:news></url></urlset>`,
      "https://news.example/sitemap.xml",
    );
    assert.ok(!("problem" in news));
    assert.deepEqual(news.items[0], {
      link: "https://news.example/news/4",
      title: "چهارم",
      publishedAt: "2026-12-03T09:00:00+03:30",
      version: "2026-12-03",
    });
    const index = parseFeed(
      `<sitemapindex><sitemap><loc>https://news.example/s1.xml</loc></sitemap></sitemapindex>`,
      "https://news.example/",
    );
    assert.ok(!("problem" in index) && index.kind === "sitemap-index");
  });

  it("says what is wrong with what is not a feed", () => {
    const problem = (text: string) => (parseFeed(text, "https://news.example/") as { problem: string }).problem;
    assert.match(problem("<!doctype html><html><body>خبر</body></html>"), /is an HTML page, not a feed/);
    assert.match(problem("<rss><channel><item></channel></rss>"), /is not well-formed XML: .*\(line 1\)/);
    assert.match(problem("<svg></svg>"), /its root is <svg>, not <rss>, <feed>, <urlset> or <sitemapindex>/);
  });
});

/** Dates of the seed articles as the site publishes them, newest first in this order. */
function stories(seeds: Article[]): NewsroomArticle[] {
  return seeds.map((a, i) => ({
    slug: a.id,
    title: a.title,
    text: a.text,
    publishedAt: new Date(Date.UTC(2026, 11, 5, 7, 0) - i * 3_600_000).toISOString().replace(".000Z", "Z"),
  }));
}

/** One page in windows-1256 (named in the HTTP header), one dated only in Jalali: real sites do both. */
function render(article: NewsroomArticle, url: string) {
  return newsPage(article, {
    url,
    date: article.slug.startsWith("002") ? "jalali" : "json-ld",
    ...(article.slug.startsWith("001") && { encoding: "windows-1256" as const, charsetIn: "header" as const }),
  });
}

describe("FeedSync against a news site", () => {
  let seeds: Article[];
  let site: Newsroom;
  let stateDir: string;
  let stateFile: string;
  let sync: FeedSync;
  const published: SourceArticle[] = [];
  const pagesAsked = () => site.requests.filter((r) => r.path.startsWith("/news/")).length;

  before(async () => {
    seeds = await seedArticles();
    site = await startNewsroom(stories(seeds), render);
    stateDir = await mkdtemp(path.join(tmpdir(), "goftogu-feeds-"));
    stateFile = path.join(stateDir, FEED_STATE_FILE);
    sync = new FeedSync({
      urls: [`${site.url}/rss.xml`],
      maxItems: 500,
      stateFile,
      publish: async (sources) => void published.push(...sources),
      timeoutMs: 2_000,
    });
  });
  after(async () => {
    await site?.close();
    await rm(stateDir, { recursive: true, force: true });
  });

  it("reads every article of the feed, named by its page's canonical URL, without the page's furniture", async () => {
    const [status] = await sync.poll();
    assert.deepEqual(pick(status!), { status: 200, kind: "rss", seen: 5, new: 5, changed: 0, failed: 0 });
    assert.equal(published.length, 5);
    for (const seed of seeds) {
      const url = `${site.url}/news/${seed.id}`;
      const article = published.find((p) => p.id === url);
      assert.ok(article, `no article ${url} (the feed's link carries ?utm_source=rss; the canonical URL does not)`);
      assert.equal(article.url, url);
      // The windows-1256 page writes Arabic yeh «ي», as such sites did.
      assert.equal(same(article.title!), same(seed.title));
      const page = render(
        stories(seeds).find((s) => s.slug === seed.id)!,
        url,
      );
      for (const furniture of page.boilerplate) assert.ok(!article.raw.includes(furniture), `«${furniture}» in ${url}`);
    }
    const qazvin = published.find((p) => p.id.endsWith(QAZVIN))!;
    assert.match(qazvin.raw, /به ارزش ۲۶۳ میلیون دلار از قزوین/);
    // Read from windows-1256, named in the HTTP header only.
    const windows = published.find((p) => p.id.includes("/001_"))!;
    assert.ok(same(windows.raw).includes(same("صنایع کوچک نقش مهمی در ایجاد اشتغال")), windows.raw.slice(0, 200));
    // Dated only by «… آذر ۱۴۰۵» printed in the page.
    const jalali = published.find((p) => p.id.includes("/002_"))!;
    assert.equal(jalali.publishedAt?.slice(0, 10), "2026-12-05");
  });

  it("fetches no page when the feed answers 304", async () => {
    const before = pagesAsked();
    const [status] = await sync.poll();
    assert.equal(status!.status, 304);
    assert.equal(pagesAsked(), before);
    assert.deepEqual(site.requests.at(-1), { path: "/rss.xml", conditional: true });
  });

  it("replaces an article whose page was edited, and fetches only that page", async () => {
    const before = pagesAsked();
    const qazvin = seeds.find((s) => s.id === QAZVIN)!;
    site.edit(QAZVIN, qazvin.text.replace("۲۶۳ میلیون دلار", "۲۹۰ میلیون دلار"));
    const [status] = await sync.poll();
    assert.deepEqual(pick(status!), { status: 200, kind: "rss", seen: 5, new: 0, changed: 1, failed: 0 });
    assert.equal(pagesAsked(), before + 1);
    const latest = published.at(-1)!;
    assert.equal(latest.id, `${site.url}/news/${QAZVIN}`);
    assert.match(latest.raw, /۲۹۰ میلیون دلار/);
  });

  it("reports each page it cannot read, with its URL and why, and goes on", async () => {
    site.listBroken(true);
    const count = published.length;
    const [status] = await sync.poll();
    site.listBroken(false);
    assert.equal(status!.failed, BROKEN_PAGES.length);
    for (const broken of BROKEN_PAGES) {
      const failure = status!.failures.find((f) => f.url.endsWith(broken.path));
      assert.ok(failure, `${broken.path} is not reported`);
      assert.match(failure.reason, broken.reason, broken.path);
    }
    assert.equal(published.length, count, "nothing published from a broken page");
  });

  it("reports a feed it cannot read, and loses nothing published", async () => {
    const other = new FeedSync({
      urls: [`${site.url}/bad.xml`, `${site.url}/page.xml`, `${site.url}/nothing.xml`],
      maxItems: 500,
      stateFile: path.join(await tempDir(), FEED_STATE_FILE),
      publish: async () => assert.fail("nothing to publish"),
    });
    site.replaceFeed("/bad.xml", "<rss><channel><item><title>x</channel></rss>");
    site.replaceFeed("/page.xml", "<!doctype html><html><body>خانه</body></html>", "text/html");
    const statuses = await other.poll();
    assert.deepEqual(
      statuses.map((s) => [s.status, s.error?.replace(/:.*/, "")]),
      [
        ["error", "is not well-formed XML"],
        ["error", "is an HTML page, not a feed (RSS, Atom or a sitemap)"],
        ["error", "HTTP 404 Not Found"],
      ],
    );
  });

  it("reads the newest FEED_MAX_ITEMS of a sitemap of 10,000 pages", async () => {
    const big = new FeedSync({
      urls: [`${site.url}/sitemap-big.xml`],
      maxItems: 5,
      stateFile: path.join(await tempDir(), FEED_STATE_FILE),
      publish: async () => {},
    });
    const [status] = await big.poll();
    assert.equal(status!.seen, 5);
    assert.deepEqual(status!.failures.map((f) => new URL(f.url).pathname).sort(), [
      "/archive/9995",
      "/archive/9996",
      "/archive/9997",
      "/archive/9998",
      "/archive/9999",
    ]);
  });

  it("names an article the same from RSS, Atom and a news sitemap", async () => {
    for (const feed of ["atom.xml", "sitemap-news.xml"]) {
      const ids: string[] = [];
      const other = new FeedSync({
        urls: [`${site.url}/${feed}`],
        maxItems: 500,
        stateFile: path.join(await tempDir(), FEED_STATE_FILE),
        publish: async (sources) => void ids.push(...sources.map((s) => s.id)),
      });
      const [status] = await other.poll();
      assert.equal(status!.new, 5, feed);
      assert.deepEqual(ids.sort(), seeds.map((s) => `${site.url}/news/${s.id}`).sort(), feed);
    }
  });

  it("remembers what it has read across restarts", async () => {
    const before = pagesAsked();
    const again = new FeedSync({
      urls: [`${site.url}/rss.xml`],
      maxItems: 500,
      stateFile,
      publish: async () => assert.fail("nothing new"),
    });
    const [status] = await again.poll();
    // The feed changed since (the broken items left it), its articles did not.
    assert.deepEqual(pick(status!), { status: 200, kind: "rss", seen: 5, new: 0, changed: 0, failed: 0 });
    assert.equal(pagesAsked(), before);
  });
});

describe("FEED_URLS", () => {
  it("are http(s) addresses, polled every FEED_POLL_MINUTES, at most FEED_MAX_ITEMS a poll; a wrong one is named", () => {
    assert.deepEqual(loadConfig({}).feeds, { urls: [], pollMinutes: 10, maxItems: 500 });
    assert.deepEqual(
      loadConfig({ FEED_URLS: " https://a.example/rss.xml, https://a.example/sitemap.xml ", FEED_POLL_MINUTES: "2.5" })
        .feeds,
      { urls: ["https://a.example/rss.xml", "https://a.example/sitemap.xml"], pollMinutes: 2.5, maxItems: 500 },
    );
    assert.throws(
      () => loadConfig({ FEED_URLS: "https://a.example/rss.xml,feed.xml" }),
      /FEED_URLS: "feed.xml" is not an http\(s\) address of an RSS or Atom feed or a sitemap/,
    );
    assert.throws(() => loadConfig({ FEED_POLL_MINUTES: "0" }), /FEED_POLL_MINUTES: must be more than 0 minutes/);
    assert.throws(() => loadConfig({ FEED_MAX_ITEMS: "1.5" }), /FEED_MAX_ITEMS: must be a whole number of items/);
  });

  let seeds: Article[];
  let site: Newsroom;
  let server: RunningServer | undefined;
  const TOKEN = "feeds-test-token-0123456789";

  before(async () => {
    seeds = await seedArticles();
    site = await startNewsroom(stories(seeds), render);
  });
  after(async () => {
    server?.child.kill("SIGTERM");
    await site?.close();
  });

  it("npm start on an empty ARTICLES_DIR answers from the feed's articles, cited to their pages, and keeps them current", async () => {
    server = await startServer(
      {
        FEED_URLS: `${site.url}/rss.xml`,
        FEED_POLL_MINUTES: "0.02",
        ARTICLES_DIR: await tempDir(),
        INDEX_DIR: path.join(await tempDir(), "index"),
        FEEDBACK_DIR: path.join(await tempDir(), "feedback"),
        ADMIN_TOKEN: TOKEN,
        RATE_LIMIT_PER_MINUTE: "0",
      },
      { timeoutMs: 60_000 },
    );
    const ask = async () =>
      (await (
        await fetch(`${server!.url}/api/chat`, {
          method: "POST",
          headers: { "content-type": "application/json" },
          body: JSON.stringify({ question: "ارزش صادرات قزوین چقدر بود؟" }),
        })
      ).json()) as { answer: string; found: boolean; citations: Array<{ url?: string; articleId: string }> };
    const answer = await ask();
    assert.equal(answer.found, true, answer.answer);
    assert.match(answer.answer, /۲۶۳ میلیون دلار/);
    assert.equal(answer.citations[0]!.url, `${site.url}/news/${QAZVIN}`);

    const unauthorized = await fetch(`${server.url}/api/admin/status`);
    assert.equal(unauthorized.status, 401);
    const status = (await (
      await fetch(`${server.url}/api/admin/status`, { headers: { authorization: `Bearer ${TOKEN}` } })
    ).json()) as { index: { articles: number }; feeds: FeedStatus[] };
    assert.equal(status.index.articles, 5);
    assert.equal(status.feeds[0]!.url, `${site.url}/rss.xml`);
    assert.ok(status.feeds[0]!.lastPoll && status.feeds[0]!.nextPoll, JSON.stringify(status.feeds[0]));

    // The site corrects a figure; a poll later, readers get the new one.
    site.edit(QAZVIN, seeds.find((s) => s.id === QAZVIN)!.text.replace("۲۶۳ میلیون دلار", "۲۹۰ میلیون دلار"));
    let latest = answer;
    for (let i = 0; i < 60 && !/۲۹۰ میلیون دلار/.test(latest.answer); i++) {
      await new Promise((r) => setTimeout(r, 500));
      latest = await ask();
    }
    assert.match(latest.answer, /۲۹۰ میلیون دلار/);
  });

  it("npm run ingest reads the feeds into ARTICLES_DIR, then builds, and says what each feed gave", async () => {
    const articlesDir = await tempDir();
    const env = {
      FEED_URLS: `${site.url}/rss.xml`,
      ARTICLES_DIR: articlesDir,
      INDEX_DIR: path.join(await tempDir(), "index"),
    };
    const first = await ingestOk(env);
    assert.match(
      first,
      new RegExp(`feed ${site.url}/rss.xml \\(rss\\): HTTP 200; 5 items, 5 new, 0 changed, 0 failed`),
    );
    assert.match(first, /index built .*: 5 articles/);
    const files = await readdir(articlesDir);
    assert.equal(files.filter((f) => f.endsWith(".jsonl")).length, 5);
    assert.ok(files.includes(FEED_STATE_FILE));
    const second = await ingestOk(env);
    assert.match(second, /304 unchanged; 0 items, 0 new/);
    assert.match(second, /index unchanged/);
  });
});

function pick(s: FeedStatus) {
  return { status: s.status, kind: s.kind, seen: s.seen, new: s.new, changed: s.changed, failed: s.failed };
}

/** `npm run ingest`'s output, once it has succeeded. */
async function ingestOk(env: Record<string, string>): Promise<string> {
  const { code, out } = await runIngest(env);
  assert.equal(code, 0, out);
  return out;
}

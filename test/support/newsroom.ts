import { createHash } from "node:crypto";
import { createServer, type IncomingMessage, type Server, type ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";

/**
 * A news site on a loopback port, as Goftogu's feed sync meets one: an RSS 2.0 feed, an Atom
 * feed and a news sitemap listing article pages, conditional requests answered 304, and pages
 * that go wrong in every way a real site's do. Articles can be edited and added while it runs.
 */
export interface NewsroomArticle {
  slug: string;
  title: string;
  /** Paragraphs separated by blank lines. */
  text: string;
  /** ISO-8601, as the feed and the page date it. */
  publishedAt: string;
}

/** Renders an article page; `url` is the page's canonical address. */
export type PageRenderer = (article: NewsroomArticle, url: string) => { body: Buffer; contentType: string };

export interface Newsroom {
  url: string;
  /** Paths asked for, in order, with the conditional header when there was one. */
  requests: Array<{ path: string; conditional: boolean }>;
  /** Replaces an article's text (its page and its version in the feeds change). */
  edit(slug: string, text: string): void;
  add(article: NewsroomArticle): void;
  /** Feed paths answered with these bytes instead (malformed XML, an HTML page, …). */
  replaceFeed(path: string, body: string, contentType?: string): void;
  /** Items listed in the feeds besides the articles: links to the broken pages below. */
  listBroken(on: boolean): void;
  close(): Promise<void>;
}

/** Pages that fail, each in its own way, and the reason the sync must give. */
export const BROKEN_PAGES: ReadonlyArray<{ path: string; reason: RegExp }> = [
  { path: "/broken/missing", reason: /HTTP 404/ },
  { path: "/broken/error", reason: /HTTP 500/ },
  { path: "/broken/slow", reason: /no complete answer within/ },
  { path: "/broken/loop", reason: /too many redirects/ },
  { path: "/broken/huge", reason: /larger than 5 MB/ },
  { path: "/broken/pdf", reason: /is application\/pdf, not an HTML page/ },
  { path: "/broken/no-article", reason: /no article found in the page/ },
];

export async function startNewsroom(initial: NewsroomArticle[], render: PageRenderer): Promise<Newsroom> {
  const articles = new Map(initial.map((a) => [a.slug, { ...a, version: 1 }]));
  const feeds = new Map<string, { body: string; contentType: string }>();
  const requests: Newsroom["requests"] = [];
  let broken = false;
  let base = "";
  const open = new Set<ServerResponse>();

  const pageUrl = (slug: string) => `${base}/news/${encodeURIComponent(slug)}`;
  const updated = (a: { publishedAt: string; version: number }) =>
    new Date(Date.parse(a.publishedAt) + (a.version - 1) * 3_600_000).toISOString();
  const newest = () => [...articles.values()].sort((a, b) => Date.parse(b.publishedAt) - Date.parse(a.publishedAt));
  const brokenLinks = () => (broken ? BROKEN_PAGES.map((p) => `${base}${p.path}`) : []);

  const rss = () =>
    `<?xml version="1.0" encoding="UTF-8"?>
<rss version="2.0"><channel><title>خبرگزاری نمونه</title><link>${base}/</link>
${newest()
  .map(
    (a) =>
      `<item><title>${xml(a.title)}</title><link>${pageUrl(a.slug)}?utm_source=rss</link><guid isPermaLink="false">news-${a.slug}</guid><pubDate>${new Date(updated(a)).toUTCString()}</pubDate></item>`,
  )
  .join("\n")}
${brokenLinks()
  .map((l) => `<item><title>خراب</title><link>${l}</link><pubDate>${new Date(0).toUTCString()}</pubDate></item>`)
  .join("\n")}
</channel></rss>`;
  const atom = () =>
    `<?xml version="1.0" encoding="UTF-8"?>
<feed xmlns="http://www.w3.org/2005/Atom"><title>خبرگزاری نمونه</title><id>${base}/</id><updated>${new Date().toISOString()}</updated>
${newest()
  .map(
    (a) =>
      `<entry><title>${xml(a.title)}</title><link rel="alternate" href="${pageUrl(a.slug)}"/><id>tag:news,${a.slug}</id><published>${a.publishedAt}</published><updated>${updated(a)}</updated></entry>`,
  )
  .join("\n")}
</feed>`;
  const sitemap = () =>
    `<?xml version="1.0" encoding="UTF-8"?>
<urlset xmlns="http://www.sitemaps.org/schemas/sitemap/0.9" xmlns:news="http://www.google.com/schemas/sitemap-news/0.9">
${newest()
  .map(
    (a) =>
      `<url><loc>${pageUrl(a.slug)}</loc><lastmod>${updated(a)}</lastmod><news:news><news:publication><news:name>نمونه</news:name><news:language>fa</news:language></news:publication><news:publication_date>${a.publishedAt}</news:publication_date><news:title>${xml(a.title)}</news:title></news:news></url>`,
  )
  .join("\n")}
</urlset>`;

  const serveFeed = (req: IncomingMessage, res: ServerResponse, body: string, contentType: string) => {
    const etag = `"${createHash("sha256").update(body).digest("hex").slice(0, 16)}"`;
    if (req.headers["if-none-match"] === etag) {
      res.writeHead(304, { etag });
      res.end();
      return;
    }
    res.writeHead(200, { "content-type": contentType, etag });
    res.end(body);
  };

  const server: Server = createServer((req, res) => {
    open.add(res);
    res.on("close", () => open.delete(res));
    const path = new URL(req.url ?? "/", base).pathname;
    requests.push({ path, conditional: !!req.headers["if-none-match"] });
    const replaced = feeds.get(path);
    if (replaced) return serveFeed(req, res, replaced.body, replaced.contentType);
    if (path === "/rss.xml") return serveFeed(req, res, rss(), "application/rss+xml; charset=utf-8");
    if (path === "/atom.xml") return serveFeed(req, res, atom(), "application/atom+xml; charset=utf-8");
    if (path === "/sitemap-news.xml") return serveFeed(req, res, sitemap(), "application/xml; charset=utf-8");
    if (path === "/sitemap-big.xml") return serveFeed(req, res, bigSitemap(base), "application/xml");
    if (path.startsWith("/news/")) {
      const article = articles.get(decodeURIComponent(path.slice("/news/".length)));
      if (!article) return void res.writeHead(404).end("not found");
      const page = render(article, pageUrl(article.slug));
      res.writeHead(200, { "content-type": page.contentType });
      res.end(page.body);
      return;
    }
    switch (path) {
      case "/broken/missing":
        return void res.writeHead(404, { "content-type": "text/html" }).end("<h1>پیدا نشد</h1>");
      case "/broken/error":
        return void res.writeHead(500, { "content-type": "text/html" }).end("<h1>خطا</h1>");
      case "/broken/slow":
        // Headers, then nothing: the page never completes.
        res.writeHead(200, { "content-type": "text/html" });
        res.write("<html><body>");
        return;
      case "/broken/loop":
        return void res.writeHead(302, { location: "/broken/loop" }).end();
      case "/broken/huge": {
        // 50 MB, streamed: a reader that does not stop early pays for all of it.
        res.writeHead(200, { "content-type": "text/html" });
        const chunk = Buffer.alloc(1024 * 1024, "<p>متن</p>");
        let sent = 0;
        const pump = () => {
          while (sent < 50 && res.write(chunk)) sent++;
          if (sent >= 50) res.end();
          else res.once("drain", pump);
        };
        pump();
        return;
      }
      case "/broken/pdf":
        return void res.writeHead(200, { "content-type": "application/pdf" }).end("%PDF-1.4");
      case "/broken/no-article":
        res.writeHead(200, { "content-type": "text/html; charset=utf-8" });
        return void res.end(
          `<!doctype html><html lang="fa"><head><title>اخبار اقتصادی</title></head><body><nav><a href="/">خانه</a> <a href="/eco">اقتصادی</a></nav><ul>${newest()
            .map((a) => `<li><a href="${pageUrl(a.slug)}">${a.title}</a></li>`)
            .join("")}</ul><footer>کلیه حقوق محفوظ است</footer></body></html>`,
        );
    }
    res.writeHead(404).end();
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;

  return {
    url: base,
    requests,
    edit(slug, text) {
      const a = articles.get(slug)!;
      a.text = text;
      a.version++;
    },
    add(article) {
      articles.set(article.slug, { ...article, version: 1 });
    },
    replaceFeed(path, body, contentType = "application/xml") {
      feeds.set(path, { body, contentType });
    },
    listBroken(on) {
      broken = on;
    },
    close: async () => {
      for (const res of open) res.destroy();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}

/** A news sitemap of 10,000 pages (none of which exists), newest first by its dates. */
function bigSitemap(base: string): string {
  const urls = Array.from({ length: 10_000 }, (_, i) => {
    const date = new Date(Date.UTC(2026, 0, 1) + i * 60_000).toISOString();
    return `<url><loc>${base}/archive/${i}</loc><lastmod>${date}</lastmod></url>`;
  });
  return `<?xml version="1.0" encoding="UTF-8"?><urlset xmlns="http://www.sitemaps.org/schemas/sitemap/0.9">${urls.join("")}</urlset>`;
}

function xml(text: string): string {
  return text.replace(/&/g, "&amp;").replace(/</g, "&lt;").replace(/>/g, "&gt;");
}

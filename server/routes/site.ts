import { readFile } from "node:fs/promises";
import { createRequire } from "node:module";
import path from "node:path";
import { Hono, type Context } from "hono";
import { articlePage, FONT_PATH, frontPage, notFoundPage, PAGE_HEADERS, WIDGET_PATH } from "../pages.ts";
import type { Assistant } from "../../answer/assistant.ts";
import { widgetBundle } from "../widget-bundle.ts";

/**
 * What a browser loads: the demo news site (`/`, `/articles/:id`), the widget script that any
 * site embeds (`/widget.js`) and the font it uses (`/fonts/vazirmatn.woff2`).
 */
export function siteRoutes(assistant: Assistant): Hono {
  const app = new Hono();

  app.get(WIDGET_PATH, async (c) => {
    const { code, etag } = await widgetBundle();
    c.header("Cache-Control", "public, max-age=300");
    c.header("ETag", etag);
    c.header("X-Content-Type-Options", "nosniff");
    if (matchesEtag(c.req.header("if-none-match"), etag)) return c.body(null, 304);
    return c.body(code, 200, { "Content-Type": "application/javascript; charset=utf-8" });
  });

  app.get(FONT_PATH, async (c) => {
    const font = await vazirmatn();
    return c.body(font, 200, {
      "Content-Type": "font/woff2",
      "Cache-Control": "public, max-age=31536000, immutable",
      "Access-Control-Allow-Origin": "*",
      "X-Content-Type-Options": "nosniff",
    });
  });

  app.get("/", async (c) => {
    const { articles, total } = await assistant.corpus.list({ limit: FRONT_PAGE_ARTICLES, offset: 0 });
    return page(c, frontPage(articles, total));
  });

  app.get("/articles/:id", async (c) => {
    const id = c.req.param("id");
    const article = (await assistant.corpus.articles([id])).get(id);
    return article ? page(c, articlePage(article)) : page(c, notFoundPage(), 404);
  });

  return app;
}

/** The front page lists the newest articles; an archive of thousands is browsed through the API. */
const FRONT_PAGE_ARTICLES = 100;

/** An HTML page with the site's security headers. */
export function page(c: Context, html: string, status: 200 | 404 = 200): Response {
  return c.html(html, status, PAGE_HEADERS);
}

/** `If-None-Match` holds the tag (or `*`); weak comparison, as RFC 9110 asks for it. */
function matchesEtag(header: string | undefined, etag: string): boolean {
  if (!header) return false;
  const bare = (tag: string) => tag.trim().replace(/^W\//, "");
  return header.split(",").some((tag) => tag.trim() === "*" || bare(tag) === bare(etag));
}

let font: Promise<Uint8Array<ArrayBuffer>> | undefined;

/** The variable Vazirmatn (every weight in one file), read once from the npm package. */
function vazirmatn(): Promise<Uint8Array<ArrayBuffer>> {
  font ??= (async () => {
    const pkg = createRequire(import.meta.url).resolve("vazirmatn/package.json");
    const file = await readFile(path.join(path.dirname(pkg), "fonts/webfonts/Vazirmatn[wght].woff2"));
    return new Uint8Array(file);
  })();
  font.catch(() => (font = undefined));
  return font;
}

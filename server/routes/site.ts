import { readFile } from "node:fs/promises";
import { createRequire } from "node:module";
import path from "node:path";
import { Hono, type Context } from "hono";
import {
  articlePage,
  FONT_PATH,
  frontPage,
  notFoundPage,
  PAGE_HEADERS,
  SITE_CSS,
  SITE_CSS_PATH,
  WIDGET_PATH,
} from "../pages.ts";
import type { Assistant } from "../../answer/assistant.ts";
import type { Log } from "../request-log.ts";
import { etagOf, widgetBundle, widgetStylesheet, type Bundle } from "../widget-bundle.ts";

/** The widget's stylesheet, for browsers that cannot adopt the copy inside widget.js. */
export const WIDGET_CSS_PATH = "/widget.css";

export interface SiteOptions {
  /** Hears the widget's size when it is bundled. */
  log?: Log;
  /** ARTICLE_URL_TEMPLATE: where an article page's «متن اصلی خبر» links when it has no url. */
  articleUrlTemplate?: string;
}

/** The demo site's stylesheet, served as a file so its pages need no inline style (CSP). */
const siteStylesheet: Bundle = { code: SITE_CSS, etag: etagOf(SITE_CSS) };

/**
 * What a browser loads: the demo news site (`/`, `/articles/:id`, `/site.css`), the widget
 * script that any site embeds (`/widget.js`), its stylesheet (`/widget.css`) and the font it
 * uses (`/fonts/vazirmatn.woff2`).
 */
export function siteRoutes(assistant: Assistant, options: SiteOptions = {}): Hono {
  const log = options.log ?? ((entry) => console.error(JSON.stringify(entry)));
  const app = new Hono();

  app.get(WIDGET_PATH, async (c) => widgetFile(c, await widgetBundle(log), "application/javascript; charset=utf-8"));
  // Linked from other sites' pages: readable by any of them, as the font is.
  app.get(WIDGET_CSS_PATH, async (c) => {
    c.header("Access-Control-Allow-Origin", "*");
    return widgetFile(c, await widgetStylesheet(), "text/css; charset=utf-8");
  });

  app.get(SITE_CSS_PATH, (c) => widgetFile(c, siteStylesheet, "text/css; charset=utf-8"));

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
    return article ? page(c, articlePage(article, options.articleUrlTemplate)) : page(c, notFoundPage(), 404);
  });

  return app;
}

/** The front page lists the newest articles; an archive of thousands is browsed through the API. */
const FRONT_PAGE_ARTICLES = 100;

/** An HTML page with the site's security headers. */
export function page(c: Context, html: string, status: 200 | 404 = 200): Response {
  return c.html(html, status, PAGE_HEADERS);
}

/** A script or stylesheet: cached briefly, revalidated by its ETag (304 when unchanged). */
function widgetFile(c: Context, { code, etag }: Bundle, type: string): Response {
  c.header("Cache-Control", "public, max-age=300");
  c.header("ETag", etag);
  c.header("X-Content-Type-Options", "nosniff");
  if (matchesEtag(c.req.header("if-none-match"), etag)) return c.body(null, 304);
  return c.body(code, 200, { "Content-Type": type });
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

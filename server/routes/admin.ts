import { createHash, timingSafeEqual } from "node:crypto";
import { Hono, type MiddlewareHandler } from "hono";
import { DamagedDeletionListError, parseArticle, type SourceArticle } from "../../ingest/read.ts";
import { ApiError } from "../errors.ts";
import type { Library } from "../library.ts";
import { readJson } from "../schemas.ts";

const MAX_BATCH = 1000;

/**
 * The article management API, behind `Authorization: Bearer $ADMIN_TOKEN`:
 * `PUT /api/articles/:id` (add or replace one), `POST /api/articles` (one, an array, or
 * `{"articles": [...]}`), `DELETE /api/articles/:id`. Bodies are the contract's article shape.
 * Without ADMIN_TOKEN none of these routes exist (404).
 */

export function adminRoutes(library: Library, token: string): Hono {
  const app = new Hono();
  app.use("/articles", requireToken(token, { openReads: true }));
  app.use("/articles/*", requireToken(token, { openReads: true }));

  app.put("/articles/:id", async (c) => {
    const id = c.req.param("id");
    const body = await readJson(c.req.raw, "a JSON article");
    if (body === null || typeof body !== "object" || Array.isArray(body))
      throw new ApiError(400, "invalid_request", "Request body must be a JSON object");
    const given = (body as { id?: unknown }).id;
    if (given !== undefined && String(given) !== id)
      throw new ApiError(
        400,
        "invalid_request",
        `id in the body ("${String(given)}") is not the id in the path ("${id}")`,
      );
    const [article] = await changing(library.publish([validated({ ...body, id }, "")]));
    return c.json({ article: summary(article!) });
  });

  app.post("/articles", async (c) => {
    const body = await readJson(c.req.raw, "a JSON article");
    const items = Array.isArray(body)
      ? body
      : body && typeof body === "object" && Array.isArray((body as { articles?: unknown }).articles)
        ? (body as { articles: unknown[] }).articles
        : [body];
    if (items.length === 0) throw new ApiError(400, "invalid_request", "No articles given");
    if (items.length > MAX_BATCH)
      throw new ApiError(400, "invalid_request", `At most ${MAX_BATCH} articles per request`);
    // Every article is checked before any is published: a batch is all or nothing.
    const sources = items.map((item, i) => validated(item, items.length > 1 ? `articles[${i}]: ` : ""));
    const articles = await changing(library.publish(sources));
    return c.json({ articles: articles.map(summary) }, 201);
  });

  app.delete("/articles/:id", async (c) => {
    const id = c.req.param("id");
    if (!(await changing(library.remove(id))))
      throw new ApiError(404, "article_not_found", `No article with id "${id}"`);
    return c.body(null, 204);
  });
  return app;
}

/**
 * The library's work, with a damaged deletion list (see `readDeleted`) answered 503: nothing is
 * wrong with the request, and the service cannot change articles at all until an operator
 * repairs the file, after which the same request succeeds. Not a 500, which reads as a bug of
 * this request; the file's name and state go to the log (the error's cause), not to the client.
 */
async function changing<T>(work: Promise<T>): Promise<T> {
  try {
    return await work;
  } catch (err) {
    if (!(err instanceof DamagedDeletionListError)) throw err;
    throw new ApiError(
      503,
      "deletion_list_damaged",
      "Articles cannot be published or deleted until the operator repairs the server's list of deleted articles; see the server log",
      { cause: err },
    );
  }
}

/** Requires the admin token; with `openReads`, GET and HEAD pass without it (article reads are public). */
export function requireToken(token: string, options: { openReads?: boolean } = {}): MiddlewareHandler {
  const expected = digest(token);
  return async (c, next) => {
    if (c.req.method === "OPTIONS" || (options.openReads && (c.req.method === "GET" || c.req.method === "HEAD")))
      return next();
    const header = c.req.header("authorization") ?? "";
    const given = /^Bearer\s+(.+)$/i.exec(header)?.[1] ?? "";
    // Digests of equal length, compared in constant time: no timing hint about the token.
    if (!timingSafeEqual(digest(given), expected)) {
      c.header("WWW-Authenticate", 'Bearer realm="goftogu"');
      throw new ApiError(401, "unauthorized", "Changing articles needs Authorization: Bearer <ADMIN_TOKEN>");
    }
    return next();
  };
}

function digest(s: string): Buffer {
  return createHash("sha256").update(s).digest();
}

function validated(item: unknown, where: string): SourceArticle {
  const parsed = parseArticle(item, { badUrl: "refuse" });
  if ("problem" in parsed) throw new ApiError(400, "invalid_article", `${where}${parsed.problem}`);
  return { ...parsed.article, origin: "api" };
}

function summary(a: { id: string; title: string; source?: string; publishedAt?: string; url?: string }) {
  return { id: a.id, title: a.title, source: a.source, publishedAt: a.publishedAt, url: a.url };
}

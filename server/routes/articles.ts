import { Hono } from "hono";
import { ApiError } from "../errors.ts";
import { ArticlesQuery, check } from "../schemas.ts";
import type { Services } from "../services.ts";

/** `GET /api/articles` (newest first) and `GET /api/articles/:id`. */
export function articlesRoutes(services: Services): Hono {
  const app = new Hono();
  // Sorted once: the list only changes when a new index is loaded.

  app.get("/articles", (c) => {
    const { limit, offset } = check(ArticlesQuery, c.req.query());
    const sorted = services.newestFirst();
    const page = sorted.slice(offset, offset + limit).map(({ id, title, source, publishedAt, url }) => ({ id, title, source, publishedAt, url }));
    return c.json({ articles: page, total: sorted.length });
  });

  app.get("/articles/:id", async (c) => {
    const id = c.req.param("id");
    const article = services.index.articles.get(id);
    if (!article) throw new ApiError(404, "article_not_found", `No article with id "${id}"`);
    // Only the questions Goftogu answers from this article: a suggestion that leads to
    // "I don't know" is worse than none.
    return c.json({ ...article, suggestedQuestions: await services.checkedSuggestions(id) });
  });

  return app;
}

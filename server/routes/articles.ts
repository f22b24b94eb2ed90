import { Hono } from "hono";
import { ApiError } from "../errors.ts";
import { ArticlesQuery, check } from "../schemas.ts";
import type { Assistant } from "../../answer/assistant.ts";
import { linkArticle } from "../links.ts";

/** `GET /api/articles` (newest first) and `GET /api/articles/:id`. */
export function articlesRoutes(assistant: Assistant, articleUrlTemplate?: string): Hono {
  const app = new Hono();

  app.get("/articles", async (c) => {
    const { limit, offset } = check(ArticlesQuery, c.req.query());
    const page = await assistant.corpus.list({ limit, offset });
    return c.json({ ...page, articles: page.articles.map((a) => linkArticle(a, articleUrlTemplate)) });
  });

  app.get("/articles/:id", async (c) => {
    const id = c.req.param("id");
    const article = (await assistant.corpus.articles([id])).get(id);
    if (!article) throw new ApiError(404, "article_not_found", `No article with id "${id}"`);
    // Only the questions Goftogu answers from this article: a suggestion that leads to
    // "I don't know" is worse than none.
    return c.json({
      ...linkArticle(article, articleUrlTemplate),
      suggestedQuestions: await assistant.suggestedQuestions(article),
    });
  });

  return app;
}

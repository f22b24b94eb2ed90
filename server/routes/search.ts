import { Hono } from "hono";
import { parseJsonBody, SearchBody } from "../schemas.ts";
import { requireArticle, type Services } from "../services.ts";

/** `POST /api/search`: the chunks that best match a query, best first. */
export function searchRoutes(services: Services): Hono {
  const app = new Hono();
  app.post("/search", async (c) => {
    const body = await parseJsonBody(c.req.raw, SearchBody);
    await requireArticle(services, body.articleId);
    const passages = await services.retriever.search(body.query, { k: body.k, ...(body.articleId && { articleId: body.articleId }) });
    const results = passages.map(({ chunk, score }) => ({
      articleId: chunk.articleId,
      title: chunk.title,
      chunkId: chunk.id,
      text: chunk.text,
      start: chunk.start,
      end: chunk.end,
      score,
    }));
    return c.json({ results });
  });
  return app;
}

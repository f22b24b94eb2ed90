import { Hono } from "hono";
import { parseJsonBody, SearchBody } from "../schemas.ts";
import type { Assistant } from "../../answer/assistant.ts";

/** `POST /api/search`: the chunks that best match a query, best first. */
export function searchRoutes(assistant: Assistant): Hono {
  const app = new Hono();
  app.post("/search", async (c) => {
    const body = await parseJsonBody(c.req.raw, SearchBody);
    const passages = await assistant.search(body.query, {
      k: body.k,
      ...(body.articleId && { articleId: body.articleId }),
    });
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

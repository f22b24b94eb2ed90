import { Hono } from "hono";
import type { Corpus } from "../../core/corpus/corpus.ts";
import type { FeedStatus } from "../../ingest/feeds/sync.ts";
import { requireToken } from "./admin.ts";

/**
 * `GET /api/admin/status` (behind ADMIN_TOKEN): what the index holds and, for each feed of
 * FEED_URLS, its last poll: when, the HTTP status, the items seen, new, changed and failed (each
 * failure with its URL and reason), and when the next poll is.
 */
export function statusRoutes(corpus: Corpus, feeds: { status(): FeedStatus[] } | undefined, token: string): Hono {
  const app = new Hono();
  app.use("/admin/*", requireToken(token));
  app.get("/admin/status", async (c) => {
    const stats = await corpus.stats();
    return c.json({
      index: { store: corpus.kind, articles: stats.articles, chunks: stats.chunks, embedder: stats.embedder },
      feeds: feeds?.status() ?? [],
    });
  });
  return app;
}

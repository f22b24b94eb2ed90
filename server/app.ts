import { Hono } from "hono";
import { bodyLimit } from "hono/body-limit";
import { HTTPException } from "hono/http-exception";
import { ApiError, errorBody } from "./errors.ts";
import { articlesRoutes } from "./routes/articles.ts";
import { chatRoutes, type ChatOptions } from "./routes/chat.ts";
import { searchRoutes } from "./routes/search.ts";
import { LIMITS } from "./schemas.ts";
import type { Services } from "./services.ts";

export type Log = (entry: Record<string, unknown>) => void;

export interface AppOptions {
  log?: Log;
  chat?: ChatOptions;
}

/**
 * The HTTP API of the contract (`../shared/CONTRACT.md`). Every error leaves as
 * `{"error": {"code", "message"}}`: 4xx with a message about the request, or a 500 whose
 * details are only logged.
 */
export function createApp(services: Services, options: AppOptions = {}): Hono {
  const log = options.log ?? ((entry) => console.error(JSON.stringify(entry)));
  const app = new Hono();

  app.use(
    "/api/*",
    bodyLimit({
      maxSize: LIMITS.bodyBytes,
      onError: (c) => c.json(errorBody("payload_too_large", `Request body is larger than ${LIMITS.bodyBytes / 1024} KiB`), 413),
    }),
  );

  app.get("/api/health", (c) =>
    c.json({
      status: "ok",
      articles: services.index.articles.size,
      chunks: services.index.manifest.counts.chunks,
      embedder: services.index.embedder.id,
      answerer: services.answerer.id,
    }),
  );
  app.route("/api", articlesRoutes(services));
  app.route("/api", searchRoutes(services));
  app.route("/api", chatRoutes(services, log, options.chat));

  app.notFound((c) => c.json(errorBody("not_found", `No route for ${c.req.method} ${new URL(c.req.url).pathname}`), 404));
  app.onError((err, c) => {
    if (err instanceof ApiError) return c.json(errorBody(err.code, err.message), err.status);
    if (err instanceof HTTPException && err.status < 500) return c.json(errorBody("bad_request", err.message || "Bad request"), err.status);
    log({ level: "error", msg: "unhandled error", method: c.req.method, path: new URL(c.req.url).pathname, error: err.stack ?? String(err) });
    return c.json(errorBody("internal_error", "Internal error"), 500);
  });
  return app;
}

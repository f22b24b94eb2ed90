import type { IncomingMessage } from "node:http";
import { Hono, type MiddlewareHandler } from "hono";
import { bodyLimit } from "hono/body-limit";
import { cors } from "hono/cors";
import { HTTPException } from "hono/http-exception";
import { deadline, requestSignal } from "./deadline.ts";
import { ApiError, errorBody } from "./errors.ts";
import type { FeedbackStore } from "./feedback.ts";
import { Library } from "./library.ts";
import { feedbackRoutes } from "./routes/feedback.ts";
import { rateLimit, type RateLimitOptions } from "./rate-limit.ts";
import { requestLog, type Log } from "./request-log.ts";
import { adminRoutes } from "./routes/admin.ts";
import { statusRoutes } from "./routes/status.ts";
import type { FeedStatus } from "../ingest/feeds/sync.ts";
import { ADMIN_BODY_BYTES } from "../core/config.ts";
import { articlesRoutes } from "./routes/articles.ts";
import { chatRoutes, type ChatOptions } from "./routes/chat.ts";
import { searchRoutes } from "./routes/search.ts";
import { page, siteRoutes } from "./routes/site.ts";
import { apiPage, openApiDocument } from "./openapi.ts";
import { escapeHtml, loadingPage, notFoundPage, PAGE_HEADERS } from "./pages.ts";
import { LIMITS } from "./schemas.ts";
import type { Assistant } from "../answer/assistant.ts";
import { ArticleNotFound } from "../answer/errors.ts";

export type { Log } from "./request-log.ts";

export interface AppOptions {
  log?: Log;
  chat?: ChatOptions;
  /** Origins whose pages may call `/api/*` (CORS), or "*" for any; "*" by default. */
  allowedOrigins?: string[] | "*";
  /**
   * Enables the article management API (routes/admin.ts) and `/api/admin/status`; without it
   * those routes do not exist. `library`: the one the feeds publish through, when there are feeds.
   */
  admin?: { token: string; articlesDir: string; library?: Library };
  /** The publisher's feeds, whose state `/api/admin/status` shows. */
  feeds?: { status(): FeedStatus[] };
  /** Per-client limit on /api/chat and /api/search; none when unset. */
  rateLimit?: RateLimitOptions;
  /** Where readers' ratings are kept (POST /api/feedback); the route does not exist without it. */
  feedback?: FeedbackStore;
  /** The longest a request may take before it is answered 504 (see deadline.ts); 30 s by default. */
  requestTimeoutMs?: number;
  /** ARTICLE_URL_TEMPLATE: the publisher link of an article without a `url` (server/links.ts). */
  articleUrlTemplate?: string;
}

/**
 * The HTTP API of the contract (`../shared/CONTRACT.md`), open to the pages of
 * `allowedOrigins` (CORS), and the demo news site with the widget script (`routes/site.ts`).
 * Every API error leaves as `{"error": {"code", "message"}}`: 4xx with a message about the
 * request, 504 when the request ran out of time (REQUEST_TIMEOUT_MS, see deadline.ts), or a 500
 * whose details are only logged. An unknown page outside `/api` gets the site's Persian 404 page.
 */
export function createApp(assistant: Assistant, options: AppOptions = {}): Hono {
  const log = options.log ?? ((entry) => console.error(JSON.stringify(entry)));
  const app = new Hono();
  frontDoor(app, log, options.allowedOrigins);
  // Article uploads are not cut short: a CMS told "timeout" could not know whether an article it
  // sent was published, as an acknowledged write is finished whatever the client does.
  const bounded = deadline(options.requestTimeoutMs ?? DEFAULT_REQUEST_TIMEOUT_MS, log);
  app.use("*", (c, next) =>
    options.admin && isAdminWrite(c.req.method, new URL(c.req.url).pathname) ? next() : bounded(c, next),
  );
  const limit = (bytes: number) =>
    bodyLimit({
      maxSize: bytes,
      onError: (c) =>
        c.json(errorBody("payload_too_large", `Request body is larger than ${Math.round(bytes / 1024)} KiB`), 413),
    });
  const readerLimit = limit(LIMITS.bodyBytes);
  // Article uploads (a batch of a CMS export) may be larger than a reader's question.
  const adminLimit = limit(ADMIN_BODY_BYTES);
  app.use("/api/*", (c, next) =>
    options.admin &&
    (c.req.method === "PUT" || c.req.method === "POST") &&
    /^\/api\/articles(\/|$)/.test(new URL(c.req.url).pathname)
      ? adminLimit(c, next)
      : readerLimit(c, next),
  );

  if (options.rateLimit) {
    const questions = rateLimit(options.rateLimit);
    app.use("/api/chat", questions);
    app.use("/api/search", questions);
    // Buckets of its own: a reader who rates every answer keeps every question of the minute.
    app.use("/api/feedback", rateLimit(options.rateLimit));
  }

  app.get("/api/health", async (c) => {
    // Read from the corpus each time: with a shared database, other servers change it too. A
    // database that cannot be reached makes this server unable to answer: 503, so a load
    // balancer sends readers elsewhere, not a 500 that reads as a bug.
    const stats = await assistant.corpus.stats().catch((err: unknown) => err as Error);
    if (stats instanceof Error) {
      options.log?.({ level: "error", msg: "health: the corpus cannot be read", error: stats.message });
      return c.json({ status: "unavailable", reason: "the index cannot be read" }, 503, { "Retry-After": "5" });
    }
    return c.json({
      status: "ok",
      articles: stats.articles,
      chunks: stats.chunks,
      embedder: stats.embedder,
      answerer: assistant.answerer.id,
      reranker: assistant.rerankerKind,
    });
  });
  const openapi = openApiDocument();
  app.get("/api/openapi.json", (c) => c.json(openapi));
  app.get("/api/docs", (c) => page(c, apiPage(openapi, escapeHtml)));
  if (options.feedback) app.route("/api", feedbackRoutes(options.feedback, options.admin?.token));
  if (options.admin) {
    const library = options.admin.library ?? new Library(assistant.corpus, options.admin.articlesDir);
    app.route("/api", adminRoutes(library, options.admin.token));
    app.route("/api", statusRoutes(assistant.corpus, options.feeds, options.admin.token));
  }
  app.route("/api", articlesRoutes(assistant, options.articleUrlTemplate));
  app.route("/api", searchRoutes(assistant));
  app.route(
    "/api",
    chatRoutes(assistant, log, {
      ...options.chat,
      ...(options.articleUrlTemplate && { articleUrlTemplate: options.articleUrlTemplate }),
    }),
  );
  app.route(
    "/",
    siteRoutes(assistant, {
      log,
      ...(options.articleUrlTemplate && { articleUrlTemplate: options.articleUrlTemplate }),
    }),
  );

  app.notFound((c) => {
    const pathname = new URL(c.req.url).pathname;
    if (pathname !== "/api" && !pathname.startsWith("/api/")) return page(c, notFoundPage(), 404);
    return c.json(errorBody("not_found", `No route for ${c.req.method} ${pathname}`), 404);
  });
  app.onError((err, c) => {
    if (err instanceof ArticleNotFound) return c.json(errorBody(err.code, err.message), 404);
    if (err instanceof ApiError) {
      if (err.status >= 500 && err.cause !== undefined) {
        log({
          level: "error",
          msg: err.message,
          method: c.req.method,
          path: new URL(c.req.url).pathname,
          error: err.cause instanceof Error ? err.cause.message : String(err.cause),
        });
      }
      return c.json(errorBody(err.code, err.message), err.status);
    }
    if (err instanceof HTTPException && err.status < 500)
      return c.json(errorBody("bad_request", err.message || "Bad request"), err.status);
    // The work of a request that timed out or whose client left ends in an abort error: expected,
    // not an internal error. The reason of a timeout is its 504 (deadline.ts); a client that
    // left reads nothing.
    const signal = requestSignal(c);
    if (signal.aborted) {
      const reason: unknown = signal.reason;
      return reason instanceof ApiError
        ? c.json(errorBody(reason.code, reason.message), reason.status)
        : c.json(errorBody("client_closed", "The client closed the request"), 400);
    }
    log({
      level: "error",
      msg: "unhandled error",
      method: c.req.method,
      path: new URL(c.req.url).pathname,
      error: err.stack ?? String(err),
    });
    return c.json(errorBody("internal_error", "Internal error"), 500);
  });
  return app;
}

/**
 * The server while its index is built or loaded: `/api/health` answers 503 `{"status":
 * "loading"}` (not ready, for load balancers and orchestrators), every other API route 503
 * `not_ready` and every page a Persian 503 page, each with `Retry-After`. Request ids, logs and
 * CORS are as they will be once ready, so the widget can read the 503 from another site.
 */
export function createLoadingApp(options: Pick<AppOptions, "log" | "allowedOrigins"> = {}): Hono {
  const log = options.log ?? ((entry) => console.error(JSON.stringify(entry)));
  const app = new Hono();
  frontDoor(app, log, options.allowedOrigins);
  const retryAfter = { "Retry-After": String(LOADING_RETRY_AFTER_S) };
  app.get("/api/health", (c) => c.json({ status: "loading" }, 503, retryAfter));
  app.all("/api/*", (c) =>
    c.json(
      errorBody("not_ready", "The server is still loading its index; try again in a few seconds"),
      503,
      retryAfter,
    ),
  );
  app.all("*", (c) => c.html(loadingPage(), 503, { ...PAGE_HEADERS, ...retryAfter }));
  return app;
}

/** Seconds a client is asked to wait while the index loads: a small corpus loads in less. */
const LOADING_RETRY_AFTER_S = 5;

/** The default of REQUEST_TIMEOUT_MS (core/config.ts). */
const DEFAULT_REQUEST_TIMEOUT_MS = 30_000;

/** Request ids and logs for everything, then CORS under /api; the same whether loading or ready. */
function frontDoor(app: Hono, log: Log, allowedOrigins: string[] | "*" = "*"): void {
  app.use("*", requestLog(log));
  app.use("*", closeUnreadBodies);
  // First, so that every answer under /api (errors included) carries the CORS headers.
  const corsHeaders = cors({
    origin: allowedOrigins,
    allowMethods: ["GET", "POST", "OPTIONS"],
    allowHeaders: ["content-type", "accept"],
    maxAge: 600,
  });
  app.use("/api/*", async (c, next) => {
    if (c.req.method === "OPTIONS") return corsHeaders(c, next);
    // Headers go on the route's finished response: set before it (as cors() does), they would
    // be merged over the route's own, e.g. the SSE stream's "no-cache, no-transform".
    await next();
    await corsHeaders(c, async () => {});
  });
}

/**
 * A request answered without reading its body (413, an unknown route, a refused admin call)
 * closes its connection. Otherwise the unread bytes are drained on a timer by the Node adapter
 * (500 ms, @hono/node-server), and when the server is busy that timer can cut the keep-alive
 * connection while the client's next request is already on it: the client sees a reset.
 */
const closeUnreadBodies: MiddlewareHandler = async (c, next) => {
  await next();
  const incoming = (c.env as { incoming?: IncomingMessage } | undefined)?.incoming;
  const hasBody = Number(c.req.header("content-length") ?? 0) > 0 || c.req.header("transfer-encoding") !== undefined;
  if (incoming && hasBody && !incoming.readableEnded) c.res.headers.set("Connection", "close");
};

/** A change to the articles through the management API (routes/admin.ts). */
function isAdminWrite(method: string, pathname: string): boolean {
  return (method === "PUT" || method === "POST" || method === "DELETE") && /^\/api\/articles(\/|$)/.test(pathname);
}

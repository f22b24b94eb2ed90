import { serve } from "@hono/node-server";
import { loadConfig, loadDotEnv } from "../core/config.ts";
import { openIndex } from "../core/index-store.ts";
import { buildIndex } from "../ingest/build.ts";
import { createApp, type Log } from "./app.ts";
import { FeedbackStore } from "./feedback.ts";
import { createServices } from "./services.ts";

/**
 * `npm start`: builds the index when it is missing or stale, loads it and serves the API. A failed
 * build is not fatal while a previous index exists: the server starts on that one.
 */
/** The longest a shutdown waits for requests in flight: a chat model's answer, with margin. */
const DRAIN_MS = 45_000;

const log: Log = (entry) => console.log(JSON.stringify({ time: new Date().toISOString(), ...entry }));

async function main(): Promise<void> {
  loadDotEnv();
  const config = loadConfig();
  for (const warning of config.warnings) log({ level: "warn", msg: warning });
  try {
    const summary = await buildIndex({ articlesDir: config.articlesDir, indexDir: config.indexDir, embedder: config.embedder, log: (msg) => log({ level: "info", msg }) });
    log({ level: "info", msg: summary.built ? "index built" : "index up to date", reason: summary.reason, articles: summary.articles, chunks: summary.chunks, seconds: summary.seconds });
  } catch (err) {
    log({ level: "error", msg: "index build failed; serving the previous index if there is one", error: err instanceof Error ? err.message : String(err) });
  }
  const index = await openIndex(config.indexDir, config.embedder);
  const services = createServices(index, config);
  const app = createApp(services, {
    log,
    allowedOrigins: config.allowedOrigins,
    ...(config.adminToken && { admin: { token: config.adminToken, articlesDir: config.articlesDir } }),
    feedback: new FeedbackStore(config.feedbackDir),
    ...(config.rateLimitPerMinute > 0 && { rateLimit: { perMinute: config.rateLimitPerMinute, trustProxy: config.trustProxy } }),
  });
  const server = serve({ fetch: app.fetch, port: config.port, hostname: config.host }, (info) => {
    log({ level: "info", msg: `Goftogu listening on http://localhost:${info.port}`, articles: index.articles.size, chunks: index.manifest.counts.chunks, embedder: index.embedder.id, answerer: services.answerer.id });
  });
  // SIGTERM: stop accepting, let requests and streams in flight finish (a chat model may take
  // tens of seconds), drop idle keep-alive connections that would hold the close open, and give
  // up after DRAIN_MS.
  const stop = () => {
    log({ level: "info", msg: "shutting down: finishing requests in flight" });
    server.close(() => process.exit(0));
    if ("closeIdleConnections" in server) server.closeIdleConnections();
    setTimeout(() => {
      log({ level: "warn", msg: `shutdown: requests still open after ${DRAIN_MS / 1000} s, exiting` });
      process.exit(0);
    }, DRAIN_MS).unref();
  };
  process.once("SIGTERM", stop);
  process.once("SIGINT", stop);
}

main().catch((err: unknown) => {
  log({ level: "error", msg: "start-up failed", error: err instanceof Error ? err.message : String(err) });
  process.exitCode = 1;
});

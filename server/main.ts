import { serve } from "@hono/node-server";
import type { Hono } from "hono";
import { loadConfig, loadDotEnv, type Config } from "../core/config.ts";
import { openCorpus } from "../core/corpus/open.ts";
import { startWorker } from "../core/worker.ts";
import { currentIndex, type BuildSummary } from "../ingest/build.ts";
import { createApp, createLoadingApp, type Log } from "./app.ts";
import { FeedbackStore } from "./feedback.ts";
import { createServices } from "./services.ts";

/**
 * `npm start`: listens at once, then builds the index when it is missing or stale and loads it.
 * Until the index is loaded `/api/health` answers 503 `{"status":"loading"}` and every other
 * route 503 (createLoadingApp); then the full app takes over and "Goftogu listening on …" is
 * logged. A failed build is not fatal while a previous index exists: the server starts on that one.
 */
/** The longest a shutdown waits for requests in flight: a chat model's answer, with margin. */
const DRAIN_MS = 45_000;
/** How often a shutdown closes the connections that have finished their last response. */
const IDLE_SWEEP_MS = 100;

const log: Log = (entry) => console.log(JSON.stringify({ time: new Date().toISOString(), ...entry }));

async function main(): Promise<void> {
  loadDotEnv();
  const config = loadConfig();
  for (const warning of config.warnings) log({ level: "warn", msg: warning });
  let app: Hono = createLoadingApp({ log, allowedOrigins: config.allowedOrigins });
  const server = serve({ fetch: (req, env) => app.fetch(req, env), port: config.port, hostname: config.host });
  const port = await new Promise<number>((resolve, reject) => {
    server.once("listening", () => resolve((server.address() as { port: number }).port));
    server.once("error", reject);
  });
  const url = `http://localhost:${port}`;
  log({ level: "info", msg: "accepting connections while the index loads; /api/health answers 503 until ready", url });
  // SIGTERM: stop accepting, let requests and streams in flight finish (a chat model may take
  // tens of seconds), and give up after DRAIN_MS.
  const stop = () => {
    log({ level: "info", msg: "shutting down: finishing requests in flight" });
    server.close(() => process.exit(0));
    // A connection whose last response has just finished stays open for keep-alive (5 s) and
    // would hold the close open: drop connections as they fall idle.
    if ("closeIdleConnections" in server) setInterval(() => server.closeIdleConnections(), IDLE_SWEEP_MS).unref();
    setTimeout(() => {
      log({ level: "warn", msg: `shutdown: requests still open after ${DRAIN_MS / 1000} s, exiting` });
      process.exit(0);
    }, DRAIN_MS).unref();
  };
  process.once("SIGTERM", stop);
  process.once("SIGINT", stop);

  try {
    // An unchanged archive needs no build: knowing that costs a directory listing, while a
    // build worker costs seconds to start.
    const summary = config.store.kind === "embedded" && (await currentIndex(config)) ? undefined : await buildInWorker(config);
    if (summary) log({ level: "info", msg: summary.built ? "index built" : "index up to date", reason: summary.reason, articles: summary.articles, chunks: summary.chunks, seconds: summary.seconds });
    else log({ level: "info", msg: "index up to date", reason: "no file of ARTICLES_DIR changed since the build" });
  } catch (err) {
    log({ level: "error", msg: "index build failed; serving the previous index if there is one", error: err instanceof Error ? err.message : String(err) });
  }
  const corpus = await openCorpus(config.store, config.indexDir, config.embedder);
  const services = createServices(corpus, config);
  app = createApp(services, {
    log,
    allowedOrigins: config.allowedOrigins,
    requestTimeoutMs: config.requestTimeoutMs,
    chat: { streamTimeoutMs: config.streamTimeoutMs },
    ...(config.adminToken && { admin: { token: config.adminToken, articlesDir: config.articlesDir } }),
    feedback: new FeedbackStore(config.feedbackDir),
    ...(config.rateLimitPerMinute > 0 && { rateLimit: { perMinute: config.rateLimitPerMinute, trustProxy: config.trustProxy } }),
  });
  const stats = await corpus.stats();
  log({ level: "info", msg: `Goftogu listening on ${url}`, store: corpus.kind, articles: stats.articles, chunks: stats.chunks, embedder: stats.embedder, answerer: services.answerer.id });
}

/** Runs `buildStore` on a worker thread (server/build-worker.ts), so the server keeps answering. */
function buildInWorker(config: Config): Promise<BuildSummary> {
  const worker = startWorker(import.meta.url, "./build-worker", { store: config.store, articlesDir: config.articlesDir, indexDir: config.indexDir, embedder: config.embedder, mode: "start" });
  return new Promise((resolve, reject) => {
    worker.on("message", (m: { type: "log"; msg: string } | { type: "done"; summary: BuildSummary }) => {
      if (m.type === "log") log({ level: "info", msg: m.msg });
      else resolve(m.summary);
    });
    worker.once("error", reject);
    worker.once("exit", (code) => reject(new Error(`the index build stopped (exit code ${code})`)));
  });
}

main().catch((err: unknown) => {
  log({ level: "error", msg: "start-up failed", error: err instanceof Error ? err.message : String(err) });
  // The socket may already be open: end the process rather than serve "loading" for ever.
  process.exit(1);
});

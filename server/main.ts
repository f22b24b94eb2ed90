import { mkdir } from "node:fs/promises";
import { setTimeout as sleep } from "node:timers/promises";
import { serve } from "@hono/node-server";
import type { Hono } from "hono";
import { loadConfig, loadDotEnv, type Config } from "../core/config.ts";
import type { Corpus } from "../core/corpus/corpus.ts";
import { openCorpus } from "../core/corpus/open.ts";
import { DamagedIndexError } from "../core/corpus/embedded/integrity.ts";
import { startWorker } from "../core/worker.ts";
import { isIndexCurrent, type BuildSummary } from "../ingest/build.ts";
import { createApp, createLoadingApp, type Log } from "./app.ts";
import { widgetBundle } from "./widget-bundle.ts";
import { FeedbackStore } from "./feedback.ts";
import { Assistant } from "../answer/assistant.ts";
import { writeArticleFiles } from "../ingest/article-files.ts";
import { FeedSync } from "../ingest/feeds/sync.ts";
import { corpusFiles } from "../ingest/read.ts";
import type { SourceArticle } from "../core/article.ts";
import { Library } from "./library.ts";

/**
 * `npm start`: listens at once, then builds the index when it is missing or stale and loads it.
 * Until the index is loaded `/api/health` answers 503 `{"status":"loading"}` and every other
 * route 503 (createLoadingApp); then the full app takes over and "Goftogu listening on …" is
 * logged. A failed build is not fatal while a previous index exists: the server starts on that one.
 * An embedded index found damaged (a file's size or checksum is not the manifest's) is never
 * served: it is rebuilt from ARTICLES_DIR, and when it cannot be, the server does not start.
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

  // Until the server is up, a feed's articles go to ARTICLES_DIR as files, which the build reads;
  // then through the library, live (see Library).
  let publish = (sources: SourceArticle[]): Promise<unknown> => writeArticleFiles(config.articlesDir, sources);
  const feeds = config.feeds.urls.length > 0 ? FeedSync.of(config, (sources) => publish(sources), log) : undefined;
  const synced = feeds ? await firstSync(feeds, config) : false;

  const corpus = await loadCorpus(config);
  const assistant = new Assistant(corpus, config);
  for (const warning of assistant.warnings) log({ level: "warn", msg: warning });
  const library = new Library(corpus, config.articlesDir);
  publish = (sources) => library.publish(sources);
  app = createApp(assistant, {
    log,
    allowedOrigins: config.allowedOrigins,
    requestTimeoutMs: config.requestTimeoutMs,
    chat: { streamTimeoutMs: config.streamTimeoutMs },
    ...(config.articleUrlTemplate && { articleUrlTemplate: config.articleUrlTemplate }),
    ...(config.adminToken && { admin: { token: config.adminToken, articlesDir: config.articlesDir, library } }),
    ...(feeds && { feeds }),
    feedback: new FeedbackStore(config.feedbackDir),
    ...(config.rateLimitPerMinute > 0 && {
      rateLimit: { perMinute: config.rateLimitPerMinute, trustProxy: config.trustProxy },
    }),
  });
  // Bundled now rather than for the first reader, and its size (budget: 20 kB gzipped) is printed.
  widgetBundle(log).catch((err: unknown) =>
    log({ level: "error", msg: "the widget could not be bundled", error: (err as Error).message }),
  );
  const stats = await corpus.stats();
  log({
    level: "info",
    msg: `Goftogu listening on ${url}`,
    store: corpus.kind,
    articles: stats.articles,
    chunks: stats.chunks,
    embedder: stats.embedder,
    answerer: assistant.answerer.id,
    answerThreads: await assistant.answerThreads(),
    reranker: assistant.rerankerKind,
  });
  // The first poll ran before the build when ARTICLES_DIR was empty; otherwise it runs now.
  feeds?.start(config.feeds.pollMinutes, { now: !synced });
}

/**
 * With feeds and no article yet (an empty ARTICLES_DIR), there is nothing to build an index
 * from: the feeds are read first, into ARTICLES_DIR, while `/api/health` says "loading". A feed
 * that gives nothing is asked again every FEED_POLL_MINUTES until one does. True when it ran.
 */
async function firstSync(feeds: FeedSync, config: Config): Promise<boolean> {
  await mkdir(config.articlesDir, { recursive: true });
  if (Object.keys(await corpusFiles(config.articlesDir)).length > 0) return false;
  for (;;) {
    log({ level: "info", msg: "ARTICLES_DIR is empty: reading the feeds first", feeds: config.feeds.urls });
    const statuses = await feeds.poll();
    if (statuses.some((s) => s.new > 0)) return true;
    log({
      level: "error",
      msg: `no article from the feeds yet; trying again in ${config.feeds.pollMinutes} min`,
      feeds: statuses.map((s) => ({ url: s.url, status: s.status, error: s.error, failures: s.failures.slice(0, 3) })),
    });
    await sleep(config.feeds.pollMinutes * 60_000);
  }
}

/**
 * The corpus to serve: built first when stale, then opened. An embedded index that opens damaged
 * is logged, rebuilt from ARTICLES_DIR and opened anew; when it cannot be rebuilt, start-up fails
 * with an error naming the damaged file and the command that repairs it.
 */
async function loadCorpus(config: Config): Promise<Corpus> {
  let damage: DamagedIndexError;
  let buildFailure: string | undefined;
  try {
    buildFailure = await buildIfStale(config);
    return await openCorpus(config.store, config.indexDir, config.embedder);
  } catch (err) {
    if (!(err instanceof DamagedIndexError))
      throw buildFailure === undefined ? err : new Error(`${messageOf(err)} (the index build failed: ${buildFailure})`);
    damage = err;
  }
  log({
    level: "error",
    msg: "the index is damaged; rebuilding it from ARTICLES_DIR",
    file: damage.file,
    error: damage.reason,
  });
  try {
    logBuild(await buildInWorker(config, { force: true }));
  } catch (err) {
    throw new DamagedIndexError(
      damage.file,
      `${damage.problem}; rebuilding it from ARTICLES_DIR failed (${messageOf(err)})`,
      { cause: err },
    );
  }
  return openCorpus(config.store, config.indexDir, config.embedder);
}

/**
 * Builds the index when it is missing or stale. A failed build is logged and its message
 * returned, not thrown: the previous index, if there is one, still serves. Throws
 * `DamagedIndexError` when the current manifest is damaged, for `loadCorpus` to rebuild.
 */
async function buildIfStale(config: Config): Promise<string | undefined> {
  // An unchanged archive needs no build: knowing that costs a directory listing, while a
  // build worker costs seconds to start.
  if (config.store.kind === "embedded" && (await isIndexCurrent(config))) {
    log({ level: "info", msg: "index up to date", reason: "no file of ARTICLES_DIR changed since the build" });
    return undefined;
  }
  try {
    logBuild(await buildInWorker(config));
    return undefined;
  } catch (err) {
    log({
      level: "error",
      msg: "index build failed; serving the previous index if there is one",
      error: messageOf(err),
    });
    return messageOf(err);
  }
}

function logBuild(summary: BuildSummary): void {
  log({
    level: "info",
    msg: summary.built ? "index built" : "index up to date",
    reason: summary.reason,
    articles: summary.articles,
    chunks: summary.chunks,
    seconds: summary.seconds,
  });
}

function messageOf(err: unknown): string {
  return err instanceof Error ? err.message : String(err);
}

/** Runs `buildStore` on a worker thread (server/build-worker.ts), so the server keeps answering. */
function buildInWorker(config: Config, options: { force?: boolean } = {}): Promise<BuildSummary> {
  const worker = startWorker(import.meta.url, "./build-worker", {
    store: config.store,
    articlesDir: config.articlesDir,
    indexDir: config.indexDir,
    embedder: config.embedder,
    mode: "start",
    ...options,
  });
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
  log({
    level: "error",
    msg: "start-up failed",
    error: messageOf(err),
    ...(err instanceof DamagedIndexError && { file: err.file }),
  });
  // The socket may already be open: end the process rather than serve "loading" for ever.
  process.exit(1);
});

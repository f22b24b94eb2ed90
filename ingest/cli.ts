import { loadConfig, loadDotEnv } from "../core/config.ts";
import { mkdir } from "node:fs/promises";
import { writeArticleFiles } from "./article-files.ts";
import { FeedSync, type FeedStatus } from "./feeds/sync.ts";
import { buildStore } from "./store.ts";

/**
 * `npm run ingest [-- --force]`: reads the feeds of FEED_URLS into ARTICLES_DIR (new and changed
 * items only), then builds the index from ARTICLES_DIR into INDEX_DIR (or, with
 * VECTOR_STORE=pgvector, into the database at DATABASE_URL) when it is missing or stale;
 * `--force` rebuilds regardless.
 */
async function main(): Promise<void> {
  loadDotEnv();
  const config = loadConfig();
  for (const warning of config.warnings) console.warn(`warning: ${warning}`);
  const force = process.argv.includes("--force");
  if (config.feeds.urls.length > 0) {
    const feeds = FeedSync.of(
      config,
      (sources) => writeArticleFiles(config.articlesDir, sources),
      (entry) => {
        if (entry.msg === "feed sync progress") console.log(`  ${entry.feed}: ${entry.read}/${entry.of} pages read`);
      },
    );
    await mkdir(config.articlesDir, { recursive: true });
    console.log(formatFeeds(await feeds.poll()));
  }
  // A progress bar on a terminal; nothing extra when the output goes to a file or a CI log.
  const bar = process.stderr.isTTY ? progressBar : undefined;
  const summary = await buildStore({
    store: config.store,
    articlesDir: config.articlesDir,
    indexDir: config.indexDir,
    embedder: config.embedder,
    mode: "import",
    force,
    log: (l) => console.log(l),
    ...(bar && { onProgress: bar }),
  });
  const verb = summary.built ? "built" : "unchanged";
  console.log(
    `index ${verb} (${summary.reason}): ${summary.articles} articles, ${summary.chunks} chunks, ${summary.seconds} s`,
  );
}

/** Each feed's poll, a line each, and its failures under it. */
function formatFeeds(statuses: FeedStatus[]): string {
  const lines: string[] = [];
  for (const s of statuses) {
    const http = s.status === "error" ? `error: ${s.error}` : s.status === 304 ? "304 unchanged" : `HTTP ${s.status}`;
    lines.push(
      `feed ${s.url} (${s.kind ?? "?"}): ${http}; ${s.seen} items, ${s.new} new, ${s.changed} changed, ${s.failed} failed`,
    );
    for (const f of s.failures) lines.push(`  failed ${f.url}: ${f.reason}`);
  }
  return lines.join("\n");
}

function progressBar(done: number, total: number): void {
  const width = 30;
  const filled = total > 0 ? Math.round((done / total) * width) : width;
  process.stderr.write(`\rembedding [${"#".repeat(filled)}${"-".repeat(width - filled)}] ${done}/${total} chunks`);
  if (done === total) process.stderr.write("\n");
}

main().catch((err: unknown) => {
  console.error(`ingest failed: ${err instanceof Error ? err.message : String(err)}`);
  process.exitCode = 1;
});

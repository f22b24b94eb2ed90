import { loadConfig, loadDotEnv } from "../core/config.ts";
import { buildStore } from "./store.ts";

/**
 * `npm run ingest [-- --force]`: builds the index from ARTICLES_DIR into INDEX_DIR (or, with
 * VECTOR_STORE=pgvector, into the database at DATABASE_URL) when it is missing or stale;
 * `--force` rebuilds regardless.
 */
async function main(): Promise<void> {
  loadDotEnv();
  const config = loadConfig();
  for (const warning of config.warnings) console.warn(`warning: ${warning}`);
  const force = process.argv.includes("--force");
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

import { cp, mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import path from "node:path";
import {
  corpusFuzzTable,
  fuzzCorpus,
  runCorpusFuzz,
  writeFuzzFiles,
  type Send,
} from "../../test/support/corpus-fuzz.ts";
import { startServer } from "../../test/support/server.ts";

/**
 * `npm run bench -- fuzz [--seed N]`: the full corpus against the real server (as `npm start`
 * runs it, over the seed articles and the fuzz's own): ingested on its first start, then
 * published, asked about, replaced and deleted over HTTP, 4 requests at a time. Prints the
 * table; fails when anything gave a 5xx or a stream error.
 */
export async function runCorpusFuzzBench(options: { seed: number }): Promise<void> {
  const work = await mkdtemp(path.join(tmpdir(), "goftogu-corpus-fuzz-"));
  try {
    const articlesDir = path.join(work, "articles");
    await cp(path.join(ROOT, "data/articles"), articlesDir, { recursive: true });
    const articles = fuzzCorpus(options.seed, "full");
    await writeFuzzFiles(articlesDir, articles);
    const adminToken = "corpus-fuzz-admin-token-0123";
    console.error(
      `corpus fuzz: ${articles.length} articles (seed ${options.seed}); the server ingests ${articles.filter((a) => a.via !== "api").length} on its first start…`,
    );
    const started = performance.now();
    const server = await startServer(
      {
        ARTICLES_DIR: articlesDir,
        INDEX_DIR: path.join(work, "index"),
        FEEDBACK_DIR: path.join(work, "feedback"),
        RATE_LIMIT_PER_MINUTE: "0",
        ADMIN_TOKEN: adminToken,
      },
      { timeoutMs: 300_000 },
    );
    const ingestSeconds = (performance.now() - started) / 1000;
    try {
      const send: Send = async (method, url, body, headers = {}) => {
        const res = await fetch(`${server.url}${url}`, {
          method,
          headers: { "content-type": "application/json", ...headers },
          ...(body !== undefined && { body: JSON.stringify(body) }),
        });
        return { status: res.status, text: await res.text() };
      };
      const fuzzStarted = performance.now();
      const result = await runCorpusFuzz(send, articles, { adminToken, concurrency: 4 });
      const seconds = (performance.now() - fuzzStarted) / 1000;
      const errors = server.logs.filter((l) => l.level === "error");
      console.log(
        `\nCORPUS FUZZ · ${articles.length} articles (seed ${options.seed}), ingested in ${ingestSeconds.toFixed(1)} s (server start to ready) and published; ${result.rows.reduce((n, r) => n + r.requests, 0)} requests in ${seconds.toFixed(1)} s over HTTP\n`,
      );
      console.log(corpusFuzzTable(result));
      console.log(`\nserver log lines at level error: ${errors.length}`);
      if (result.failures.length > 0)
        console.log(
          `\nfailures (first ${result.failures.length}):\n${result.failures.map((f) => `- ${f}`).join("\n")}`,
        );
      if (result.failures.length > 0 || errors.length > 0) process.exitCode = 1;
    } finally {
      server.child.kill("SIGTERM");
      await server.exited;
    }
  } finally {
    await rm(work, { recursive: true, force: true });
  }
}

const ROOT = path.resolve(import.meta.dirname, "../..");

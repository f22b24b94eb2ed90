import { spawn, type ChildProcess } from "node:child_process";
import { cp, mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import path from "node:path";
import autocannon from "autocannon";

/**
 * `npm run bench -- --load [--seconds 60] [--connections 50]`: the real server on loopback over
 * the seed articles, loaded with autocannon on `/api/chat` and `/api/search` (each for the given
 * time, at the given concurrency), then a table of requests per second, latency p50/p99, errors
 * and the server's memory before and after. Rate limiting is off for the run (the load comes from
 * one client); everything else is as `npm start` runs it.
 */
const ROOT = path.resolve(import.meta.dirname, "..");

const QUESTIONS = [
  "ارزش صادرات قزوین چقدر بود؟",
  "قم چند شهرک صنعتی دارد؟",
  "چند واحد صنفی در استان قم فعالیت می‌کنند؟",
  "مهم‌ترین مشکل صنایع کوچک استان قزوین چیست؟",
  "قیمت بنزین در تهران چقدر است؟",
];

interface Row {
  route: string;
  requests: number;
  rps: number;
  p50: number;
  p99: number;
  non2xx: number;
  errors: number;
  timeouts: number;
}

export async function runLoad(options: { seconds: number; connections: number }): Promise<void> {
  const work = await mkdtemp(path.join(tmpdir(), "goftogu-load-"));
  const articles = path.join(work, "articles");
  await cp(path.join(ROOT, "data/articles"), articles, { recursive: true });
  const server = spawn(process.execPath, ["--import", "tsx", "server/main.ts"], {
    cwd: ROOT,
    env: { PATH: process.env.PATH, PORT: "0", HOST: "127.0.0.1", ARTICLES_DIR: articles, INDEX_DIR: path.join(work, "index"), RATE_LIMIT_PER_MINUTE: "0" },
    stdio: ["ignore", "pipe", "inherit"],
  });
  try {
    const base = await listening(server);
    const before = await rss(server.pid!);
    const rows: Row[] = [];
    for (const route of ["/api/chat", "/api/search"]) {
      console.error(`loading ${route} for ${options.seconds} s at ${options.connections} connections…`);
      let i = 0;
      const result = await autocannon({
        url: `${base}${route}`,
        method: "POST",
        connections: options.connections,
        duration: options.seconds,
        headers: { "content-type": "application/json" },
        requests: [
          {
            setupRequest: (req) => {
              const q = QUESTIONS[i++ % QUESTIONS.length]!;
              return { ...req, body: JSON.stringify(route === "/api/chat" ? { question: q } : { query: q, k: 10 }) };
            },
          },
        ],
      });
      rows.push({
        route,
        requests: result.requests.total,
        rps: Math.round(result.requests.average),
        p50: result.latency.p50,
        p99: result.latency.p99,
        non2xx: result.non2xx,
        errors: result.errors,
        timeouts: result.timeouts,
      });
    }
    const after = await rss(server.pid!);
    console.log(`\nload · loopback · ${options.connections} connections · ${options.seconds} s a route · seed index\n`);
    console.log("| route       | requests | req/s | p50 ms | p99 ms | non-2xx | errors | timeouts |");
    console.log("|-------------|----------|-------|--------|--------|---------|--------|----------|");
    for (const r of rows) {
      console.log(`| ${r.route.padEnd(11)} | ${String(r.requests).padStart(8)} | ${String(r.rps).padStart(5)} | ${String(r.p50).padStart(6)} | ${String(r.p99).padStart(6)} | ${String(r.non2xx).padStart(7)} | ${String(r.errors).padStart(6)} | ${String(r.timeouts).padStart(8)} |`);
    }
    console.log(`\nserver memory (RSS): ${before} MiB before, ${after} MiB after`);
  } finally {
    server.kill("SIGTERM");
    await new Promise((resolve) => server.once("exit", resolve));
    await rm(work, { recursive: true, force: true });
  }
}

function listening(server: ChildProcess): Promise<string> {
  return new Promise((resolve, reject) => {
    let out = "";
    server.stdout!.on("data", (d) => {
      out += d;
      const m = /listening on http:\/\/localhost:(\d+)/.exec(out);
      if (m) resolve(`http://127.0.0.1:${m[1]}`);
      // Keep the pipe drained: request logs would otherwise fill it and stall the server.
      if (out.length > 1_000_000) out = out.slice(-1000);
    });
    server.on("exit", (code) => reject(new Error(`server exited with ${code}`)));
  });
}

async function rss(pid: number): Promise<number> {
  const { readFile } = await import("node:fs/promises");
  const status = await readFile(`/proc/${pid}/status`, "utf8").catch(() => "");
  const kb = Number(/VmRSS:\s+(\d+)/.exec(status)?.[1] ?? 0);
  return Math.round(kb / 1024);
}

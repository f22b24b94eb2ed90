import { spawn, type ChildProcess } from "node:child_process";
import { createServer } from "node:net";
import autocannon from "autocannon";
import { ROOT, rssMiB, statusMiB } from "./probe.ts";
import { START_ARGS } from "./server.ts";

/**
 * The served half of the scale benchmark: starts `server/main.ts` as `npm start` does, on an
 * index that is already built, times it to ready, warms it up, reads its memory, and loads
 * `/api/search` and `/api/chat` with autocannon. Rate limiting is off (the load comes from one
 * client); everything else is the offline default.
 */
export interface HttpFigures {
  requests: number;
  rps: number;
  p50: number;
  p99: number;
  non2xx: number;
  errors: number;
  timeouts: number;
}

/** The figures both HTTP scenarios report, from autocannon's result. */
export function httpFigures(result: autocannon.Result): HttpFigures {
  return {
    requests: result.requests.total,
    rps: Math.round(result.requests.average),
    p50: result.latency.p50,
    p99: result.latency.p99,
    non2xx: result.non2xx,
    errors: result.errors,
    timeouts: result.timeouts,
  };
}

export interface ServerFigures {
  /** Spawn to the first 200 from GET /api/health, s. */
  coldStartS: number;
  /** Spawn to the "listening" log line, s (listening may come before ready). */
  listeningS?: number;
  /** The first start rebuilt the index (why); the cold start is then that of a second start. */
  rebuiltOnStart?: string;
  health: unknown;
  rssAfterWarmupMiB: number;
  rssAfterLoadMiB: number;
  peakRssMiB: number;
  search: HttpFigures;
  /** Every answer written for its request (`Cache-Control: no-cache`): the questions' whole cost. */
  chat: HttpFigures;
  /** The same questions with the answer cache: each has been asked before, as readers clicking an article's suggestions do. */
  chatKept: HttpFigures;
}

export interface ServerRunOptions {
  articlesDir: string;
  indexDir: string;
  feedbackDir: string;
  questions: string[];
  seconds: number;
  connections: number;
  progress: (line: string) => void;
  /** More settings for the server (e.g. DENSE_SEARCH_THREAD=off to compare). */
  env?: Record<string, string>;
}

const WARMUP_REQUESTS = 50;
/** A 100k index takes a while to load today; give up well after the 5 s target. */
const READY_TIMEOUT_MS = 15 * 60_000;

export async function runServer(options: ServerRunOptions): Promise<ServerFigures> {
  let server = await startServer(options);
  let rebuiltOnStart: string | undefined;
  if (server.rebuilt) {
    // The code that analyses text changed between the build and this start (several people work
    // in one tree), so the server rebuilt: that is a build, not a cold start. Start once more
    // on the index it just wrote.
    rebuiltOnStart = server.rebuilt;
    options.progress(`the server rebuilt the index on start (${server.rebuilt}) in ${server.coldStartS} s; starting it again to time a real cold start`);
    await server.stop();
    server = await startServer(options);
  }
  try {
    options.progress(`ready in ${server.coldStartS} s; warming up`);
    for (let i = 0; i < WARMUP_REQUESTS; i++) {
      const q = options.questions[i % options.questions.length]!;
      await post(`${server.base}/api/search`, { query: q, k: 10 });
      await post(`${server.base}/api/chat`, { question: q });
    }
    const rssAfterWarmupMiB = await rssMiB(server.pid);
    const search = await load(`${server.base}/api/search`, options, (q) => ({ query: q, k: 10 }));
    await settle(server.base);
    // Autocannon cycles through the questions: without no-cache, all but the first of each would
    // be the answer kept from before.
    const chat = await load(`${server.base}/api/chat`, options, (q) => ({ question: q }), { "cache-control": "no-cache" });
    await settle(server.base);
    const chatKept = await load(`${server.base}/api/chat`, options, (q) => ({ question: q }));
    return {
      coldStartS: server.coldStartS,
      ...(server.listeningS !== undefined && { listeningS: server.listeningS }),
      ...(rebuiltOnStart && { rebuiltOnStart }),
      health: server.health,
      rssAfterWarmupMiB,
      rssAfterLoadMiB: await rssMiB(server.pid),
      peakRssMiB: await statusMiB(server.pid, "VmHWM"),
      search,
      chat,
      chatKept,
    };
  } finally {
    await server.stop();
  }
}

interface StartedServer {
  pid: number;
  base: string;
  coldStartS: number;
  listeningS: number | undefined;
  rebuilt: string | undefined;
  health: unknown;
  stop: () => Promise<void>;
}

/** Spawns the server and waits until /api/health answers 200. */
async function startServer(options: ServerRunOptions): Promise<StartedServer> {
  const port = await freePort();
  const started = performance.now();
  // As `npm start` runs it (package.json), heap limit included.
  const child = spawn(process.execPath, START_ARGS, {
    cwd: ROOT,
    env: {
      PATH: process.env.PATH,
      PORT: String(port),
      HOST: "127.0.0.1",
      ARTICLES_DIR: options.articlesDir,
      INDEX_DIR: options.indexDir,
      FEEDBACK_DIR: options.feedbackDir,
      RATE_LIMIT_PER_MINUTE: "0",
      ...options.env,
    },
    stdio: ["ignore", "pipe", "pipe"],
  });
  const exited = new Promise<string>((resolve) => child.once("exit", (code, signal) => resolve(`server exited with ${signal ?? code}`)));
  const stop = async () => {
    child.kill("SIGTERM");
    const timer = setTimeout(() => child.kill("SIGKILL"), 60_000);
    await exited;
    clearTimeout(timer);
  };
  const log = watchLog(child, started, port);
  try {
    const health = await waitUntilReady(log, exited);
    return { pid: child.pid!, base: `http://127.0.0.1:${log.port}`, coldStartS: seconds(performance.now() - started), listeningS: log.listeningS, rebuilt: log.rebuilt, health, stop };
  } catch (err) {
    await stop();
    throw err;
  }
}

interface LogWatch {
  port: number;
  listeningS: number | undefined;
  rebuilt: string | undefined;
  tail: string;
}

/**
 * Reads the server's JSON log lines: the "listening on" line names the port (in case the
 * server was given another one), and an "index built" line means it rebuilt on start. The pipe
 * is drained for the whole run: request logs would otherwise fill it and stall the server.
 */
function watchLog(child: ChildProcess, started: number, port: number): LogWatch {
  const watch: LogWatch = { port, listeningS: undefined, rebuilt: undefined, tail: "" };
  let buffer = "";
  let ready = false;
  child.stdout!.on("data", (data: Buffer) => {
    if (ready) return;
    buffer += data.toString("utf8");
    let newline: number;
    while ((newline = buffer.indexOf("\n")) >= 0) {
      const line = buffer.slice(0, newline);
      buffer = buffer.slice(newline + 1);
      let entry: { msg?: unknown; reason?: unknown };
      try {
        entry = JSON.parse(line) as typeof entry;
      } catch {
        continue;
      }
      const msg = String(entry.msg);
      if (msg === "index built") watch.rebuilt = String(entry.reason);
      const listening = /listening on http:\/\/[^:/]+:(\d+)/.exec(msg);
      if (listening) {
        watch.port = Number(listening[1]);
        watch.listeningS = seconds(performance.now() - started);
        ready = true;
      }
    }
  });
  child.stderr!.on("data", (data: Buffer) => (watch.tail = (watch.tail + data.toString("utf8")).slice(-2000)));
  return watch;
}

/** Polls GET /api/health until it answers 200; the port comes from PORT, or from the log line. */
async function waitUntilReady(log: LogWatch, exited: Promise<string>): Promise<unknown> {
  let gone: string | undefined;
  void exited.then((why) => (gone = why));
  const deadline = performance.now() + READY_TIMEOUT_MS;
  while (performance.now() < deadline) {
    if (gone) throw new Error(`${gone}: ${log.tail.trim().split("\n").slice(-3).join(" / ")}`);
    try {
      const res = await fetch(`http://127.0.0.1:${log.port}/api/health`, { signal: AbortSignal.timeout(2000) });
      if (res.status === 200) return await res.json();
    } catch {
      // not listening yet
    }
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
  throw new Error(`server not ready after ${READY_TIMEOUT_MS / 1000} s`);
}

async function load(url: string, options: ServerRunOptions, body: (question: string) => unknown, headers: Record<string, string> = {}): Promise<HttpFigures> {
  options.progress(`loading ${new URL(url).pathname}${headers["cache-control"] ? ` (${headers["cache-control"]})` : ""} for ${options.seconds} s at ${options.connections} connections`);
  let i = 0;
  const result = await autocannon({
    url,
    method: "POST",
    connections: options.connections,
    duration: options.seconds,
    headers: { "content-type": "application/json", ...headers },
    requests: [{ setupRequest: (req) => ({ ...req, body: JSON.stringify(body(options.questions[i++ % options.questions.length]!)) }) }],
  });
  return httpFigures(result);
}

/**
 * Waits until the server answers /api/health quickly again. Requests autocannon gave up on are
 * still being worked through when it stops; without this, the next route would be measured
 * behind the previous route's backlog.
 */
async function settle(base: string): Promise<void> {
  const deadline = performance.now() + 120_000;
  let quick = 0;
  while (quick < 3 && performance.now() < deadline) {
    const started = performance.now();
    await fetch(`${base}/api/health`).then((r) => r.arrayBuffer(), () => undefined);
    quick = performance.now() - started < 50 ? quick + 1 : 0;
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}

async function post(url: string, body: unknown): Promise<void> {
  const res = await fetch(url, { method: "POST", headers: { "content-type": "application/json" }, body: JSON.stringify(body) });
  await res.arrayBuffer();
  if (!res.ok) throw new Error(`${new URL(url).pathname} answered ${res.status} during warm-up`);
}

function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const probe = createServer();
    probe.once("error", reject);
    probe.listen(0, "127.0.0.1", () => {
      const address = probe.address();
      const port = typeof address === "object" && address ? address.port : 0;
      probe.close(() => resolve(port));
    });
  });
}

const seconds = (ms: number) => Math.round(ms / 10) / 100;

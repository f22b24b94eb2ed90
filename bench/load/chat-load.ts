import autocannon from "autocannon";
import { rssMiB, statusMiB } from "../scale/probe.ts";
import { startServer as startRealServer } from "../../test/support/server.ts";

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
  /**
   * Articles published through the management API, one at a time with nothing else asked: from
   * the start of each PUT to the first /api/search that ranks it first for its own question, ms.
   */
  publish: { articles: number; p50Ms: number; maxMs: number };
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
    options.progress(
      `the server rebuilt the index on start (${server.rebuilt}) in ${server.coldStartS} s; starting it again to time a real cold start`,
    );
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
    const chat = await load(`${server.base}/api/chat`, options, (q) => ({ question: q }), {
      "cache-control": "no-cache",
    });
    await settle(server.base);
    const chatKept = await load(`${server.base}/api/chat`, options, (q) => ({ question: q }));
    await settle(server.base);
    const publish = await publishing(server.base, options);
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
      publish,
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

/**
 * Starts the server as `npm start` does (test/support/server.ts) and times it: to its "listening"
 * line, and to the first 200 of /api/health.
 */
async function startServer(options: ServerRunOptions): Promise<StartedServer> {
  const started = performance.now();
  const server = await startRealServer(
    {
      ARTICLES_DIR: options.articlesDir,
      INDEX_DIR: options.indexDir,
      FEEDBACK_DIR: options.feedbackDir,
      RATE_LIMIT_PER_MINUTE: "0",
      ADMIN_TOKEN,
      ...options.env,
    },
    { timeoutMs: READY_TIMEOUT_MS },
  );
  const listeningS = seconds(performance.now() - started);
  const stop = async () => {
    server.child.kill("SIGTERM");
    const timer = setTimeout(() => server.child.kill("SIGKILL"), 60_000);
    await server.exited;
    clearTimeout(timer);
  };
  try {
    const res = await fetch(`${server.url}/api/health`);
    if (res.status !== 200) throw new Error(`/api/health answered ${res.status} once the server was listening`);
    const health: unknown = await res.json();
    const built = server.logs.find((entry) => entry.msg === "index built");
    return {
      pid: server.child.pid!,
      base: server.url,
      coldStartS: seconds(performance.now() - started),
      listeningS,
      rebuilt: built && String(built.reason),
      health,
      stop,
    };
  } catch (err) {
    await stop();
    throw err;
  }
}

const ADMIN_TOKEN = "bench-admin-token-0123456789";
const PUBLICATIONS = 5;

/**
 * Publishes PUBLICATIONS short news articles, each with a fact no other article has, and times
 * each from the start of its PUT until /api/search ranks it first for a question on that fact:
 * how long a newsroom waits before readers can find what it published.
 */
async function publishing(base: string, options: ServerRunOptions): Promise<ServerFigures["publish"]> {
  options.progress(`publishing ${PUBLICATIONS} articles, each timed until a search finds it`);
  const ms: number[] = [];
  for (let i = 0; i < PUBLICATIONS; i++) {
    const id = `bench-publication-${i}`;
    const ships = 300 + i * 17;
    const text =
      `در جشنواره کارورزان بندر دیلم امسال ${ships} قایق چوبی به آب انداخته شد. ` +
      "به گفته برگزارکنندگان، این جشنواره هر سال در آغاز فصل صید برگزار می‌شود و صنعتگران بومی در آن کار خود را عرضه می‌کنند.";
    const question = "در جشنواره کارورزان بندر دیلم چند قایق چوبی به آب انداخته شد؟";
    const started = performance.now();
    const put = await fetch(`${base}/api/articles/${id}`, {
      method: "PUT",
      headers: { "content-type": "application/json", authorization: `Bearer ${ADMIN_TOKEN}` },
      body: JSON.stringify({ title: `جشنواره کارورزان بندر دیلم ${i + 1}`, text, source: "bench" }),
    });
    if (!put.ok) throw new Error(`PUT /api/articles/${id} answered ${put.status}: ${await put.text()}`);
    for (;;) {
      const found = (await post(`${base}/api/search`, { query: question, k: 1 })) as {
        results?: Array<{ articleId: string }>;
      };
      if (found.results?.[0]?.articleId === id) break;
      if (performance.now() - started > 60_000) throw new Error(`${id} was not found a minute after its PUT`);
      await new Promise((resolve) => setTimeout(resolve, 5));
    }
    ms.push(performance.now() - started);
    // The next publication replaces this one's fact as the best answer: take it away first.
    await fetch(`${base}/api/articles/${id}`, {
      method: "DELETE",
      headers: { authorization: `Bearer ${ADMIN_TOKEN}` },
    });
  }
  ms.sort((a, b) => a - b);
  return {
    articles: ms.length,
    p50Ms: Math.round(ms[Math.floor(ms.length / 2)]!),
    maxMs: Math.round(ms[ms.length - 1]!),
  };
}

async function load(
  url: string,
  options: ServerRunOptions,
  body: (question: string) => unknown,
  headers: Record<string, string> = {},
): Promise<HttpFigures> {
  options.progress(
    `loading ${new URL(url).pathname}${headers["cache-control"] ? ` (${headers["cache-control"]})` : ""} for ${options.seconds} s at ${options.connections} connections`,
  );
  let i = 0;
  const result = await autocannon({
    url,
    method: "POST",
    connections: options.connections,
    duration: options.seconds,
    headers: { "content-type": "application/json", ...headers },
    requests: [
      {
        setupRequest: (req) => ({
          ...req,
          body: JSON.stringify(body(options.questions[i++ % options.questions.length]!)),
        }),
      },
    ],
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
    await fetch(`${base}/api/health`).then(
      (r) => r.arrayBuffer(),
      () => undefined,
    );
    quick = performance.now() - started < 50 ? quick + 1 : 0;
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}

async function post(url: string, body: unknown): Promise<unknown> {
  const res = await fetch(url, {
    method: "POST",
    headers: { "content-type": "application/json" },
    body: JSON.stringify(body),
  });
  const text = await res.text();
  if (!res.ok) throw new Error(`${new URL(url).pathname} answered ${res.status}: ${text.slice(0, 200)}`);
  return JSON.parse(text) as unknown;
}

const seconds = (ms: number) => Math.round(ms / 10) / 100;

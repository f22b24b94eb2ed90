import { randomBytes } from "node:crypto";
import { cp, mkdtemp, readFile, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import path from "node:path";
import autocannon from "autocannon";
import { killScenario, modelFaults, type KillResult, type ModelFaultRow } from "../../test/support/faults.ts";
import { runFuzz, type FuzzRow } from "../../test/support/fuzz.ts";
import { PUBLISH_CORPUS, publishScenario, READERS, type PublishFigures } from "./publish.ts";
import { startServer } from "../../test/support/server.ts";
import { httpFigures, type HttpFigures } from "./chat-load.ts";

/**
 * `npm run bench -- --load [--seconds 60] [--connections 50]`: the production scenario, against
 * the real server on loopback over the seed articles, as `npm start` runs it (rate limiting off,
 * as the load comes from one client; the article API on, so the fuzz can knock on it):
 *
 * 1. load: autocannon on `/api/chat` (every answer written, then answers kept), then `/api/search`,
 *    each for `seconds` at `connections`;
 *    the server's memory (RSS) sampled every second throughout, so a leak shows as growth;
 * 2. fuzz: 2,400 malformed and hostile requests (test/support/fuzz.ts) on the same server, then a
 *    real question, which must still be answered;
 * 3. faults (test/support/faults.ts): `kill -9` during article batch updates, then a restart; and a
 *    chat model that hangs, fails or drops the connection;
 * 4. publication (bench/load/publish.ts): readers' latency while the largest article the API accepts
 *    is published, against the same readers without one. `--only publish` runs this alone.
 *
 * Progress goes to stderr; the figures, as tables, to stdout.
 */
const ROOT = path.resolve(import.meta.dirname, "../..");

const QUESTIONS = [
  "ارزش صادرات قزوین چقدر بود؟",
  "قم چند شهرک صنعتی دارد؟",
  "چند واحد صنفی در استان قم فعالیت می‌کنند؟",
  "مهم‌ترین مشکل صنایع کوچک استان قزوین چیست؟",
  "قیمت بنزین در تهران چقدر است؟",
];
const FUZZ = { count: 2400, seed: 20261122, concurrency: 16 };
/** The question asked after the fuzz, and how its answer starts when the server is still right. */
const CHECK = { question: "قم چند شهرک صنعتی دارد؟", answer: "هفت شهرک صنعتی" };
const SAMPLE_MS = 1000;

interface LoadRow extends HttpFigures {
  route: string;
}

interface Sample {
  /** Seconds since the load began. */
  t: number;
  route: string;
  mib: number;
}

export async function runLoad(options: { seconds: number; connections: number; only?: "publish" }): Promise<void> {
  if (options.only === "publish") {
    printPublish(await publication());
    return;
  }
  const work = await mkdtemp(path.join(tmpdir(), "goftogu-load-"));
  const articles = path.join(work, "articles");
  await cp(path.join(ROOT, "data/articles"), articles, { recursive: true });
  const server = await startServer({
    ARTICLES_DIR: articles,
    INDEX_DIR: path.join(work, "index"),
    FEEDBACK_DIR: path.join(work, "feedback"),
    RATE_LIMIT_PER_MINUTE: "0",
    ADMIN_TOKEN: randomBytes(16).toString("hex"),
  });
  const pid = server.child.pid!;
  const rows: LoadRow[] = [];
  const samples: Sample[] = [];
  let fuzz: Awaited<ReturnType<typeof runFuzz>>;
  let stillAnswers: string;
  try {
    const began = performance.now();
    let route = "start";
    const sample = async () => samples.push({ t: (performance.now() - began) / 1000, route, mib: await rss(pid) });
    await sample();
    const sampler = setInterval(() => void sample(), SAMPLE_MS);
    try {
      for (const r of ROUTES) {
        route = r.name;
        console.error(`load: ${r.name} for ${options.seconds} s at ${options.connections} connections…`);
        rows.push(await load(server.url, r, options));
      }
    } finally {
      clearInterval(sampler);
    }
    route = "end";
    await sample();

    console.error(`fuzz: ${FUZZ.count} malformed and hostile requests…`);
    fuzz = await runFuzz(server.url, FUZZ);
    const res = await fetch(`${server.url}/api/chat`, {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: JSON.stringify({ question: CHECK.question }),
    });
    const answer = res.status === 200 ? ((await res.json()) as { answer: string }).answer : `HTTP ${res.status}`;
    stillAnswers = answer.startsWith(CHECK.answer)
      ? `yes: «${CHECK.question}» → «${answer.split("\n")[0]!.slice(0, 60)}»`
      : `NO: «${CHECK.question}» → ${answer.slice(0, 80)}`;
  } finally {
    server.child.kill("SIGTERM");
    await server.exited;
    await rm(work, { recursive: true, force: true });
  }

  console.error("faults: kill -9 during article batch updates, then a restart…");
  const kill = await killScenario();
  console.error("faults: the chat model hanging, failing, rate-limiting, dropping the connection…");
  const model = await modelFaults({ perFault: 10 });
  const published = await publication();

  printLoad(rows, options);
  printMemory(samples, options);
  printFuzz(fuzz.rows, fuzz.failures, stillAnswers);
  printKill(kill);
  printModel(model.rows, model.modelTimeoutMs);
  printPublish(published);
}

function publication(): Promise<PublishFigures> {
  console.error("publication: the largest accepted article, published while readers ask…");
  return publishScenario();
}

/**
 * The routes loaded, in order. The questions are few: without `no-cache`, all but the first
 * asking of each would be answered from the answer cache, which the second chat row measures.
 */
const ROUTES = [
  { name: "/api/chat", path: "/api/chat", headers: { "cache-control": "no-cache" } },
  { name: "/api/chat, kept", path: "/api/chat", headers: {} },
  { name: "/api/search", path: "/api/search", headers: {} },
];

async function load(
  base: string,
  route: (typeof ROUTES)[number],
  options: { seconds: number; connections: number },
): Promise<LoadRow> {
  let i = 0;
  const result = await autocannon({
    url: `${base}${route.path}`,
    method: "POST",
    connections: options.connections,
    duration: options.seconds,
    headers: { "content-type": "application/json", ...route.headers },
    requests: [
      {
        setupRequest: (req) => {
          const q = QUESTIONS[i++ % QUESTIONS.length]!;
          return { ...req, body: JSON.stringify(route.path === "/api/chat" ? { question: q } : { query: q, k: 10 }) };
        },
      },
    ],
  });
  return { route: route.name, ...httpFigures(result) };
}

async function rss(pid: number): Promise<number> {
  const status = await readFile(`/proc/${pid}/status`, "utf8").catch(() => "");
  const kb = Number(/VmRSS:\s+(\d+)/.exec(status)?.[1] ?? 0);
  return Math.round(kb / 1024);
}

/** A markdown table with right-aligned columns after the first. */
function table(header: string[], body: Array<Array<string | number>>): void {
  const cells = [header, ...body.map((r) => r.map(String))];
  const widths = header.map((_, c) => Math.max(...cells.map((r) => r[c]!.length)));
  const line = (r: string[]) =>
    `| ${r.map((x, c) => (c === 0 ? x.padEnd(widths[c]!) : x.padStart(widths[c]!))).join(" | ")} |`;
  console.log(line(header));
  console.log(`|${widths.map((w, c) => (c === 0 ? "-".repeat(w + 2) : `${"-".repeat(w + 1)}:`)).join("|")}|`);
  for (const r of cells.slice(1)) console.log(line(r));
}

function printLoad(rows: LoadRow[], options: { seconds: number; connections: number }): void {
  console.log(
    `\nLOAD · loopback · ${options.connections} connections · ${options.seconds} s a route · seed index · rate limit off\n`,
  );
  table(
    ["route", "requests", "req/s", "p50 ms", "p99 ms", "non-2xx", "errors", "timeouts"],
    rows.map((r) => [r.route, r.requests, r.rps, r.p50, r.p99, r.non2xx, r.errors, r.timeouts]),
  );
}

function printMemory(samples: Sample[], options: { seconds: number }): void {
  console.log(
    `\nMEMORY · server RSS, sampled every ${SAMPLE_MS / 1000} s during the load (${samples.length} samples)\n`,
  );
  const rowOf = (name: string, xs: Sample[]) => [
    name,
    xs[0]!.mib,
    Math.max(...xs.map((s) => s.mib)),
    xs.at(-1)!.mib,
    `${signed(xs.at(-1)!.mib - xs[0]!.mib)}`,
  ];
  const rows = ROUTES.map((route) => samples.filter((s) => s.route === route.name)).filter((xs) => xs.length > 0);
  table(
    ["phase", "start MiB", "peak MiB", "end MiB", "change MiB"],
    [...rows.map((xs) => rowOf(xs[0]!.route, xs)), rowOf("whole run", samples)],
  );
  // A leak grows steadily; a warmed-up server levels off. Compare the two halves of each route's run.
  const halves = rows.map((xs) => {
    const mid = Math.floor(xs.length / 2);
    const first = xs.slice(0, mid);
    const second = xs.slice(mid);
    return `${xs[0]!.route}: ${signed(Math.max(...second.map((s) => s.mib)) - Math.max(...first.map((s) => s.mib)))} MiB`;
  });
  console.log(`\npeak of the second half over the first (leak check): ${halves.join(", ")}`);
  const step = Math.max(1, Math.round(samples.length / 12));
  console.log(
    `RSS every ${Math.round((step * SAMPLE_MS) / 1000)} s: ${samples
      .filter((_, i) => i % step === 0 || i === samples.length - 1)
      .map((s) => s.mib)
      .join(" → ")} MiB (${Math.round(samples.at(-1)!.t)} s, ${options.seconds} s a route)`,
  );
}

function printFuzz(rows: FuzzRow[], failures: string[], stillAnswers: string): void {
  const sum = (pick: (r: FuzzRow) => number) => rows.reduce((n, r) => n + pick(r), 0);
  const total = {
    requests: sum((r) => r.requests),
    ok2xx: sum((r) => r.ok2xx),
    client4xx: sum((r) => r.client4xx),
    server5xx: sum((r) => r.server5xx),
    badBodies: sum((r) => r.badBodies),
    socketErrors: sum((r) => r.socketErrors),
  };
  console.log(
    `\nFUZZ · ${total.requests} malformed or hostile requests over real sockets, ${FUZZ.concurrency} at a time, seed ${FUZZ.seed}\n`,
  );
  table(
    ["kind", "requests", "2xx", "4xx", "5xx", "bad body", "no answer"],
    [...rows, { kind: "total", ...total }].map((r) => [
      r.kind,
      r.requests,
      r.ok2xx,
      r.client4xx,
      r.server5xx,
      r.badBodies,
      r.socketErrors,
    ]),
  );
  console.log(
    "\n(bad body: an /api error without the {error: {code, message}} shape, or a response showing a file, a stack trace or an internal path)",
  );
  for (const f of failures) console.log(`  ${f}`);
  console.log(`still answers afterwards: ${stillAnswers}`);
}

function printKill(kill: KillResult): void {
  console.log(
    "\nFAULT · kill -9 during article batch updates (POST /api/articles, batches of 5, 4 in flight), then a restart\n",
  );
  const lost = kill.acknowledged.filter((id) => !kill.answerable.includes(id));
  table(
    ["acknowledged", "in flight at kill", "answerable after restart", "lost", "restart to ready s"],
    [[kill.acknowledged.length, kill.inFlight, kill.answerable.length, lost.length, kill.restartSeconds.toFixed(1)]],
  );
  if (lost.length > 0) console.log(`  not answerable: ${lost.join(", ")}`);
}

function printModel(rows: ModelFaultRow[], modelTimeoutMs: number): void {
  console.log(
    `\nFAULT · chat model failures in LLM mode (CHAT_MODEL set, default MODEL_TIMEOUT_MS ${modelTimeoutMs}, one retry); half the questions JSON, half streamed\n`,
  );
  table(
    ["model", "requests", "answered", "extractive + warning", "failed", "p50 ms", "max ms"],
    rows.map((r) => [r.fault, r.requests, r.answered, r.extractive, r.failed, r.p50, r.max]),
  );
}

function printPublish(f: PublishFigures): void {
  console.log(
    `\nPUBLICATION · PUT /api/articles/:id of ${(f.bodyBytes / 2 ** 20).toFixed(2)} MiB (${f.chars.toLocaleString("en")} characters, ${f.chunks.toLocaleString("en")} chunks), ` +
      `HTTP ${f.status} in ${f.seconds.toFixed(1)} s · ${READERS} readers asking /api/chat (no-cache) about the other ${PUBLISH_CORPUS.size + 5} articles · rate limit off\n`,
  );
  table(
    ["readers", "seconds", "requests", "failed", "p50 ms", "p99 ms", "max ms"],
    [
      [
        "without a publication",
        f.baseline.seconds.toFixed(1),
        f.baseline.requests,
        f.baseline.failed,
        f.baseline.p50,
        f.baseline.p99,
        f.baseline.max,
      ],
      [
        "during the publication",
        f.during.seconds.toFixed(1),
        f.during.requests,
        f.during.failed,
        f.during.p50,
        f.during.p99,
        f.during.max,
      ],
      [
        "after it (sent after the response)",
        f.after.seconds.toFixed(1),
        f.after.requests,
        f.after.failed,
        f.after.p50,
        f.after.p99,
        f.after.max,
      ],
    ],
  );
  console.log(`\nthe published article answers its question afterwards: ${f.answerable ? "yes" : "NO"}`);
}

function signed(n: number): string {
  return n > 0 ? `+${n}` : String(n);
}

import { cp, mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import path from "node:path";
import { loadConfig } from "../../core/config.ts";
import { normalizeForMatch } from "../../core/persian/normalize.ts";
import { startFakeOpenAI, type Reply } from "./fake-openai.ts";
import { startServer } from "./server.ts";

/**
 * Faults the service must survive, against the real server (`npm run bench -- --load`, and
 * test/admin.test.ts for the first): `kill -9` in the middle of article batch updates, and a chat
 * model that hangs, fails or drops the connection.
 */

const ROOT = path.resolve(import.meta.dirname, "../..");
const ADMIN_TOKEN = "fault-bench-admin-token-0123";

// Made-up festival names: each article has a word no other article has, so a question about it
// has one right source and the figure can only come from that article.
const FIRST = ["کار", "سپ", "نو", "داد", "مهر", "تاب", "بهر", "زر", "گل", "شید"];
const SECOND = ["ور", "یار", "مند", "سار", "گون", "زاد", "پور", "نیک", "بان", "تاش"];
const CITIES = ["رشت", "ساری", "یزد", "کرمان", "اراک", "زنجان", "سمنان", "بیرجند"];
const persianDigits = (n: number) => n.toLocaleString("fa-IR", { useGrouping: false });

export interface FaultArticle {
  id: string;
  title: string;
  text: string;
  /** A reader's question that only this article answers, and the figure the answer must state. */
  question: string;
  figure: string;
}

/** Article `i` (0..99) of a batch update: distinct, each answerable on its own. */
export function faultArticle(i: number): FaultArticle {
  const name = `${FIRST[i % 10]}${SECOND[Math.floor(i / 10) % 10]}`;
  const city = CITIES[i % CITIES.length]!;
  const figure = persianDigits(100 + ((i * 37) % 800));
  return {
    id: `fault-${i}`,
    title: `جشنواره ${name} در ${city}`,
    text: `جشنواره ${name} امسال در شهر ${city} با حضور ${figure} هنرمند برگزار شد. دبیر جشنواره ${name} گفت این رویداد هر سال در پاییز برگزار می‌شود.`,
    question: `چند هنرمند در جشنواره ${name} حضور داشتند؟`,
    figure,
  };
}

export interface KillResult {
  /** Articles whose batch was acknowledged (201) before the kill. */
  acknowledged: string[];
  /** Articles in batches sent but not acknowledged when the process died. */
  inFlight: number;
  /** Acknowledged articles that the restarted server answers from, with their figure. */
  answerable: string[];
  /** From the restart to the index loaded and the API answering. */
  restartSeconds: number;
}

/**
 * Publishes `articles` articles through `POST /api/articles` in batches of `batchSize`, with
 * `concurrency` batches in flight, and `kill -9`s the server as soon as `killAfter` articles are
 * acknowledged, with the other batches still in flight. Then starts it again on the same
 * directories and asks each acknowledged article's question.
 */
export async function killDuringBatchUpdate(options: {
  articlesDir: string;
  indexDir: string;
  articles: number;
  batchSize: number;
  concurrency: number;
  killAfter: number;
}): Promise<KillResult> {
  const env = {
    ARTICLES_DIR: options.articlesDir,
    INDEX_DIR: options.indexDir,
    ADMIN_TOKEN,
    RATE_LIMIT_PER_MINUTE: "0",
    FEEDBACK_DIR: path.join(options.indexDir, "..", "feedback"),
  };
  const all = Array.from({ length: options.articles }, (_, i) => faultArticle(i));
  const first = await startServer(env);
  const acknowledged: string[] = [];
  let sent = 0;
  let killed = false;
  const batches: FaultArticle[][] = [];
  for (let i = 0; i < all.length; i += options.batchSize) batches.push(all.slice(i, i + options.batchSize));
  const worker = async () => {
    for (let batch = batches.shift(); batch && !killed; batch = batches.shift()) {
      sent += batch.length;
      const res = await fetch(`${first.url}/api/articles`, {
        method: "POST",
        headers: { authorization: `Bearer ${ADMIN_TOKEN}`, "content-type": "application/json" },
        body: JSON.stringify({ articles: batch.map(({ id, title, text }) => ({ id, title, text, source: "ایرنا" })) }),
      }).catch(() => undefined);
      // A 201 that arrives after the kill was still sent before it: it counts.
      if (res?.status === 201) acknowledged.push(...batch.map((a) => a.id));
      if (acknowledged.length >= options.killAfter && !killed) {
        killed = true;
        first.child.kill("SIGKILL");
      }
    }
  };
  await Promise.all(Array.from({ length: options.concurrency }, worker));
  if (!killed) first.child.kill("SIGKILL");
  await first.exited;

  const restarted = performance.now();
  const second = await startServer(env, { timeoutMs: 120_000 });
  const restartSeconds = (performance.now() - restarted) / 1000;
  const answerable: string[] = [];
  try {
    for (const id of acknowledged) {
      const article = all.find((a) => a.id === id)!;
      const res = await fetch(`${second.url}/api/chat`, {
        method: "POST",
        headers: { "content-type": "application/json" },
        body: JSON.stringify({ question: article.question }),
      });
      const body = (await res.json()) as { answer?: string; found?: boolean; citations?: Array<{ articleId: string }> };
      if (
        body.found &&
        body.citations?.some((c) => c.articleId === id) &&
        normalizeForMatch(body.answer ?? "").includes(normalizeForMatch(article.figure))
      )
        answerable.push(id);
    }
  } finally {
    second.child.kill("SIGTERM");
    await second.exited;
  }
  return { acknowledged, inFlight: sent - acknowledged.length, answerable, restartSeconds };
}

export interface ModelFaultRow {
  fault: string;
  requests: number;
  /** Answers that came (200 JSON, or a stream ending in `done`). */
  answered: number;
  /** Of those, extractive with a `warning` saying the model failed. */
  extractive: number;
  /** 5xx, `event: error` or no answer at all. */
  failed: number;
  p50: number;
  max: number;
}

const FAULTS: Array<{ fault: string; reply: Reply }> = [
  { fault: "model hangs", reply: { hang: true } },
  { fault: "model fails (HTTP 500)", reply: { status: 500 } },
  { fault: "model rate-limits (HTTP 429)", reply: { status: 429 } },
  { fault: "model drops the connection", reply: { drop: true } },
];

/** The default MODEL_TIMEOUT_MS, which the server runs with here. */
const MODEL_TIMEOUT_MS = (
  loadConfig({ OPENAI_API_KEY: "sk-fake", CHAT_MODEL: "fake-chat" }).answerer as { timeoutMs: number }
).timeoutMs;

const QUESTIONS = [
  "ارزش صادرات قزوین چقدر بود؟",
  "قم چند شهرک صنعتی دارد؟",
  "چند واحد صنفی در استان قم فعالیت می‌کنند؟",
  "مدیرکل صنعت، معدن و تجارت استان قم کیست؟",
];

/**
 * The server in LLM mode (CHAT_MODEL set, the model a local fake) over the seed articles, with
 * its default time settings. For each fault, `perFault` questions at once, half as JSON and half
 * streamed: every one must still be answered, extractively, with a warning.
 */
export async function modelFaults(options: {
  perFault: number;
}): Promise<{ rows: ModelFaultRow[]; modelTimeoutMs: number }> {
  const work = await mkdtemp(path.join(tmpdir(), "goftogu-faults-"));
  const fake = await startFakeOpenAI();
  const articles = path.join(work, "articles");
  await cp(path.join(ROOT, "data/articles"), articles, { recursive: true });
  const server = await startServer({
    ARTICLES_DIR: articles,
    INDEX_DIR: path.join(work, "index"),
    FEEDBACK_DIR: path.join(work, "feedback"),
    RATE_LIMIT_PER_MINUTE: "0",
    OPENAI_API_KEY: "sk-fake",
    OPENAI_BASE_URL: fake.baseURL,
    CHAT_MODEL: "fake-chat",
  });
  const rows: ModelFaultRow[] = [];
  try {
    for (const { fault, reply } of FAULTS) {
      fake.script = () => reply;
      const outcomes = await Promise.all(
        Array.from({ length: options.perFault }, (_, i) =>
          askOnce(server.url, QUESTIONS[i % QUESTIONS.length]!, i % 2 === 1),
        ),
      );
      const ms = outcomes.map((o) => o.ms).sort((a, b) => a - b);
      rows.push({
        fault,
        requests: outcomes.length,
        answered: outcomes.filter((o) => o.answered).length,
        extractive: outcomes.filter((o) => o.answered && o.extractiveWithWarning).length,
        failed: outcomes.filter((o) => !o.answered).length,
        p50: Math.round(ms[Math.floor(ms.length / 2)]!),
        max: Math.round(ms.at(-1)!),
      });
    }
  } finally {
    server.child.kill("SIGTERM");
    await server.exited;
    await fake.close();
    await rm(work, { recursive: true, force: true });
  }
  return { rows, modelTimeoutMs: MODEL_TIMEOUT_MS };
}

async function askOnce(
  base: string,
  question: string,
  stream: boolean,
): Promise<{ answered: boolean; extractiveWithWarning: boolean; ms: number }> {
  const started = performance.now();
  try {
    const res = await fetch(`${base}/api/chat`, {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: JSON.stringify({ question, stream }),
    });
    const text = await res.text();
    const ms = performance.now() - started;
    if (res.status !== 200) return { answered: false, extractiveWithWarning: false, ms };
    let done: { mode?: string; warning?: string; found?: boolean } | undefined;
    if (stream) {
      const last = /event: (\w+)\ndata: (.*)\n\n$/.exec(text);
      if (last?.[1] === "done") done = JSON.parse(last[2]!) as typeof done;
    } else done = JSON.parse(text) as typeof done;
    return {
      answered: done !== undefined,
      extractiveWithWarning: done?.mode === "extractive" && typeof done.warning === "string",
      ms,
    };
  } catch {
    return { answered: false, extractiveWithWarning: false, ms: performance.now() - started };
  }
}

/** The kill -9 scenario of the bench: 100 articles in batches of 5, 4 at a time, killed after 40 are acknowledged. */
export async function killScenario(): Promise<KillResult> {
  const work = await mkdtemp(path.join(tmpdir(), "goftogu-kill-"));
  try {
    const articlesDir = path.join(work, "articles");
    await cp(path.join(ROOT, "data/articles"), articlesDir, { recursive: true });
    return await killDuringBatchUpdate({
      articlesDir,
      indexDir: path.join(work, "index"),
      articles: 100,
      batchSize: 5,
      concurrency: 4,
      killAfter: 40,
    });
  } finally {
    await rm(work, { recursive: true, force: true });
  }
}

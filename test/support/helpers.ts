import { spawn } from "node:child_process";
import { once } from "node:events";
import { cp, mkdtemp, rm } from "node:fs/promises";
import { readFileSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { after } from "node:test";
import { openIndex } from "../../core/corpus/embedded/store.ts";
import { normalizeForMatch } from "../../core/persian/normalize.ts";
import { buildIndex } from "../../ingest/build.ts";
import { createApp } from "../../server/app.ts";
import { Assistant } from "../../answer/assistant.ts";
import { HnswlibCorpus } from "../../core/corpus/embedded/corpus.ts";
import type { Corpus } from "../../core/corpus/corpus.ts";

const ROOT = path.resolve(import.meta.dirname, "../..");

/** The admin token `adminApp` and the servers of the tests that publish are given. */
export const ADMIN_TOKEN = "test-admin-token-0123456789";

/**
 * The app over `corpus` with extractive answers and the article management API on
 * `articlesDir`, and `send`, a request with the admin token (and a JSON body, when given).
 */
export function adminApp(corpus: Corpus, articlesDir: string) {
  const app = createApp(new Assistant(corpus, { answerer: { kind: "extractive" } }), {
    log: () => {},
    admin: { token: ADMIN_TOKEN, articlesDir },
  });
  const send = (method: string, url: string, body?: unknown) =>
    app.request(url, {
      method,
      headers: { "content-type": "application/json", authorization: `Bearer ${ADMIN_TOKEN}` },
      ...(body !== undefined && { body: JSON.stringify(body) }),
    });
  return { app, send };
}
export const SEEDS_DIR = path.resolve(import.meta.dirname, "../../data/articles");

/** A fresh temporary directory, removed when the test file ends. */
export async function tempDir(prefix = "goftogu-test-"): Promise<string> {
  const dir = await mkdtemp(path.join(tmpdir(), prefix));
  after(() => rm(dir, { recursive: true, force: true }));
  return dir;
}

/** A copy of the seed articles that a test may change. */
export async function seedCopy(): Promise<string> {
  const dir = await tempDir("goftogu-articles-");
  await cp(SEEDS_DIR, dir, { recursive: true });
  return dir;
}

/** The app over an index built from `articlesDir` (the seeds by default), offline defaults. */
export async function seedApp(articlesDir = SEEDS_DIR) {
  const indexDir = await tempDir("goftogu-index-");
  await buildIndex({ articlesDir, indexDir, embedder: { kind: "local" } });
  const index = await openIndex(indexDir, { kind: "local" });
  const assistant = new Assistant(HnswlibCorpus.of(index), { answerer: { kind: "extractive" } });
  const logged: Record<string, unknown>[] = [];
  const app = createApp(assistant, { log: (entry) => logged.push(entry) });
  return { app, assistant, index, indexDir, logged };
}

/** A JSON POST; a string or bytes are sent as they are. */
export function post(
  app: { request: (path: string, init: RequestInit) => Response | Promise<Response> },
  path: string,
  body: unknown,
) {
  const raw = typeof body === "string" || body instanceof Uint8Array ? body : JSON.stringify(body);
  return app.request(path, { method: "POST", headers: { "content-type": "application/json" }, body: raw as BodyInit });
}

/** The body of a request to a fake server: parsed JSON, the raw text if it is not JSON, undefined if empty. */
export async function readBody(req: AsyncIterable<Buffer | string>): Promise<unknown> {
  const chunks: Buffer[] = [];
  for await (const c of req) chunks.push(typeof c === "string" ? Buffer.from(c) : c);
  const raw = Buffer.concat(chunks).toString("utf8");
  if (raw === "") return undefined;
  try {
    return JSON.parse(raw);
  } catch {
    return raw;
  }
}

/** Text compared the way a reader would: digits, letters and ZWNJ unified. */
export function same(text: string): string {
  return normalizeForMatch(text).replace(/\s+/g, " ");
}

/** The page furniture of the seed files that must never reach a chunk, quote or answer. */
export const FURNITURE = [
  "گفتگو با هوش مصنوعی",
  "💬",
  "سلام!",
  "راهنماییت کنم",
  "انتهای پیام",
  "اخبار پیشنهادی",
  "تبادل نظر",
  "آدرس ایمیل خود را با فرمت مناسب وارد نمایید",
  "مهمترین اخبار ایران و جهان",
  "نیوز سیتی",
  "شناسه خبر",
  "منبع:",
];

/** The real server in a child process; shared with `npm run bench -- --load`. */
import { startServer, type RunningServer } from "./server.ts";
export { startServer, type RunningServer, type StartOptions } from "./server.ts";

/** A question of test/fixtures/questions.jsonl (the format is docs/evaluation.md's). */
export interface FixtureQuestion {
  id: string;
  question: string;
  answerable: boolean;
  answers: string[];
  articleId?: string;
  scope?: string;
  tags: string[];
}

/**
 * The fixture questions that an article answers, with that article; with `tags`, only those
 * with one of them («plain», «spelling»: the questions that say what the article says).
 */
export function answerableFixtures(tags?: string[]): Array<FixtureQuestion & { articleId: string }> {
  return readFileSync(new URL("../fixtures/questions.jsonl", import.meta.url), "utf8")
    .split("\n")
    .filter((l) => l.trim() !== "")
    .map((l) => JSON.parse(l) as FixtureQuestion)
    .filter((f): f is FixtureQuestion & { articleId: string } => f.answerable && f.articleId !== undefined)
    .filter((f) => !tags || f.tags.some((t) => tags.includes(t)));
}

/**
 * A server started as `npm start` does, on a copy of the seed articles with `env` over the
 * defaults, once ready: `use` gets it, its `/api/health` and a way to ask `/api/chat`. Stopped
 * afterwards, whatever `use` did.
 */
export async function withSeedServer(
  env: Record<string, string>,
  use: (
    server: RunningServer,
    health: Record<string, unknown>,
    ask: (question: string) => Promise<{ short?: string; found: boolean }>,
  ) => Promise<void>,
): Promise<void> {
  const server = await startServer({
    ARTICLES_DIR: await seedCopy(),
    INDEX_DIR: path.join(await tempDir(), "index"),
    ...env,
  });
  try {
    await server.ready;
    const health = (await (await fetch(`${server.url}/api/health`)).json()) as Record<string, unknown>;
    const ask = async (question: string) =>
      (await (
        await fetch(`${server.url}/api/chat`, {
          method: "POST",
          headers: { "content-type": "application/json" },
          body: JSON.stringify({ question }),
        })
      ).json()) as { short?: string; found: boolean };
    await use(server, health, ask);
  } finally {
    server.child.kill("SIGTERM");
    await server.exited;
  }
}

/** `npm run ingest` (ingest/cli.ts under tsx, as the script runs it) as a child process, with a minimal environment. */
export async function runIngest(
  env: Record<string, string>,
  ...args: string[]
): Promise<{ code: number | null; out: string }> {
  const child = spawn(process.execPath, ["--import", "tsx", path.join(ROOT, "ingest/cli.ts"), ...args], {
    cwd: ROOT,
    env: { PATH: process.env.PATH, ...env },
    stdio: ["ignore", "pipe", "pipe"],
  });
  let out = "";
  child.stdout!.on("data", (d) => (out += d));
  child.stderr!.on("data", (d) => (out += d));
  const [code] = (await once(child, "close")) as [number | null];
  return { code, out };
}

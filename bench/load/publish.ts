import { randomBytes } from "node:crypto";
import { cp, mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import path from "node:path";
import { normalizeForMatch } from "../../core/persian/normalize.ts";
import { ADMIN_BODY_BYTES } from "../../core/config.ts";
import { prng, writeCorpus } from "../../test/support/corpus.ts";
import { percentiles } from "../scale/probe.ts";
import { startServer } from "../../test/support/server.ts";
import { loadSentencePool, type SentencePool } from "../../test/support/sentence-pool.ts";

/**
 * The largest article the management API accepts, published while readers ask questions
 * (`npm run bench -- --load`, alone with `--only publish`): the real server over the seed
 * articles and a bench corpus large enough that searches run on their own threads, readers
 * asking `/api/chat` about those other articles in a closed loop (every answer written:
 * `Cache-Control: no-cache`), first without a publication, then during a `PUT` of a body just
 * under ADMIN_BODY_BYTES of Persian news text. A reader's request counts as during the
 * publication when the two overlap in time; the readers go on for AFTER_SECONDS after it.
 */
const ROOT = path.resolve(import.meta.dirname, "../..");
export const PUBLISH_CORPUS = { size: 300, seed: 7 };
export const READERS = 8;
const BASELINE_SECONDS = 10;
/** After the response: the search threads apply the new chunks on their own, behind the searches sent meanwhile. */
const AFTER_SECONDS = 10;
const SEED_QUESTIONS = [
  "ارزش صادرات قزوین چقدر بود؟",
  "قم چند شهرک صنعتی دارد؟",
  "چند واحد صنفی در استان قم فعالیت می‌کنند؟",
  "مهم‌ترین مشکل صنایع کوچک استان قزوین چیست؟",
  "قیمت بنزین در تهران چقدر است؟",
];
/** A sentence only the published article has, and the question it answers: whether the publication went live. */
const CHECK = {
  sentence: "در جشنواره کارورزان بندر دیلم امسال ۳۷۱ قایق چوبی به آب انداخته شد.",
  question: "در جشنواره کارورزان بندر دیلم چند قایق چوبی به آب انداخته شد؟",
  figure: "۳۷۱ قایق",
};

export interface PublishFigures {
  bodyBytes: number;
  chars: number;
  chunks: number;
  status: number;
  seconds: number;
  answerable: boolean;
  baseline: ReaderFigures;
  during: ReaderFigures;
  /** Requests sent in the AFTER_SECONDS after the publication's response. */
  after: ReaderFigures;
}

export interface ReaderFigures {
  seconds: number;
  requests: number;
  failed: number;
  p50: number;
  p99: number;
  max: number;
}

interface Timed {
  start: number;
  end: number;
  ok: boolean;
}

export async function publishScenario(): Promise<PublishFigures> {
  const work = await mkdtemp(path.join(tmpdir(), "goftogu-publish-"));
  try {
    const articlesDir = path.join(work, "articles");
    await cp(path.join(ROOT, "data/articles"), articlesDir, { recursive: true });
    const pool = await loadSentencePool();
    const corpus = await writeCorpus(
      articlesDir,
      { ...PUBLISH_CORPUS, shardSize: PUBLISH_CORPUS.size, questions: 40 },
      pool,
    );
    const questions = [...SEED_QUESTIONS, ...corpus.questions.map((q) => q.question)];
    const token = randomBytes(16).toString("hex");
    const server = await startServer(
      {
        ARTICLES_DIR: articlesDir,
        INDEX_DIR: path.join(work, "index"),
        FEEDBACK_DIR: path.join(work, "feedback"),
        RATE_LIMIT_PER_MINUTE: "0",
        ADMIN_TOKEN: token,
      },
      { timeoutMs: 300_000 },
    );
    try {
      const { body, bytes, chars } = largestArticle(pool);
      const chunksBefore = await chunkCount(server.url);
      // Warm-up: the first answers build caches that would otherwise fall into the baseline.
      const warmUntil = performance.now() + 2000;
      await readers(server.url, questions, () => performance.now() > warmUntil);

      console.error(`publish: ${READERS} readers for ${BASELINE_SECONDS} s without a publication…`);
      const baselineStart = performance.now();
      const baselineEnd = baselineStart + BASELINE_SECONDS * 1000;
      const baseline = await readers(server.url, questions, () => performance.now() > baselineEnd);

      console.error(`publish: PUT of ${(bytes / 2 ** 20).toFixed(1)} MiB while ${READERS} readers ask…`);
      let published: { start: number; end: number; status: number } | undefined;
      const during = readers(
        server.url,
        questions,
        () => published !== undefined && performance.now() > published.end + AFTER_SECONDS * 1000,
      );
      const start = performance.now();
      const res = await fetch(`${server.url}/api/articles/publish-bench-largest`, {
        method: "PUT",
        headers: { authorization: `Bearer ${token}`, "content-type": "application/json" },
        body,
      });
      await res.arrayBuffer();
      published = { start, end: performance.now(), status: res.status };
      const all = await during;
      const overlapping = all.filter((r) => r.start < published!.end && r.end > published!.start);
      const answer = (await (
        await fetch(`${server.url}/api/chat`, {
          method: "POST",
          headers: { "content-type": "application/json" },
          body: JSON.stringify({ question: CHECK.question }),
        })
      ).json()) as { answer?: string; citations?: Array<{ articleId: string }> };
      return {
        bodyBytes: bytes,
        chars,
        chunks: (await chunkCount(server.url)) - chunksBefore,
        status: published.status,
        seconds: (published.end - published.start) / 1000,
        answerable:
          answer.citations?.[0]?.articleId === "publish-bench-largest" &&
          normalizeForMatch(answer.answer ?? "").includes(normalizeForMatch(CHECK.figure)),
        baseline: figures(baseline, (baselineEnd - baselineStart) / 1000),
        during: figures(overlapping, (published.end - published.start) / 1000),
        after: figures(
          all.filter((r) => r.start >= published!.end),
          AFTER_SECONDS,
        ),
      };
    } finally {
      server.child.kill("SIGTERM");
      await server.exited;
    }
  } finally {
    await rm(work, { recursive: true, force: true });
  }
}

/**
 * A news article as large as the API accepts: pool sentences in paragraphs of three, in a fixed
 * shuffled order (the pool is used several times over), the check sentence in the middle. As a
 * JSON body just under ADMIN_BODY_BYTES: Persian letters take two bytes of UTF-8, so some five
 * million characters.
 */
export function largestArticle(pool: SentencePool): { body: string; bytes: number; chars: number } {
  const random = prng(20261122);
  const order = pool.sentences.map((_, i) => i);
  const paragraphs: string[] = [];
  let bytes = 200;
  const budget = ADMIN_BODY_BYTES - 4096;
  let checked = false;
  for (let full = false; !full;) {
    for (let i = order.length - 1; i > 0; i--) {
      const j = Math.floor(random() * (i + 1));
      [order[i], order[j]] = [order[j]!, order[i]!];
    }
    for (let i = 0; i + 3 <= order.length; i += 3) {
      const paragraph = order
        .slice(i, i + 3)
        .map((s) => pool.sentences[s]!)
        .join(" ");
      const size = Buffer.byteLength(paragraph) + 4;
      if (bytes + size > budget) {
        full = true;
        break;
      }
      paragraphs.push(paragraph);
      bytes += size;
      if (!checked && bytes > budget / 2) {
        paragraphs.push(CHECK.sentence);
        bytes += Buffer.byteLength(CHECK.sentence) + 4;
        checked = true;
      }
    }
  }
  const text = paragraphs.join("\n\n");
  const body = JSON.stringify({
    title: "گزارش جامع سال: صنعت، تجارت و فرهنگ استان‌ها",
    text,
    source: "ایرنا",
    publishedAt: "2025-03-01T10:00:00+03:30",
  });
  const size = Buffer.byteLength(body);
  if (size > ADMIN_BODY_BYTES) throw new Error(`the article's body is ${size} bytes, over ADMIN_BODY_BYTES`);
  return { body, bytes: size, chars: text.length };
}

/** READERS closed loops of `/api/chat` questions until `done()`; every request's start and end. */
async function readers(base: string, questions: string[], done: () => boolean): Promise<Timed[]> {
  const timed: Timed[] = [];
  let next = 0;
  await Promise.all(
    Array.from({ length: READERS }, async () => {
      while (!done()) {
        const question = questions[next++ % questions.length]!;
        const start = performance.now();
        const ok = await fetch(`${base}/api/chat`, {
          method: "POST",
          headers: { "content-type": "application/json", "cache-control": "no-cache" },
          body: JSON.stringify({ question }),
        })
          .then(async (res) => (await res.arrayBuffer(), res.status === 200))
          .catch(() => false);
        timed.push({ start, end: performance.now(), ok });
      }
    }),
  );
  return timed;
}

function figures(timed: Timed[], seconds: number): ReaderFigures {
  const ms = timed.map((t) => t.end - t.start);
  const p = percentiles(ms);
  return {
    seconds,
    requests: timed.length,
    failed: timed.filter((t) => !t.ok).length,
    p50: Math.round(p.p50),
    p99: Math.round(p.p99),
    max: Math.round(Math.max(0, ...ms)),
  };
}

async function chunkCount(base: string): Promise<number> {
  return ((await (await fetch(`${base}/api/health`)).json()) as { chunks: number }).chunks;
}

import { mkdir, writeFile } from "node:fs/promises";
import path from "node:path";
import { deriveTitle } from "../../ingest/metadata.ts";
import { loadSentencePool, type SentencePool } from "./sentence-pool.ts";

/**
 * A deterministic Persian news corpus of any size for `npm run bench`, made without network by
 * recombining the sentences of the seed articles and the shared evaluation passages
 * (test/support/sentence-pool.ts). Each article tells one passage's story from its start, continues
 * with runs from sibling passages, seed news and other passages, and carries a headline, an
 * agency, a date and a URL. Article `i` depends only on the seed and `i`, so a 1k corpus is the
 * first 1k articles of the 100k one.
 *
 * Sentences recur across articles (a 100k corpus reuses each pool sentence ~100 times), so
 * figures in copied sentences are varied per article, except in sentences that answer a
 * benchmark question. Whole chunks still differ: runs are short and interleaved, and every
 * chunk is embedded with its own article's title.
 */
export interface BenchArticle {
  id: string;
  title: string;
  source: string;
  publishedAt: string;
  url: string;
  text: string;
}

/** A question with the articles that answer it: every article holding its answering sentence. */
export interface BenchQuestion {
  question: string;
  answer: string;
  kind: "eval" | "synthetic";
  answerArticles: string[];
}

export interface CorpusOptions {
  size: number;
  seed: number;
  /** Articles per JSONL file: the way a CMS export arrives, and no single huge file. */
  shardSize?: number;
  /** How many questions to keep (fewer when fewer answering sentences were used). */
  questions?: number;
}

export interface CorpusSummary {
  articles: number;
  files: number;
  /** Total characters of article text. */
  chars: number;
  questions: BenchQuestion[];
}

/** Bump when the generator's output changes, so caches and compared runs know. */
export const CORPUS_VERSION = 1;

/**
 * Text length per article, ~2,100 characters on average: with ingest's 700-character chunks and
 * 250 of overlap a chunk advances ~450 characters, so this gives the ~5 chunks an article the
 * issue sizes for (500k chunks at 100k articles). Longer texts (2,500–3,500) give ~6.5.
 */
const MIN_CHARS = 1700;
const MAX_CHARS = 2500;

const AGENCIES = [
  { name: "ایرنا", host: "www.irna.ir" },
  { name: "ایسنا", host: "www.isna.ir" },
  { name: "تسنیم", host: "www.tasnimnews.com" },
  { name: "خبرگزاری فارس", host: "www.farsnews.ir" },
  { name: "خبرگزاری مهر", host: "www.mehrnews.com" },
  { name: "باشگاه خبرنگاران جوان", host: "www.yjc.ir" },
  { name: "همشهری آنلاین", host: "www.hamshahrionline.ir" },
];

/** 1400-01-01 and 1404-01-01 at midnight Tehran time (+03:30: Iran has kept no DST since 2022). */
const FIRST_DAY = Date.UTC(2021, 2, 20, 20, 30);
const LAST_DAY = Date.UTC(2025, 2, 20, 20, 30);
const TEHRAN_OFFSET_MS = 3.5 * 3600_000;

/** mulberry32: small, fast, and the same sequence on every platform. */
export function prng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** The stream of article `i` of corpus `seed`. */
function articleRandom(seed: number, i: number): () => number {
  return prng(Math.imul(seed ^ 0x9e3779b9, 0x85ebca6b) ^ Math.imul(i + 1, 0xc2b2ae35));
}

const pick = <T>(items: readonly T[], random: () => number): T => items[Math.floor(random() * items.length)]!;

/** Generates article `i`, and reports which pool sentences it used. */
export function generateArticle(
  pool: SentencePool,
  protectedSentences: ReadonlySet<number>,
  seed: number,
  i: number,
  used?: (sentence: number) => void,
): BenchArticle {
  const random = articleRandom(seed, i);
  const agency = pick(AGENCIES, random);
  const target = MIN_CHARS + Math.floor(random() * (MAX_CHARS - MIN_CHARS));
  const story = pick(pool.passages, random);
  const parts: string[] = [];
  let length = 0;
  const taken = new Set<number>();
  const take = (sentence: number): boolean => {
    if (taken.has(sentence)) return false;
    const text = protectedSentences.has(sentence)
      ? pool.sentences[sentence]!
      : varyFigures(pool.sentences[sentence]!, random);
    if (length + text.length + 1 > MAX_CHARS) return false;
    taken.add(sentence);
    parts.push(text);
    length += text.length + 1;
    used?.(sentence);
    return true;
  };
  // The story from its start, so the lead and the headline belong together.
  for (const s of story.sentences.slice(0, 2 + Math.floor(random() * 6))) take(s);
  for (let attempts = 0; length < target && attempts < 60; attempts++) {
    const r = random();
    const from =
      r < 0.4 && story.siblings.length > 0
        ? pool.passages[pick(story.siblings, random)]!
        : r < 0.55
          ? pool.passages[pick(pool.newsPassages, random)]!
          : pick(pool.passages, random);
    const start = Math.floor(random() * from.sentences.length);
    const run = from.sentences.slice(start, start + 2 + Math.floor(random() * 3));
    for (const s of run) if (length < target) take(s);
  }
  const lead = parts[0] ?? pool.sentences[story.sentences[0]!]!;
  const title = deriveTitle(lead);
  if (parts.length > 0) parts[0] = `به گزارش ${agency.name}، ${parts[0]}`;
  const id = `b${seed}-${String(i).padStart(7, "0")}`;
  return {
    id,
    title,
    source: agency.name,
    publishedAt: tehranTime(FIRST_DAY + Math.floor(random() * ((LAST_DAY - FIRST_DAY) / 60_000)) * 60_000),
    url: `https://${agency.host}/news/${id}`,
    text: paragraphs(parts, random),
  };
}

/** 2–4 sentences a paragraph, paragraphs separated by a blank line as cleaned articles are. */
function paragraphs(sentences: string[], random: () => number): string {
  const out: string[] = [];
  for (let i = 0; i < sentences.length;) {
    const n = 2 + Math.floor(random() * 3);
    out.push(sentences.slice(i, i + n).join(" "));
    i += n;
  }
  return out.join("\n\n");
}

/**
 * Half the copied sentences get other figures: the leading half of each number's digits is
 * kept, so years stay plausible («۱۳۹۸» → «۱۳۷۲») and magnitudes stay the same.
 */
function varyFigures(sentence: string, random: () => number): string {
  if (random() < 0.5) return sentence;
  return sentence.replace(/[0-9۰-۹]+/gu, (digits) => {
    const keep = Math.ceil(digits.length / 2);
    let out = digits.slice(0, keep);
    for (const ch of digits.slice(keep)) {
      const d = Math.floor(random() * 10);
      out += ch >= "۰" && ch <= "۹" ? String.fromCharCode(0x06f0 + d) : String(d);
    }
    return out;
  });
}

function tehranTime(utcMs: number): string {
  return `${new Date(utcMs + TEHRAN_OFFSET_MS).toISOString().slice(0, 19)}+03:30`;
}

/**
 * Writes `size` articles as JSONL shards (`articles-00000.jsonl`, …) into `dir`, in the shape
 * ingest reads, and returns the questions whose answering sentences ended up in the corpus.
 */
export async function writeCorpus(dir: string, options: CorpusOptions, pool?: SentencePool): Promise<CorpusSummary> {
  const shardSize = options.shardSize ?? 1000;
  pool ??= await loadSentencePool();
  const candidates = chooseCandidates(pool, options.seed);
  const protectedSentences = new Set(candidates.map((c) => c.sentence));
  // Only the candidates' sentences are tracked, so memory stays small at any size.
  const holders = new Map<number, string[]>();
  for (const s of protectedSentences) holders.set(s, []);
  await mkdir(dir, { recursive: true });
  let chars = 0;
  let files = 0;
  for (let first = 0; first < options.size; first += shardSize) {
    const lines: string[] = [];
    for (let i = first; i < Math.min(options.size, first + shardSize); i++) {
      const used: number[] = [];
      const article = generateArticle(pool, protectedSentences, options.seed, i, (s) => {
        if (holders.has(s)) used.push(s);
      });
      for (const s of used) holders.get(s)!.push(article.id);
      chars += article.text.length;
      lines.push(JSON.stringify(article));
    }
    await writeFile(path.join(dir, `articles-${String(files++).padStart(5, "0")}.jsonl`), `${lines.join("\n")}\n`);
  }
  const questions = selectQuestions(candidates, holders, options.seed, options.questions ?? 300);
  return { articles: options.size, files, chars, questions };
}

/** At most this many synthetic candidates: enough for any size, few enough to protect. */
const SYNTHETIC_CANDIDATES = 4000;

function chooseCandidates(pool: SentencePool, seed: number): SentencePool["candidates"] {
  const random = prng(seed ^ 0x5bd1e995);
  const evals = pool.candidates.filter((c) => c.kind === "eval");
  const synthetic = shuffle(
    pool.candidates.filter((c) => c.kind === "synthetic"),
    random,
  ).slice(0, SYNTHETIC_CANDIDATES);
  return [...evals, ...synthetic];
}

/** Half real dev questions (as many as were used), the rest made from counts. */
function selectQuestions(
  candidates: SentencePool["candidates"],
  holders: Map<number, string[]>,
  seed: number,
  count: number,
): BenchQuestion[] {
  const random = prng(seed ^ 0x1b873593);
  const answered = candidates
    .filter((c) => (holders.get(c.sentence)?.length ?? 0) > 0)
    .map((c) => ({ question: c.question, answer: c.answer, kind: c.kind, answerArticles: holders.get(c.sentence)! }));
  const evals = shuffle(
    answered.filter((q) => q.kind === "eval"),
    random,
  ).slice(0, Math.ceil(count / 2));
  const synthetic = shuffle(
    answered.filter((q) => q.kind === "synthetic"),
    random,
  ).slice(0, count - evals.length);
  return shuffle([...evals, ...synthetic], random);
}

function shuffle<T>(items: T[], random: () => number): T[] {
  const out = [...items];
  for (let i = out.length - 1; i > 0; i--) {
    const j = Math.floor(random() * (i + 1));
    [out[i], out[j]] = [out[j]!, out[i]!];
  }
  return out;
}

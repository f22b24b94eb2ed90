import { readFile } from "node:fs/promises";
import path from "node:path";
import { JALALI_MONTH_NAMES } from "../../core/persian/dates.ts";
import { splitSentences } from "../../core/persian/sentences.ts";
import { evalDataDir, loadSet } from "../../eval/sets.ts";
import { prepareArticle } from "../../ingest/prepare.ts";
import { readCorpus } from "../../ingest/read.ts";

/**
 * The Persian sentences the benchmark corpus is recombined from: the seed articles (read and
 * cleaned by ingest's own reader, so no site furniture gets in) and the PQuAD and ParsiNLU
 * passages. Sentences keep their passage, so an article can tell a passage's story in order,
 * and passages sharing a title (PQuAD's paragraphs of one Wikipedia article) are siblings.
 *
 * Also holds the questions whose answering sentence is known: the dev questions of both sets,
 * and questions made from sentences that state a count («۱۲ دانشگاه» → «چند دانشگاه»).
 */
export interface PoolPassage {
  id: string;
  /** Indices into `SentencePool.sentences`, in reading order. */
  sentences: number[];
  /** Passages of the same story (same title), this one excluded. */
  siblings: number[];
  /** A seed news article: its sentences are the most news-like, so they are mixed in often. */
  news: boolean;
}

export interface QuestionCandidate {
  question: string;
  answer: string;
  /** The pool sentence that answers it; an article holding this sentence answers the question. */
  sentence: number;
  kind: "eval" | "synthetic";
}

export interface SentencePool {
  sentences: string[];
  passages: PoolPassage[];
  /** Passages with the seed articles, indices into `passages`. */
  newsPassages: number[];
  candidates: QuestionCandidate[];
}

const ROOT = path.resolve(import.meta.dirname, "../..");
export const SEEDS_DIR = path.join(ROOT, "data/articles");

/**
 * Shorter pieces are headings and list items of Wikipedia paragraphs; longer ones are run-ons
 * the sentence splitter could not cut (one PQuAD "sentence" is 1,000 characters).
 */
const MIN_SENTENCE = 25;
const MAX_SENTENCE = 450;

/** Reads the pool. Deterministic: files are read in a fixed order, lines in file order. */
export async function loadSentencePool(options: { seedsDir?: string; evalDir?: string } = {}): Promise<SentencePool> {
  const sentences: string[] = [];
  const passages: PoolPassage[] = [];
  const byTitle = new Map<string, number[]>();
  const passageIndex = new Map<string, number>();
  const addPassage = (id: string, title: string, text: string, news: boolean) => {
    const indices: number[] = [];
    for (const s of splitSentences(text)) {
      const sentence = s.text.replace(/\s+/g, " ").trim();
      if (sentence.length < MIN_SENTENCE || sentence.length > MAX_SENTENCE) continue;
      indices.push(sentences.length);
      sentences.push(sentence);
    }
    if (indices.length === 0) return;
    const index = passages.length;
    passages.push({ id, sentences: indices, siblings: [], news });
    passageIndex.set(id, index);
    if (title) byTitle.set(title, [...(byTitle.get(title) ?? []), index]);
  };

  const seeds = await readCorpus(options.seedsDir ?? SEEDS_DIR);
  for (const article of seeds.articles.map(prepareArticle)) addPassage(article.id, article.title, article.text, true);
  const evalDir = options.evalDir ?? evalDataDir();
  for (const set of ["pquad", "parsinlu"] as const) {
    const file = path.join(evalDir, set, "passages.jsonl");
    let lines: string[];
    try {
      lines = (await readFile(file, "utf8")).split("\n").filter((l) => l.trim() !== "");
    } catch {
      throw new Error(
        `Cannot read ${file}: the benchmark corpus is made from the shared evaluation data (set EVAL_DATA_DIR)`,
      );
    }
    for (const line of lines) {
      const p = JSON.parse(line) as { id: string; title?: string; text: string };
      addPassage(p.id, p.title ? `${set}:${p.title}` : "", p.text, false);
    }
  }
  for (const group of byTitle.values()) for (const i of group) passages[i]!.siblings = group.filter((j) => j !== i);

  const candidates: QuestionCandidate[] = [];
  // Dev questions only: test questions stay unseen by anything that could be tuned on them.
  for (const set of ["pquad", "parsinlu"] as const) {
    const { questions } = await loadSet(set, "dev");
    for (const q of questions) {
      const passage = q.goldId === undefined ? undefined : passageIndex.get(q.goldId);
      if (passage === undefined) continue;
      const hit = findAnswerSentence(passages[passage]!.sentences, sentences, q.answers);
      if (hit) candidates.push({ question: q.question, answer: hit.answer, sentence: hit.sentence, kind: "eval" });
    }
  }
  sentences.forEach((s, i) => {
    const q = countQuestion(s);
    if (q) candidates.push({ ...q, sentence: i, kind: "synthetic" });
  });
  return { sentences, passages, newsPassages: passages.flatMap((p, i) => (p.news ? [i] : [])), candidates };
}

function findAnswerSentence(
  indices: number[],
  sentences: string[],
  answers: string[],
): { sentence: number; answer: string } | undefined {
  for (const answer of answers) {
    const sentence = indices.find((i) => sentences[i]!.includes(answer.trim()));
    if (sentence !== undefined) return { sentence, answer: answer.trim() };
  }
  return undefined;
}

const NUMBER = /^[0-9۰-۹]+(?:[.,٫][0-9۰-۹]+)?$/u;
const PERSIAN_WORD = /^[\u0600-\u06ff\u200c]{2,}$/u;
const MONTHS = [
  ...JALALI_MONTH_NAMES,
  "ژانویه",
  "فوریه",
  "مارس",
  "آوریل",
  "مه",
  "ژوئن",
  "ژوئیه",
  "اوت",
  "سپتامبر",
  "اکتبر",
  "نوامبر",
  "دسامبر",
];
// After the number, these make it a date, a range or a clause boundary, not a count of things.
const NOT_A_UNIT = new Set([
  ...MONTHS,
  "و",
  "تا",
  "در",
  "به",
  "از",
  "که",
  "را",
  "با",
  "هجری",
  "میلادی",
  "شمسی",
  "قمری",
  "درصد",
  "است",
  "بود",
  "شد",
  "می‌باشد",
  "هستند",
  "بودند",
  "دارد",
]);
// Before the number, these make it a year, a rank or a reference («ماده ۱۲»), not a count.
const NOT_A_COUNT = new Set([
  ...MONTHS,
  "سال",
  "سال‌های",
  "دهه",
  "سده",
  "قرن",
  "ساعت",
  "شماره",
  "بند",
  "ماده",
  "اصل",
  "فصل",
  "قسمت",
  "صفحه",
  "کد",
  "تاریخ",
  "تا",
]);
// A question does not end on these: «… وجود دارد و؟».
const DANGLING = new Set(["و", "که", "در", "از", "به", "با", "را", "تا", "یا", "این", "آن"]);

/**
 * «این استان دارای ۱۲ دانشگاه دولتی است.» → «این استان دارای چند دانشگاه دولتی است؟», answer
 * «۱۲ دانشگاه». The question keeps the clause around the count (up to five words before, three
 * after), which is how readers ask; numbers that read as years, dates or references are skipped.
 */
export function countQuestion(sentence: string): { question: string; answer: string } | undefined {
  const words = sentence.replace(/[.!؟?؛…]+$/u, "").split(/\s+/);
  for (let i = 1; i < words.length - 1; i++) {
    const number = words[i]!;
    const unit = words[i + 1]!;
    if (!NUMBER.test(number) || !PERSIAN_WORD.test(unit) || NOT_A_UNIT.has(unit) || NOT_A_COUNT.has(words[i - 1]!))
      continue;
    if (looksLikeYear(number)) continue;
    // The clause: back to the last comma before the count, on to the first comma after it.
    let from = Math.max(0, i - 5);
    for (let j = i - 1; j >= from; j--) if (/[،,:]$/u.test(words[j]!)) from = j + 1;
    const before = words.slice(from, i);
    const after: string[] = [];
    for (const w of words.slice(i + 2, i + 5)) {
      after.push(w.replace(/[،,:]$/u, ""));
      if (/[،,:]$/u.test(w)) break;
    }
    while (after.length > 0 && DANGLING.has(after[after.length - 1]!)) after.pop();
    if (before.length < 2) continue;
    const noun = unit.replace(/[،,:]$/u, "");
    const question = [...before, "چند", noun, ...after]
      .join(" ")
      .replace(/[«»()–-]/gu, "")
      .replace(/\s+/g, " ")
      .trim();
    return { question: `${question}؟`, answer: `${number} ${noun}` };
  }
  return undefined;
}

function looksLikeYear(number: string): boolean {
  const value = Number(number.replace(/[۰-۹]/g, (d) => String(d.charCodeAt(0) - 0x06f0)));
  return Number.isInteger(value) && value >= 1000 && value <= 2100;
}

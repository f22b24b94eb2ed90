import { normalizeForMatch } from "../core/persian/normalize.ts";
import { isStopword } from "../core/persian/stopwords.ts";
import { term } from "../core/persian/tokens.ts";
import type { Found } from "../core/persian/spans.ts";
import type { WeightedTerm } from "./match.ts";
import type { QuestionKind } from "./question.ts";
import { StampedCache } from "./stamped-cache.ts";

/**
 * The part of a sentence that stands where the question has its question word: what the
 * sentence says beyond the question. «لئوناردو در چه سالی درگذشت؟» against «لئوناردو در ۲ مه
 * ۱۵۱۹ در آمبواز درگذشت» → the words between the question's words found in the sentence. Persian
 * keeps the question's word order in its answer («X در Y درگذشت»), so the gap between the
 * question's words, or the run of new words beside them, is the answer.
 */
interface Word {
  text: string;
  start: number;
  end: number;
  norm: string;
  /** Weight of the question term this word matches, 0 when it matches none. */
  matched: number;
  stop: boolean;
  /** Punctuation between the previous word and this one. */
  before: string;
  /** The word's analysed term, undefined for a stopword (which matches nothing). */
  term: string | undefined;
}

const WORD = /[\p{L}\p{M}\u200c]+|[0-9۰-۹٠-٩]+(?:[.,٫٬/][0-9۰-۹٠-٩]+)*/gu;
/** Clause ends: a span never runs across them. «،» ends a clause except in lists. */
const CLAUSE_BREAK = /[.؛:!؟?()«»"“”[\]]/u;
/** Words that end a Persian clause and are never an answer's last word: verbs and their auxiliaries. */
const VERB_TAIL =
  /^(?:است|بود|شد|شده|شود|گردید|گردد|باشد|بودند|شدند|هستند|هست|نیست|دارد|دارند|داشت|داشتند|کرد|کردند|کند|کنند|کرده|گرفت|گرفته|داد|دادند|داده|رسید|رسیده|یافت|یافته|است؛|میباشد|میشود|میشوند|میکند|میکنند|میگیرد|میدهد|گفت|افزود|نامیده|نام|خوانده|معروف|شناخته)$/u;
const EDGE_DROP = /^(?:و|که|را|یا|نیز|هم|تا|این|ان|همچنین|اما|ولی|بلکه|سپس|پس)$/u;
/**
 * A word that ends the question's subject rather than starting the answer: «مهمترین مشکل صنایع
 * کوچک استان | تأمین سرمایه در گردش است» asked as «… صنایع کوچک قزوین». Dropped at a run's start
 * when words follow it.
 */
const SUBJECT_TAIL = /^(?:استان|شهرستان|کشور)$/u;

/** Kinds whose answer is a clause rather than a few words. */
const LONG_KINDS = new Set<QuestionKind>(["definition", "manner", "reason", "list", "fact"]);

export function slotSpan(sentence: string, weighted: WeightedTerm[], kind: QuestionKind): Found | undefined {
  const words = wordsOf(sentence, weighted);
  if (words.length === 0 || words.every((w) => w.matched === 0)) return undefined;
  const breaksAtComma = kind !== "list";
  const maxWords = kind === "list" ? 45 : LONG_KINDS.has(kind) ? 22 : 8;
  let best: { from: number; to: number; score: number } | undefined;
  // Runs of words that are not the question's, inside one clause.
  let i = 0;
  while (i < words.length) {
    if (words[i]!.matched > 0) {
      i++;
      continue;
    }
    let j = i;
    while (j + 1 < words.length && words[j + 1]!.matched === 0 && !isBreak(words[j + 1]!.before, breaksAtComma)) j++;
    const run = trim(words, i, j);
    if (run) {
      const score = scoreRun(words, run.from, run.to, breaksAtComma, maxWords);
      if (!best || score > best.score) best = { ...run, score };
    }
    i = j + 1;
  }
  if (!best || best.score <= 0) return undefined;
  return {
    text: sentence.slice(words[best.from]!.start, words[best.to]!.end),
    start: words[best.from]!.start,
    end: words[best.to]!.end,
  };
}

/**
 * A sentence's words as no question changes them, kept by sentence: the same sentences are read
 * for question after question, and normalising their words one at a time was most of this
 * module's time.
 */
const SENTENCE_WORDS = new StampedCache<Omit<Word, "matched">[]>(8192);

function wordsOf(sentence: string, weighted: WeightedTerm[]): Word[] {
  const words = SENTENCE_WORDS.get(sentence, sentence, () => {
    const out: Omit<Word, "matched">[] = [];
    let last = 0;
    for (const m of sentence.matchAll(WORD)) {
      const norm = normalizeForMatch(m[0]);
      const stopword = isStopword(norm);
      out.push({
        text: m[0],
        start: m.index!,
        end: m.index! + m[0].length,
        norm,
        stop: stopword || VERB_TAIL.test(norm),
        before: sentence.slice(last, m.index!),
        term: stopword ? undefined : term(norm.replace(/\u200c/gu, "")),
      });
      last = m.index! + m[0].length;
    }
    return out;
  });
  return words.map((w) => ({ ...w, matched: matchWeight(w, weighted) }));
}

function matchWeight({ norm, term: t }: Omit<Word, "matched">, weighted: WeightedTerm[]): number {
  if (t === undefined) return 0;
  for (const q of weighted) {
    if (q.term === t || q.forms.includes(norm)) return q.weight;
    if (t.length >= 4 && q.term.length >= 4 && (t.startsWith(q.term) || q.term.startsWith(t))) return q.weight * 0.8;
    if (q.alternatives?.includes(t)) return q.weight * 0.8;
  }
  return 0;
}

function isBreak(between: string, atComma: boolean): boolean {
  return CLAUSE_BREAK.test(between) || (atComma && /[،,]/u.test(between));
}

/** The run without edge words that never start or end an answer; undefined if nothing is left. */
function trim(words: Word[], from: number, to: number): { from: number; to: number } | undefined {
  while (
    from <= to &&
    (EDGE_DROP.test(words[from]!.norm) ||
      VERB_TAIL.test(words[from]!.norm) ||
      (from < to && SUBJECT_TAIL.test(words[from]!.norm)))
  )
    from++;
  while (to >= from && (words[to]!.stop || /^(?:ن?می)\p{L}{2,}/u.test(words[to]!.norm))) to--;
  if (from > to) return undefined;
  if (!words.slice(from, to + 1).some((w) => !w.stop)) return undefined;
  return { from, to };
}

/**
 * How likely a run is the answer: the weight of the question's words in its clause (the clause
 * is about the question), how close it stands to them (the answer stands beside them), and its
 * length against what the kind of question wants.
 */
function scoreRun(words: Word[], from: number, to: number, atComma: boolean, maxWords: number): number {
  let clauseStart = from;
  while (clauseStart > 0 && !isBreak(words[clauseStart]!.before, atComma)) clauseStart--;
  let clauseEnd = to;
  while (clauseEnd + 1 < words.length && !isBreak(words[clauseEnd + 1]!.before, atComma)) clauseEnd++;
  let inClause = 0;
  let near = 0;
  for (let k = clauseStart; k <= clauseEnd; k++) {
    const w = words[k]!;
    if (w.matched === 0) continue;
    inClause += w.matched;
    const distance = k < from ? from - k : k - to;
    near += w.matched / Math.max(1, distance);
  }
  // The sentence's question words outside the clause count for less: a list's items follow «،».
  let outside = 0;
  for (let k = 0; k < words.length; k++)
    if ((k < clauseStart || k > clauseEnd) && words[k]!.matched > 0) outside += words[k]!.matched;
  const length = to - from + 1;
  const lengthFit = length > maxWords ? maxWords / length : 1;
  return (inClause + 0.3 * outside + near) * lengthFit;
}

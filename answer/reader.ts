import path from "node:path";
import { normalizeForMatch } from "../core/persian/normalize.ts";
import { findPlaces } from "../core/persian/places.ts";
import { findNames, findPeople, findQuantities, findTimes, type Found } from "../core/persian/spans.ts";
import { isStopword } from "../core/persian/stopwords.ts";
import { term } from "../core/persian/tokens.ts";
import { loadWeightsFile, WEIGHTS_DIR } from "./weights-file.ts";

/**
 * The learned span reader: which words of a sentence answer a question. A log-linear model over
 * every span of the sentence (SQuAD's feature-based baseline, Rajpurkar et al. 2016, without a
 * parser): where the span stands against the question's words (Persian keeps the question's
 * word order, so «X در چه سالی درگذشت» is answered by what stands between «X» and «درگذشت»),
 * the words at its edges and around it, its length, the punctuation that bounds it, and whether
 * it is a name, a date, an amount or a place, each crossed with the question word asked.
 *
 * **NOTE:** the weights (`weights/reader.json`) are learned from PQuAD (CC BY-SA 4.0) by
 * `npm run train`; see `weights/LICENSE`. Nothing in them is learned from ParsiNLU.
 */

/** A word of a sentence, with where it is and what it is. */
interface Word {
  start: number;
  end: number;
  norm: string;
  term: string;
  /** Whether the word is one of the question's content words. */
  matched: boolean;
  /** Punctuation class between the previous word and this one («،», «(», …; "" for a space). */
  before: string;
  digit: boolean;
}

/** A question read for the reader: its question word, and its content words either side of it. */
export interface ReaderQuestion {
  wh: string;
  /** The word after «چه» or «کدام»: «چه حزبی» → «حزب». */
  whNext: string;
  kind: string;
  /** Content terms before the question word, and after it. */
  left: string[];
  right: string[];
  terms: Set<string>;
  /** The content word just before the question word, and just after it. */
  leftWord: string;
  rightWord: string;
}

export interface ScoredSpan extends Found {
  /** The span's probability among every span of its sentence. */
  p: number;
  score: number;
}

const WORD = /[\p{L}\p{M}\u200c]+|[0-9۰-۹٠-٩]+(?:[.,٫٬/][0-9۰-۹٠-٩]+)*/gu;
/** An answer never ends on these: it ends on what they introduce. */
const NO_END = new Set(["و", "که", "در", "از", "به", "با", "برای", "تا", "یا", "را", "این", "ان", "هر", "چون", "اما"]);
/** An answer never starts on these. */
const NO_START = new Set(["و", "که", "را", "یا", "اما", "ولی"]);
/** Longest answer considered, in words: PQuAD's long answers are lists and clauses. */
export const MAX_SPAN_WORDS = 24;

/** Question words, longest first, in normalised form (no ZWNJ, آ folded to ا). */
const WH: ReadonlyArray<[string, RegExp]> = [
  ["who", /چه کسانی|چه کسی|چه شخصی|چه فردی|توسط چه/u],
  ["when", /چه زمانی|چه سالی|چه تاریخی|چه روزی|چه ماهی|چه قرنی|چه دوره|چه وقت|چه سال|چه ساعتی|در چه عصری/u],
  ["amount", /چه مقدار|چه تعداد|چه میزان|چقدر|چند(?!م|ین)/u],
  ["ordinal", /چندم|چندمین/u],
  ["why", /به چه دلیل|به چه علت|چرا|برای چه|به چه منظور|با چه هدفی|به خاطر چه/u],
  ["how", /چگونه|چطور|چه طور|به چه صورت|به چه شکل|به چه روش|از چه طریق/u],
  ["where", /کجا|چه شهری|چه کشوری|چه استانی|چه مکانی|چه محلی/u],
  ["which", /کدامیک|کدام یک|کدام/u],
  ["whois", /کیست|کیه|کیستند/u],
  ["whatis", /چیست|چیه|چه بود|چه است|چه هست/u],
  ["whatthing", /چه چیزی|چه چیز|چی/u],
  ["what", /چه/u],
  ["yesno", /^ایا|^مگر/u],
  ["when", /(?:^| )کی(?: |$)/u],
  ["name", /نام ببر|نام ببرید|را بگویید|را نام/u],
];

export function readQuestion(question: string, kind: string): ReaderQuestion {
  const text = normalizeForMatch(question).replace(/[؟?!.]+/gu, " ");
  let wh = "none";
  let at = -1;
  let len = 0;
  for (const [name, pattern] of WH) {
    const m = pattern.exec(text);
    if (m) {
      [wh, at, len] = [name, m.index, m[0].length];
      break;
    }
  }
  const contentOf = (part: string) =>
    [...part.matchAll(WORD)].map((m) => m[0]).filter((w) => !isStopword(w) && !/^(?:چه|کدام|چند)$/u.test(w));
  const before = at >= 0 ? contentOf(text.slice(0, at)) : contentOf(text);
  const after = at >= 0 ? contentOf(text.slice(at + len)) : [];
  const next = at >= 0 ? /^\s*([\p{L}]+)/u.exec(text.slice(at + len))?.[1] : undefined;
  const whNext = (wh === "what" || wh === "which") && next ? term(next) : "";
  const left = before.map(term);
  // «چه محصولی»: the noun the question word asks about names the answer's kind; it stands
  // beside the answer («… محصول آرایشی»), not after it as the question's other words do.
  const right = after.map(term).filter((t, i) => !(i === 0 && t === whNext));
  return {
    wh,
    whNext,
    kind,
    left,
    right,
    terms: new Set([...left, ...right]),
    leftWord: left.at(-1) ?? "",
    rightWord: right[0] ?? "",
  };
}

function wordsOf(sentence: string, question: ReaderQuestion): Word[] {
  const out: Word[] = [];
  let last = 0;
  for (const m of sentence.matchAll(WORD)) {
    const norm = normalizeForMatch(m[0]);
    const t = term(norm);
    const between = sentence.slice(last, m.index!);
    out.push({
      start: m.index!,
      end: m.index! + m[0].length,
      norm,
      term: t,
      matched: !isStopword(norm) && matches(t, question.terms),
      before: punctuationClass(between),
      digit: /^[0-9]/.test(norm),
    });
    last = m.index! + m[0].length;
  }
  return out;
}

function matches(t: string, terms: Set<string>): boolean {
  if (terms.has(t)) return true;
  for (const q of terms) if (sameTerm(t, q)) return true;
  return false;
}

/** The same term, or one of four letters or more that starts the other («صادرات» and «صادر…»). */
function sameTerm(a: string, b: string): boolean {
  return a === b || (a.length >= 4 && b.length >= 4 && (a.startsWith(b) || b.startsWith(a)));
}

function punctuationClass(between: string): string {
  if (/[.؛;!؟?]/u.test(between)) return "stop";
  if (/[()[\]]/u.test(between)) return "paren";
  if (/[«»"“”]/u.test(between)) return "quote";
  if (/[:]/u.test(between)) return "colon";
  if (/[،,]/u.test(between)) return "comma";
  if (/[-–—]/u.test(between)) return "dash";
  return "";
}

/**
 * Words the reader knows by name: function words and the verbs and nouns that frame a definition
 * or a list. Any other word is known only by its shape, so what is learned from Wikipedia's
 * vocabulary carries over to news.
 */
const KNOWN = new Set(
  `نام عنوان شامل مانند نظیر یعنی عبارتند عبارت میباشد باشد میشوند است هستند بودند شدند شده گفته میگویند
  نامیده نامند معروف مشهور شناخته سال سالهای قرن دهه ماه روز تاریخ شهر استان کشور منطقه توسط سوی دلیل دلایل دلایلی علل علت
  هدف منظور جهت باعث سبب موجب زیرا چون تا اینکه نوع گونه انواع دو سه چند اول نخستین اولین بزرگترین مهمترین`
    .split(/\s+/u)
    .filter(Boolean),
);

const VERBS = new Set(
  `توانسته توانست توانستند کرده کردند گرفته گرفت گرفتند داده دادند رسیده رسید رسیدند یافته یافت
  گردیده گردید شود شوند کند کنند دهد دهند رود رفت رفته امد امده اورد اورده ساخت ساخته نمود نموده`
    .split(/\s+/u)
    .filter(Boolean),
);

function shape(w: Word): string {
  if (isStopword(w.norm) || KNOWN.has(w.norm)) return w.norm;
  if (w.digit) return "#";
  if (/^[a-z]/u.test(w.norm)) return "latin";
  if (w.matched) return "Q";
  // A verb: «میکند», «نمیشود», «توانسته»: an answer seldom ends on one.
  if (/^(?:ن?می)\p{L}{2,}$/u.test(w.norm) || VERBS.has(w.norm)) return "V";
  return "*";
}

const bucket = (n: number, edges: readonly number[]) => {
  let i = 0;
  while (i < edges.length && n > edges[i]!) i++;
  return i;
};
const LENGTHS = [1, 2, 3, 5, 8, 12, 17];
const DISTANCES = [0, 1, 2, 4, 7];

/** The words that the characters [start, end) of the sentence touch, as positions [from, to]. */
export function wordRange(
  words: ReadonlyArray<{ start: number; end: number }>,
  start: number,
  end: number,
): { from: number; to: number } | undefined {
  const from = words.findIndex((w) => w.end > start);
  let to = -1;
  for (let k = words.length - 1; k >= 0; k--)
    if (words[k]!.start < end) {
      to = k;
      break;
    }
  return from >= 0 && to >= from ? { from, to } : undefined;
}

/** What a sentence holds, found once for all its spans. */
interface SentenceFacts {
  words: Word[];
  typed: Array<{ type: string; from: number; to: number }>;
  /** For each term left and right of the question word: its first and last position in the sentence. */
  leftAt: Array<[number, number]>;
  rightAt: Array<[number, number]>;
  /** Prefix counts over the words: question words, numbers, and commas and brackets before a word. */
  sums: { matched: Int32Array; digit: Int32Array; comma: Int32Array; paren: Int32Array };
}

function factsOf(sentence: string, question: ReaderQuestion): SentenceFacts {
  const words = wordsOf(sentence, question);
  const typed: SentenceFacts["typed"] = [];
  const add = (type: string, spans: readonly Found[]) => {
    for (const s of spans) {
      const at = wordRange(words, s.start, s.end);
      if (at) typed.push({ type, ...at });
    }
  };
  add("person", findPeople(sentence));
  add("name", findNames(sentence));
  add("time", findTimes(sentence));
  add("amount", findQuantities(sentence));
  add("place", findPlaces(sentence));
  const at = (terms: string[]) =>
    terms
      .map((t) => {
        let first = -1;
        let last = -1;
        words.forEach((w, k) => {
          if (w.matched && sameTerm(w.term, t)) {
            if (first < 0) first = k;
            last = k;
          }
        });
        return [first, last] as [number, number];
      })
      .filter(([first]) => first >= 0);
  const prefix = (test: (w: Word) => boolean) => {
    const out = new Int32Array(words.length + 1);
    words.forEach((w, k) => (out[k + 1] = out[k]! + (test(w) ? 1 : 0)));
    return out;
  };
  const sums = {
    matched: prefix((w) => w.matched),
    digit: prefix((w) => w.digit),
    comma: prefix((w) => w.before === "comma"),
    paren: prefix((w) => w.before === "paren" || w.before === "quote"),
  };
  return { words, typed, leftAt: at(question.left), rightAt: at(question.right), sums };
}

/** Whether a span may be an answer at all: inside one sentence part, not led or ended by a particle. */
function admissible(words: Word[], from: number, to: number): boolean {
  if (NO_START.has(words[from]!.norm) || NO_END.has(words[to]!.norm)) return false;
  for (let k = from + 1; k <= to; k++) if (words[k]!.before === "stop") return false;
  return true;
}

type Features = Map<string, number>;

function collector(f: Features, wh: string) {
  const on = (name: string, value = 1) => f.set(name, (f.get(name) ?? 0) + value);
  const cross = (name: string, value = 1) => {
    on(name, value);
    on(`${name}|${wh}`, value);
  };
  return { on, cross };
}

/**
 * The features of a span that depend on where it starts only: its first word and the one
 * before, the punctuation before it, the nearest question word to its left, and which of the
 * question's words stand before it. With `endFeatures` and `pairFeatures` they are a span's
 * whole description; split so the reader scores each start and each end once a sentence.
 */
function startFeatures(
  facts: SentenceFacts,
  question: ReaderQuestion,
  from: number,
  f: Features = new Map(),
): Features {
  const { words } = facts;
  const { on, cross } = collector(f, question.wh);
  const first = words[from]!;
  const prev = words[from - 1];
  // Each edge word by its shape, and by itself: the weights hold the words seen often enough.
  cross(`f:${shape(first)}`);
  cross(`fw:${first.norm}`);
  cross(`p:${prev ? shape(prev) : "^"}`);
  if (prev) cross(`pw:${prev.norm}`);
  cross(`bb:${prev ? first.before || "-" : "^"}`);
  if (first.digit) cross("digitFirst");
  if (first.matched) cross("firstQ");
  if (prev?.matched) cross("prevQ");
  if (prev && question.leftWord && prev.term === question.leftWord) cross("prevIsLeftWord");
  if (question.whNext && (prev?.term === question.whNext || first.term === question.whNext)) cross("byWhNext");
  // How far the nearest question word stands.
  let left = -1;
  for (let k = from - 1; k >= 0; k--)
    if (words[k]!.matched) {
      left = from - k - 1;
      break;
    }
  cross(`dl${left < 0 ? "x" : bucket(left, DISTANCES)}`);
  // Word order: the question's words before its question word stand before the answer, and
  // those after it stand after.
  if (facts.leftAt.length > 0) {
    const aligned = facts.leftAt.filter(([a]) => a < from).length / question.left.length;
    on("alignL", aligned);
    on(`alignL|${question.wh}`, aligned);
  }
  if (facts.rightAt.length > 0) on("crossR", facts.rightAt.filter(([a]) => a < from).length / question.right.length);
  return f;
}

/** The features of a span that depend on where it ends only (see `startFeatures`). */
function endFeatures(facts: SentenceFacts, question: ReaderQuestion, to: number, f: Features = new Map()): Features {
  const { words } = facts;
  const { on, cross } = collector(f, question.wh);
  const last = words[to]!;
  const next = words[to + 1];
  cross(`l:${shape(last)}`);
  if (last.matched) cross("lastQ");
  cross(`lw:${last.norm}`);
  cross(`n:${next ? shape(next) : "$"}`);
  if (next) cross(`nw:${next.norm}`);
  cross(`ba:${next ? next.before || "-" : "$"}`);
  if (next?.matched) cross("nextQ");
  if (next && question.rightWord && next.term === question.rightWord) cross("nextIsRightWord");
  let right = -1;
  for (let k = to + 1; k < words.length; k++)
    if (words[k]!.matched) {
      right = k - to - 1;
      break;
    }
  cross(`dr${right < 0 ? "x" : bucket(right, DISTANCES)}`);
  if (facts.rightAt.length > 0) {
    const aligned = facts.rightAt.filter(([, b]) => b > to).length / question.right.length;
    on("alignR", aligned);
    on(`alignR|${question.wh}`, aligned);
  }
  if (facts.leftAt.length > 0) on("crossL", facts.leftAt.filter(([, b]) => b > to).length / question.left.length);
  return f;
}

/** The features of a span that depend on both its ends: its length and what it holds. */
function pairFeatures(
  facts: SentenceFacts,
  question: ReaderQuestion,
  from: number,
  to: number,
  f: Features = new Map(),
): Features {
  const { cross, on } = collector(f, question.wh);
  const length = to - from + 1;
  const lb = bucket(length, LENGTHS);
  cross(`len${lb}`);
  on(`len${lb}|k:${question.kind}`);
  if (question.whNext) on(`len${lb}|n:${question.whNext}`);
  const sums = facts.sums;
  const inQuestion = sums.matched[to + 1]! - sums.matched[from]!;
  const digits = sums.digit[to + 1]! - sums.digit[from]!;
  // Punctuation inside the span: before any of its words but the first.
  const commas = sums.comma[to + 1]! - sums.comma[from + 1]!;
  const parens = sums.paren[to + 1]! - sums.paren[from + 1]!;
  const share = inQuestion / length;
  cross(`q${share === 0 ? 0 : share <= 0.34 ? 1 : share <= 0.67 ? 2 : 3}`);
  if (digits > 0) cross("digit");
  if (commas > 0) cross(`commas${Math.min(commas, 3)}`);
  if (parens > 0) cross("paren");
  for (const t of facts.typed) {
    if (t.from === from && t.to === to) cross(`eq:${t.type}`);
    else if (t.from >= from && t.to <= to) cross(`has:${t.type}`);
    else if (t.from <= from && t.to >= to) cross(`in:${t.type}`);
  }
  return f;
}

/** The features of one span, as names (value 1) and a few real values: what training learns from. */
export function spanFeatures(facts: SentenceFacts, question: ReaderQuestion, from: number, to: number): Features {
  const f = startFeatures(facts, question, from);
  endFeatures(facts, question, to, f);
  return pairFeatures(facts, question, from, to, f);
}

/** Every admissible span of a sentence, as word positions: [from, to], inclusive. */
function spansOf(facts: SentenceFacts): Array<[number, number]> {
  const out: Array<[number, number]> = [];
  const n = facts.words.length;
  for (let from = 0; from < n; from++) {
    for (let to = from; to < Math.min(n, from + MAX_SPAN_WORDS); to++) {
      if (to > from && facts.words[to]!.before === "stop") break;
      if (admissible(facts.words, from, to)) out.push([from, to]);
    }
  }
  return out;
}

/** Every admissible span of a sentence with its features: what training learns from. */
export function candidateSpans(
  sentence: string,
  question: ReaderQuestion,
): { facts: SentenceFacts; spans: Array<{ from: number; to: number; features: Features }> } {
  const facts = factsOf(sentence, question);
  return {
    facts,
    spans: spansOf(facts).map(([from, to]) => ({ from, to, features: spanFeatures(facts, question, from, to) })),
  };
}

export interface ReaderWeights {
  version: number;
  /** What the weights were learned from, for the record. */
  trainedOn: string;
  weights: Record<string, number>;
}

/** The learned reader: the best spans of a sentence for a question, with their probabilities. */
export class SpanReader {
  private readonly weights: Map<string, number>;

  constructor(model: ReaderWeights) {
    this.weights = new Map(Object.entries(model.weights));
  }

  score(features: Map<string, number>): number {
    let z = 0;
    for (const [name, value] of features) z += (this.weights.get(name) ?? 0) * value;
    return z;
  }

  /** The score of each of the given spans (character ranges of the sentence), to choose among them. */
  scoreSpans(sentence: string, question: ReaderQuestion, ranges: readonly Found[]): number[] {
    const facts = factsOf(sentence, question);
    return ranges.map((r) => {
      const at = wordRange(facts.words, r.start, r.end);
      return at ? this.score(spanFeatures(facts, question, at.from, at.to)) : -Infinity;
    });
  }

  /** The sentence's spans, best first (at most `limit`), their probabilities summing to 1 over all spans. */
  read(sentence: string, question: ReaderQuestion, limit = 3): ScoredSpan[] {
    const facts = factsOf(sentence, question);
    const spans = spansOf(facts);
    if (spans.length === 0) return [];
    // A span's score is its start's, its end's and its own: each start and end is scored once.
    const n = facts.words.length;
    const starts = new Float64Array(n).fill(NaN);
    const ends = new Float64Array(n).fill(NaN);
    const scores = spans.map(([from, to]) => {
      if (Number.isNaN(starts[from]!)) starts[from] = this.score(startFeatures(facts, question, from));
      if (Number.isNaN(ends[to]!)) ends[to] = this.score(endFeatures(facts, question, to));
      return starts[from]! + ends[to]! + this.score(pairFeatures(facts, question, from, to));
    });
    const max = Math.max(...scores);
    let total = 0;
    for (const z of scores) total += Math.exp(z - max);
    const order = scores.map((z, i) => [z, i] as const).sort((a, b) => b[0] - a[0]);
    return order.slice(0, limit).map(([z, i]) => {
      const [from, to] = spans[i]!;
      const start = facts.words[from]!.start;
      const end = facts.words[to]!.end;
      return { text: sentence.slice(start, end), start, end, score: z, p: Math.exp(z - max) / total };
    });
  }
}

export const WEIGHTS_FILE = path.join(WEIGHTS_DIR, "reader.json");
const loaded = new Map<string, SpanReader>();

/**
 * The reader with the weights of `file` (the shipped answer/weights/reader.json by default), read
 * once. Throws, saying what is wrong, when the file is missing or is not a reader's weights.
 */
export function loadReader(file = WEIGHTS_FILE): SpanReader {
  return loadWeightsFile(
    loaded,
    file,
    (parsed) => {
      const m = parsed as Partial<ReaderWeights> | null;
      const valid =
        m?.version === 1 &&
        typeof m.weights === "object" &&
        m.weights !== null &&
        Object.values(m.weights).every((w) => typeof w === "number" && Number.isFinite(w));
      return valid ? new SpanReader(m as ReaderWeights) : undefined;
    },
    "a span reader's weights (version 1, a name → number map)",
  );
}

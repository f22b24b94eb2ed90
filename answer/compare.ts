import { normalizeForMatch } from "../core/persian/normalize.ts";
import { findPlaces } from "../core/persian/places.ts";
import { isStopword } from "../core/persian/stopwords.ts";
import type { Answer, Citation } from "./types.ts";

/**
 * Questions about two things at once: «صادرات قزوین و قم را مقایسه کن», «ارزش صادرات قزوین و قم
 * چقدر بود؟». Each thing is usually in a different article, so one retrieval and one sentence
 * cannot answer; the question is split into one question per thing, each answered on its own,
 * and the answers are put side by side with a citation each.
 */
export interface Part {
  /** The thing this part asks about («قزوین»). */
  label: string;
  question: string;
}

/** «را مقایسه کن», «را با هم مقایسه کنید», «چه تفاوتی دارد»: the asking, not the subject. */
const COMPARE =
  /\s*(?:را\s+)?(?:با\s+هم\s+)?(?:مقایسه|قیاس)\s*(?:کن(?:ید)?|نما(?:یید)?)?|\s*(?:چه\s+)?(?:تفاوت|فرق)(?:ی)?\s*(?:دارند|دارد|میکنند|میکند)?/gu;
const CUE = /مقایسه|قیاس|تفاوت|فرق|کدام بیشتر|کدام کمتر/u;
const ASKS_AMOUNT = /چند|چقدر|چه مقدار|چه تعداد|چه میزان/u;

/**
 * The parts of a question that conjoins two single-word subjects with «و», or undefined. Only
 * when the question compares, or asks an amount: «صنایع کوچک و متوسط» in a plain question is one
 * thing, not two.
 */
export function splitParts(question: string): Part[] | undefined {
  const text = normalizeForMatch(question);
  if (!CUE.test(text) && !ASKS_AMOUNT.test(text)) return undefined;
  const asked = text.replace(COMPARE, " ").replace(/\s+/g, " ").trim();
  const m = /(?<![\p{L}])([\p{L}]{2,}) و ([\p{L}]{2,})(?![\p{L}])/u.exec(asked);
  if (!m) return undefined;
  const [whole, a, b] = m as unknown as [string, string, string];
  if (isStopword(a) || isStopword(b)) return undefined;
  const before = asked.slice(0, m.index);
  const after = asked.slice(m.index + whole.length);
  // Each part must still say what is asked about: «صادرات قزوین», not just «قزوین».
  if ((before + after).replace(/[؟?.!\s]/g, "") === "") return undefined;
  return [
    { label: asWritten(question, a), question: `${before}${a}${after}`.trim() },
    { label: asWritten(question, b), question: `${before}${b}${after}`.trim() },
  ];
}

/** «… و چند …», «… و چه کسی …»: a second question joined to the first. */
const SECOND_QUESTION = /^(.+?)\s+و\s+((?:چند|چه|چقدر|کی|کجا|چرا|ایا|کدام)(?![\p{L}]).+)$/u;

/**
 * Two questions asked in one («چند واحد صنفی در قم فعالیت می‌کنند و چند واحد صنعتی راکد احیا
 * شد؟»), each a question of its own; the second keeps the places the first names («در قم»),
 * which it leaves unsaid. Undefined for a single question.
 */
export function splitQuestions(question: string): Part[] | undefined {
  const text = normalizeForMatch(question);
  const m = SECOND_QUESTION.exec(text);
  if (!m) return undefined;
  const [, first, second] = m as unknown as [string, string, string];
  // The first part must itself ask: «صنایع کوچک و متوسط چه نقشی دارند» is one question.
  if (!ASKS.test(first)) return undefined;
  const places = findPlaces(first)
    .map((p) => p.text)
    .filter((p) => !second.includes(p));
  const tail = places.length > 0 ? ` در ${places.join(" و ")}` : "";
  return [
    { label: "", question: first.trim() },
    { label: "", question: `${second.replace(/[؟?]\s*$/u, "").trim()}${tail}؟` },
  ];
}
const ASKS = /چند|چه|چقدر|کی|کجا|چرا|کدام|کیست|چیست/u;

/** The reader's own spelling of a word found in normalised text («ارایشی» → «آرایشی»). */
function asWritten(question: string, word: string): string {
  return question.split(/[\s\u200c،,؟?]+/u).find((w) => normalizeForMatch(w) === word) ?? word;
}

/** Side-by-side answer from the parts' answers, citations renumbered 1..n. */
export function combine(parts: Part[], answers: Answer[]): Answer | undefined {
  const found = parts
    .map((p, i) => ({ part: p, answer: answers[i]! }))
    .filter((x) => x.answer.found && x.answer.citations.length > 0);
  if (found.length < 2) return undefined;
  // Parts answered by the same sentence were one thing after all («آرایشی و بهداشتی»).
  const quoted = new Set(found.map((x) => `${x.answer.citations[0]!.articleId}:${x.answer.citations[0]!.start}`));
  if (quoted.size < found.length) return undefined;
  const citations: Citation[] = [];
  const heads: string[] = [];
  // Parts without a label are two questions, not two things: their answers stand on one line.
  const oneLine = found.every((x) => x.part.label === "");
  const quotes: string[] = [];
  for (const { part, answer } of found) {
    const first = answer.citations[0]!;
    const n = citations.length + 1;
    citations.push({ ...first, n });
    const core = answer.short ?? first.quote;
    heads.push(part.label ? `${part.label}: ${core} [${n}]` : `${core} [${n}]`);
    // The part's own quote line, renumbered.
    const quoteLine = answer.answer.split("\n").find((l) => l.includes("«") && !l.startsWith(answer.short ?? "«"));
    if (quoteLine && answer.short) quotes.push(quoteLine.replace(/\[\d+\]/g, `[${n}]`));
  }
  const lead = oneLine ? [heads.join("؛ ")] : heads;
  const confidences = found.flatMap((x) => (x.answer.confidence === undefined ? [] : [x.answer.confidence]));
  return {
    answer: [...lead, ...quotes].join("\n"),
    found: true,
    mode: answers[0]!.mode,
    citations,
    // As sure as its least sure part.
    ...(confidences.length > 0 && { confidence: Math.min(...confidences) }),
  };
}

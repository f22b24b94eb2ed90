import type { Article } from "../core/article.ts";
import { normalizeForMatch } from "../core/persian/normalize.ts";
import { splitSentences, type Span } from "../core/persian/sentences.ts";
import { findPeople, findQuantities, findTimes, type Found, type QuantitySpan } from "../core/persian/spans.ts";
import { writeZwnj } from "../core/persian/zwnj.ts";

/**
 * Questions a reader may tap to start a conversation about an article, written from the article
 * itself so that Goftogu can answer them:
 * - the gist: «خلاصه این خبر چیست؟»;
 * - how much, from the article's figures: «در حال حاضر بیش از ۱ هزار و ۷۰۰ پروانه تاسیس در
 *   استان قزوین صادر شده است» → «در حال حاضر چند پروانه تاسیس در استان قزوین صادر شده است؟»;
 * - why, from a stated cause: «صنایع کوچک به علت سرمایه‌گذاری کمتر …، در زمان کمتری به تولید
 *   می‌رسند» → «چرا صنایع کوچک در زمان کمتری به تولید می‌رسند؟»;
 * - who, from a named official: «محمد نوذری استاندار قزوین» → «استاندار قزوین کیست؟».
 *
 * These are candidates, in the order they are best offered: the server asks each on its article
 * and offers only those it answers from it (answer/suggestions.ts). Each is written with ZWNJ
 * where Persian writes it, whatever the article did.
 */
export const SUMMARY_QUESTION = "خلاصه این خبر چیست؟";

/** Candidates kept per article: enough that some survive the server's check. */
const MAX_CANDIDATES = 8;
const MIN_CHARS = 18;
/** A chip of more than a line or two is read as a sentence, not a question. */
const MAX_CHARS = 90;
/** Sentences read: the lead and body of a news story say what it is about. */
const SENTENCES_READ = 30;
/** A clause worth asking about ends in a verb. */
const ENDS_IN_VERB =
  /(?:است|شد|شده|شدند|شود|میشود|میشوند|دارد|دارند|هستند|بود|بودند|کرد|کردند|کند|کنند|یافت|یافته است|گرفت|رسید|رسیده است|خواهد شد|خواهد بود|میرسند|میرسد|میکند|میکنند|داشت|داشتند|ایجاد گردد|گردید)$/u;
const CLAUSE_BREAK = /[،,:؛]|\s(?:که|تا|اما|ولی)\s/gu;

/** A suggested question and the sentence of the article it was made from (none for the gist). */
export interface Suggestion {
  question: string;
  /** Offsets of that sentence in the article's text; absent for the gist and the headline's. */
  source?: { start: number; end: number };
}

export function suggestQuestions(article: Pick<Article, "text"> & Partial<Pick<Article, "title">>): string[] {
  return suggestionCandidates(article).map((s) => s.question);
}

/** The candidates `suggestQuestions` gives, each with the sentence it asks about. */
export function suggestionCandidates(article: Pick<Article, "text"> & Partial<Pick<Article, "title">>): Suggestion[] {
  const sentences: Array<Span & { headline?: boolean }> = splitSentences(article.text).slice(0, SENTENCES_READ);
  // A headline that is not the text's first line says the story in one clause: read it too.
  if (article.title && !sentences.some((s) => s.text.includes(article.title!)))
    sentences.unshift({ text: article.title, start: 0, end: 0, headline: true });
  const from = (s: Span & { headline?: boolean }, question: string | undefined): Suggestion[] =>
    question ? [{ question, ...(!s.headline && { source: { start: s.start, end: s.end } }) }] : [];
  const kinds = [
    sentences.flatMap((s) => findQuantities(s.text).flatMap((q) => from(s, quantityQuestion(s.text, q)))),
    sentences.flatMap((s) => reasonQuestions(s.text).flatMap((q) => from(s, q))),
    sentences.flatMap((s) => findTimes(s.text).flatMap((t) => from(s, timeQuestion(s.text, t)))),
    sentences.flatMap((s) => personQuestions(s.text).flatMap((q) => from(s, q))),
  ].map((list) => shortestFirst(unique(list)));
  // One of each kind before a second of any: a reader is offered different ways in.
  const candidates: Suggestion[] = [];
  for (let round = 0; candidates.length < MAX_CANDIDATES - 1; round++) {
    const next = kinds.map((list) => list[round]).filter((q): q is Suggestion => q !== undefined);
    if (next.length === 0) break;
    candidates.push(...next);
  }
  const words = new Set(article.text.split(/[^\p{L}\p{M}]+/u).map((w) => w.replace(/\u200c/gu, "")));
  const isWord = (w: string) => words.has(w);
  return [
    { question: SUMMARY_QUESTION },
    ...candidates.slice(0, MAX_CANDIDATES - 1).map((c) => ({ ...c, question: writeZwnj(c.question, { isWord }) })),
  ];
}

/** The shorter questions first, keeping the article's order among those of a length band. */
function shortestFirst(suggestions: Suggestion[]): Suggestion[] {
  return suggestions
    .map((q, i) => ({ q, i, band: Math.floor(q.question.length / 30) }))
    .sort((a, b) => a.band - b.band || a.i - b.i)
    .map((x) => x.q);
}

function unique(suggestions: Suggestion[]): Suggestion[] {
  const seen = new Set<string>();
  return suggestions.filter((s) => {
    const key = normalizeForMatch(s.question);
    if (seen.has(key)) return false;
    seen.add(key);
    return true;
  });
}

/** What a speaker said, without «وی افزود:» before it. */
function statement(sentence: string): { text: string; offset: number } {
  const colon =
    /^[^:«»]{0,80}?(?:گفت|افزود|اظهار (?:کرد|داشت)|بیان (?:کرد|داشت)|عنوان کرد|تصریح کرد|تاکید کرد|خاطرنشان کرد|یادآور شد|یاد آور شد|ادامه داد|اضافه کرد)\s*:\s*/u.exec(
      sentence,
    );
  return colon ? { text: sentence.slice(colon[0].length), offset: colon[0].length } : { text: sentence, offset: 0 };
}

/** The clause around a figure, with the figure replaced by «چند». */
function quantityQuestion(sentence: string, q: QuantitySpan): string | undefined {
  if (q.unitTerms.length === 0) return undefined;
  // «ساعت ۱۷», «سال ۱۴۰۱» are times, not amounts.
  if (/(?:ساعت|سال|تاریخ|شماره|ماده|بند)\s*$/u.test(sentence.slice(0, q.start))) return undefined;
  // «دسامبر ۱۹۴۱» is a year; «۲۰امین» an ordinal.
  const number = sentence.slice(q.numberStart, q.numberEnd);
  if (
    /^[12۱۲][0-9۰-۹]{3}$/u.test(number) ||
    /^[\s\u200c]*(?:امین|مین|ام)(?![\p{L}])/u.test(sentence.slice(q.numberEnd))
  )
    return undefined;
  const clause = clauseAround(sentence, q.start, q.end);
  if (!clause) return undefined;
  // «قم دارای هفت شهرک صنعتی …» → «قم چند شهرک صنعتی دارد؟»
  const having = /^(.*\S)\s+دارای\s*$/u.exec(sentence.slice(clause.start, q.start));
  if (having) return asked(`${stripDiscourse(having[1]!)} چند ${tidy(sentence.slice(q.numberEnd, q.end))} دارد`);
  // «۲۰ هزار میلیارد تومان» → «چند هزار میلیارد تومان»; «۱ هزار و ۷۰۰ پروانه» → «چند پروانه».
  const scale = number.includes(" و ")
    ? ""
    : number.replace(/^(?:[0-9۰-۹٠-٩]+(?:[.,٫٬/][0-9۰-۹٠-٩]+)*|\p{L}+)[\s\u200c]*/u, "").trim();
  return replaced(sentence, clause, q.start, q.numberEnd, ["چند", scale].filter(Boolean).join(" "));
}

/**
 * «چه سالی / چه تاریخی / چه ماهی / چه روزی …؟» from a dated clause: «… در سال ۱۳۵۷ تاسیس شد»
 * → «… در چه سالی تاسیس شد؟». Relative times («امروز», «سال گذشته») are not asked about: the
 * answer would mean nothing to a reader on another day.
 */
function timeQuestion(sentence: string, time: Found): string | undefined {
  const text = normalizeForMatch(sentence.slice(time.start, time.end)).replace(/^(?:در|از|تا)\s+/u, "");
  if (/امروز|امسال|سالجاری|سال جاری|گذشته|اخیر|نخست|اول|پیش/u.test(text)) return undefined;
  const asks = /^(?:سال|سالهای)\s|^[0-9]+\s*(?:میلادی|هجری|شمسی|قمری|خورشیدی)/u.test(text)
    ? "چه سالی"
    : /^(?:قرن|سده)\s/u.test(text)
      ? "چه قرنی"
      : /^ساعت\s/u.test(text)
        ? "چه ساعتی"
        : /شنبه|جمعه/u.test(text)
          ? "چه روزی"
          : /^[0-9]/u.test(text) || /^[\p{L}]+م\s/u.test(text)
            ? "چه تاریخی"
            : "چه ماهی";
  const clause = clauseAround(sentence, time.start, time.end);
  if (!clause) return undefined;
  // «در سال ۱۳۵۷» keeps its «در»: «در چه سالی».
  const start = /^در\s/u.test(sentence.slice(time.start)) ? time.start + 3 : time.start;
  // «در چه سالی توسط … راه‌اندازی شد؟»: what was done, and by whom, stands before the date.
  const subject = stripDiscourse(tidy(sentence.slice(clause.start, start))).replace(/\s*در$/u, "");
  if (subject.split(/\s+/u).filter(Boolean).length < 1) return undefined;
  return replaced(sentence, clause, start, time.end, asks);
}

/**
 * The clause of the sentence that holds [start, end): from the break before to the break after.
 * None when the clause introduces a quote or is an item of a list.
 */
function clauseAround(sentence: string, start: number, end: number): { start: number; end: number } | undefined {
  let clauseStart = 0;
  let previousBreak = 0;
  let clauseEnd = sentence.length;
  for (const m of sentence.matchAll(CLAUSE_BREAK)) {
    const at = m.index!;
    if (at + m[0].length <= start) {
      previousBreak = clauseStart;
      clauseStart = at + m[0].length;
    } else if (at >= end) {
      clauseEnd = at;
      break;
    }
  }
  // A clause that introduces a quote («وی … بیان کرد:») is not a statement to ask about.
  if (sentence[clauseEnd] === ":") return undefined;
  // After a comma the clause must follow a phrase, not an item of a list («الغدیر، شهاب، …»).
  if (sentence[clauseStart - 1] === "،" || sentence[clauseStart - 1] === ",") {
    if (
      sentence
        .slice(previousBreak, clauseStart - 1)
        .trim()
        .split(/\s+/u).length <= 3
    )
      return undefined;
  }
  return { start: clauseStart, end: clauseEnd };
}

/** The clause with [start, end) replaced by the question phrase, as a question. */
function replaced(
  sentence: string,
  clause: { start: number; end: number },
  start: number,
  end: number,
  phrase: string,
): string | undefined {
  const before = sentence.slice(clause.start, start);
  const after = sentence.slice(end, clause.end);
  // «… فعالیت دارند و هدف ما …»: a clause joined to the next by «و» ends at its verb.
  const ends = [after, ...[...after.matchAll(/\s+و\s+/gu)].map((m) => after.slice(0, m.index!))];
  for (const tail of ends.sort((a, b) => b.length - a.length)) {
    const text = stripDiscourse(tidy(before + phrase + tail))
      // «نوذری با بیان اینکه ۵۰ درصد … تولید میشود» → «چند درصد … تولید میشود»
      .replace(/^(?:\S+\s+){0,3}?با بیان (?:اینکه|این که)\s+/u, "");
    const question = asked(text);
    if (question) return question;
  }
  return undefined;
}

/** Words that tie a sentence to the one before and ask nothing: «در همین رابطه», «همچنین». */
const DISCOURSE =
  /^(?:(?:در همین رابطه|در همین راستا|در این راستا|در این رابطه|همچنین|گفتنی است|بنابراین|از سوی دیگر|در ادامه)[،,\s]+)+/u;

function stripDiscourse(clause: string): string {
  return clause.replace(DISCOURSE, "");
}

const CAUSE = /\s(?:به علت|به دلیل|به خاطر|به سبب)\s/u;
const BECAUSE = /\s(?:چرا که|چراکه|زیرا|چون که|چون)\s/u;

/**
 * «چرا …؟» from a stated cause: «A به علت B، C» → «چرا A C؟» and «A چرا که B» → «چرا A؟».
 */
function reasonQuestions(sentence: string): Array<string | undefined> {
  const { text } = statement(sentence);
  const out: Array<string | undefined> = [];
  const cause = CAUSE.exec(text);
  if (cause) {
    const subject = lastClause(text.slice(0, cause.index));
    const afterCause = text.slice(cause.index + cause[0].length);
    const comma = afterCause.search(/[،,]/u);
    if (comma > 0 && subject && subject.split(/\s+/u).length >= 2) {
      const rest = firstClause(afterCause.slice(comma + 1));
      if (rest) out.push(asked(`چرا ${subject} ${rest}`));
    }
  }
  const because = BECAUSE.exec(text);
  if (because) {
    let effect = lastClause(text.slice(0, because.index));
    // «… هستند و همراهی مسئولین … ضروری است چرا که …»: the last of joined clauses.
    if (effect && effect.length > 60) {
      const parts = effect.split(/\sو\s/u);
      for (let k = parts.length - 1; k > 0; k--) {
        const tail = parts.slice(k).join(" و ");
        if (tail.split(/\s+/u).length >= 4 && ENDS_IN_VERB.test(normalizeForMatch(tail))) {
          effect = tail;
          break;
        }
      }
    }
    if (effect) out.push(asked(`چرا ${effect}`));
  }
  return out;
}

/** The clause a text ends with (after its last break). */
function lastClause(text: string): string | undefined {
  const breaks = [...text.matchAll(CLAUSE_BREAK)];
  const last = breaks.at(-1);
  const clause = tidy(last ? text.slice(last.index! + last[0].length) : text);
  return clause.split(/\s+/u).length >= 2 ? clause : undefined;
}

/** The clause a text starts with (up to its first break). */
function firstClause(text: string): string | undefined {
  CLAUSE_BREAK.lastIndex = 0;
  const first = text.search(CLAUSE_BREAK);
  const clause = tidy(first >= 0 ? text.slice(0, first) : text);
  return clause.split(/\s+/u).length >= 2 ? clause : undefined;
}

const SPEAKER =
  /^((?:رئیس|رییس|مدیرکل|مدیرعامل|استاندار|وزیر|سخنگوی|معاون|دبیرکل|فرماندار|شهردار|سفیر|فرمانده|دادستان)\s[^:«»]{2,60}?)\s*(?::|\s(?:گفت|افزود|اظهار (?:کرد|داشت)|بیان کرد|عنوان کرد|تصریح کرد|تاکید کرد)\s*:)/u;

/** Roles with no more words than this make a question a reader would type. */
const ROLE_WORDS = 8;

/** «استاندار قزوین کیست؟» for each official the sentence names with a role. */
function personQuestions(sentence: string): string[] {
  const roles = findPeople(sentence).map((p) => p.role);
  // «استاندار قزوین: …», «مدیرکل صنعت، معدن و تجارت قم گفت: …»: a speaker named by role alone,
  // whom the article may name elsewhere.
  const speaker = SPEAKER.exec(sentence);
  if (speaker) roles.push(speaker[1]!);
  const out: string[] = [];
  for (const found of roles) {
    const role = tidy(found);
    const words = role.split(/\s+/u);
    if (words.length < 2 || words.length > ROLE_WORDS) continue;
    // «رئیس این سازمان», «مدیرعامل شرکت» say too little to be asked alone.
    if (/(?:^|\s)(?:این|آن|همین|وی|او)(?:\s|$)/u.test(role)) continue;
    out.push(`${role} کیست؟`);
  }
  return out;
}

function tidy(text: string): string {
  return text
    .replace(/[.!؟?]+$/u, "")
    .replace(/\s+/gu, " ")
    .trim();
}

/** The clause as a question, when it is a whole statement of a readable length. */
function asked(clause: string): string | undefined {
  const text = tidy(clause);
  const norm = normalizeForMatch(text);
  if (text.length < MIN_CHARS || text.length > MAX_CHARS || !ENDS_IN_VERB.test(norm)) return undefined;
  // «او در چه سالی …», «این طرح چند …»: who or what is meant is in the sentence before.
  if (/^(?:او|وی|ایشان|این|ان|انها|اینها|همین|انان|و|که|یا|ولی|اما|تا|البته)\s/u.test(norm)) return undefined;
  // «اتریش با وجود آنکه … عقب افتاده بود»: a subordinate clause says nothing by itself.
  if (/(?:^|\s)(?:با وجود|اگرچه|اگر چه|هرچند|هر چند|چنانچه|اگر|انکه|اینکه|این که)\s/u.test(norm)) return undefined;
  // Another figure beside the one asked for reads as a quiz («۷۶ درصد … و چند درصد …»).
  if (
    /[0-9]/u.test(norm) ||
    findQuantities(text).some(
      (q) => !/چند\s*$/u.test(text.slice(0, q.start)) && !text.slice(q.start, q.end).includes("چند"),
    )
  )
    return undefined;
  // A piece cut from a parenthesis or a list is no statement.
  if (/[()«»\-ـ\[\]]/u.test(text)) return undefined;
  if (norm.split(" ").length < 5) return undefined;
  return `${text}؟`;
}

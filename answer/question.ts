import { normalizeForMatch } from "../core/persian/normalize.ts";
import { isStopword } from "../core/persian/stopwords.ts";
import { term, tokenize } from "../core/persian/tokens.ts";

/**
 * What kind of answer a Persian question wants, read from its question words:
 * «چند / چقدر / چه مقدار / چه تعداد» a quantity, «چه کسی / کیست» a person, «کجا» a place,
 * «کی / چه زمانی / چه سالی» a time, «چرا» a reason, «خلاصه» a summary of the article.
 */
export type QuestionKind = "quantity" | "person" | "place" | "time" | "reason" | "summary" | "fact";

export interface QuestionAnalysis {
  kind: QuestionKind;
  /** The question without its question phrases: what the articles must talk about. */
  content: string;
  /** The counted noun of «چند X»: «چند پروانه» → «پروانه». Analyzed form. */
  unit?: string;
  /** Numbers the question itself states: they are context, not the answer. */
  numbers: Set<string>;
  /** The question asks about money («ارزش», «اعتبار», «مبلغ»…). */
  money: boolean;
}

// Patterns run on normalizeForMatch output (Latin digits, no ZWNJ, آ folded to ا).
const KINDS: ReadonlyArray<[QuestionKind, RegExp]> = [
  ["summary", /خلاصه|درباره چیست|موضوع (?:این )?(?:خبر|گزارش)|این خبر (?:درباره )?چیست|چه میگوید|نکات (?:مهم|اصلی)/u],
  ["person", /چه کسی|چه کسانی|کیست|کیه|کی(?: |)است|کی بود|چه شخصی|نام (?:او|وی|ایشان)|اسم/u],
  ["quantity", /چند(?!م)|چقدر|چه مقدار|چه تعداد|چه میزان|تعداد .* چیست|میزان .* چیست|ارزش .* چیست|مبلغ/u],
  [
    "time",
    /چه زمانی|چه وقت|چه سالی|چه تاریخی|چه روزی|چه ماهی|چه ساعتی|(?:^| )(?:از |تا )?کی(?: |$|\?|؟)|تاریخ .* چیست|چه مدت/u,
  ],
  ["place", /کجا|در کدام (?:شهر|استان|کشور|محل|منطقه)|چه شهری|چه استانی|چه کشوری|کدام کشور/u],
  ["reason", /چرا|به چه دلیل|به چه علت|علت .* چیست|دلیل .* چیست/u],
];

/**
 * Phrases that only say what kind of answer is wanted («چه مدتی», «چه مقدار», «کدام»): removed
 * before analysis so «مدت» in «در چه مدتی انجام شد؟» is not looked for in the articles.
 */
const QUESTION_PHRASES =
  /چه\s*(?:مدت|زمان|سال|تاریخ|روز|ماه|ساعت|مقدار|تعداد|میزان|کس|کسان|شخص|چیز|نوع)ی?(?![\p{L}])/gu;

/** The question without its question phrases: the words the articles must contain. */
export function questionContent(question: string): string {
  return normalizeForMatch(question).replace(QUESTION_PHRASES, " ");
}

const MONEY = /ارزش|اعتبار|مبلغ|قیمت|سرمایه|بودجه|درامد|دلار|تومان|ریال|هزینه/u;

export function analyzeQuestion(question: string): QuestionAnalysis {
  const text = normalizeForMatch(question);
  const kind = KINDS.find(([, pattern]) => pattern.test(text))?.[0] ?? "fact";
  const tokens = tokenize(question);
  // The counted noun: «چند پروانه», or «تعداد شهرکها … چند است».
  let unit: string | undefined;
  for (const marker of ["چند", "تعداد"]) {
    // «چند تا شهرک» counts «شهرک».
    let at = tokens.indexOf(marker) + 1;
    if (tokens[at] === "تا") at++;
    const next = tokens[at];
    if (tokens.includes(marker) && next && !/^[0-9]/.test(next) && !isStopword(next)) {
      unit = term(next);
      break;
    }
  }
  const numbers = new Set(tokens.filter((t) => /^[0-9]/.test(t)));
  return { kind, content: questionContent(question), ...(unit && { unit }), numbers, money: MONEY.test(text) };
}

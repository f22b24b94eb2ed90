import { formalize } from "./colloquial.ts";
import { normalizeForMatch } from "./normalize.ts";
import { isStopword } from "./stopwords.ts";

/**
 * Tokenisation and light stemming of Persian (with some Latin) text.
 *
 * A Persian word may be written with ZWNJ, a space or nothing between its parts: «می‌خواهم»,
 * «می خواهم», «میخواهم»; «پروژه‌ها», «پروژه ها», «پروژهها». `normalizeForMatch` removes ZWNJ, and
 * `tokenize` re-joins the parts a space has split, so all three variants give one token.
 */

// A letter run (Persian, Arabic or Latin) or a number (with decimal/thousands separators).
const TOKEN = /[\p{L}\p{M}]+|[0-9]+(?:[.,][0-9]+)*/gu;

/** Verb prefixes written as separate words by some writers: «می خواهم», «نمی شود». */
const PREFIXES = new Set(["می", "نمی"]);
/** Inflectional suffixes written as separate words: «پروژه ها», «بزرگ ترین», «گفته اند». */
const DETACHED_SUFFIXES = new Set(["ها", "های", "هایی", "هاي", "تر", "ترین", "تری", "اند", "ایم", "اید"]);
/** Question words readers glue to the word before: «غذای شترچیست؟», «مدیرش کیست». */
const GLUED_QUESTION_WORDS = ["چیست", "کیست", "کجاست"];
/** Heads of Arabic compounds written with a space: «بین المللی», «فوق العاده», «حق الزحمه». */
const ARABIC_COMPOUND_HEADS = new Set(["بین", "فوق", "فی", "حسب", "دار", "حق", "علی"]);

/**
 * Splits text into normalised tokens. Digits are Latin, thousands separators are dropped
 * («1,700» → «1700»), a number glued to a word is split from it («۴۵هزار» → «45», «هزار»),
 * and space-separated word parts are joined back.
 *
 * @example tokenize("می خواهم پروژه ها را ببینم") // ["میخواهم", "پروژهها", "را", "ببینم"]
 */
export function tokenize(text: string): string[] {
  const raw = (normalizeForMatch(text).match(TOKEN) ?? []).flatMap(unglueQuestionWord);
  const out: string[] = [];
  for (let i = 0; i < raw.length; i++) {
    let token = raw[i]!;
    if (/^[0-9]/.test(token)) token = token.replace(/,(?=[0-9]{3}\b)/g, "");
    const next = raw[i + 1];
    if (next !== undefined && isLetters(next)) {
      if (PREFIXES.has(token) || (ARABIC_COMPOUND_HEADS.has(token) && next.startsWith("ال") && next.length > 3)) {
        token += next;
        i++;
      }
    }
    const prev = out.length > 0 ? out[out.length - 1]! : undefined;
    if (prev !== undefined && DETACHED_SUFFIXES.has(token) && isLetters(prev) && !DETACHED_SUFFIXES.has(prev)) {
      out[out.length - 1] = prev + token;
      continue;
    }
    out.push(formalizeCached(token));
  }
  return out;
}

/**
 * Per-word memo for the pure word-level steps (`formalize`, `term`). News text is Zipfian: a
 * few thousand words make up most tokens, so ingest of a large archive does the regex work of
 * each distinct word once. Bounded: cleared when full, so an endless stream of new words cannot
 * grow it without limit.
 */
const MEMO_LIMIT = 200_000;
function memo(fn: (token: string) => string): (token: string) => string {
  const cache = new Map<string, string>();
  return (token) => {
    let out = cache.get(token);
    if (out === undefined) {
      if (cache.size >= MEMO_LIMIT) cache.clear();
      cache.set(token, (out = fn(token)));
    }
    return out;
  };
}
const formalizeCached = memo(formalize);

function unglueQuestionWord(token: string): string[] {
  for (const q of GLUED_QUESTION_WORDS) {
    if (token.length >= q.length + 2 && token.endsWith(q)) return [token.slice(0, -q.length), q];
  }
  return [token];
}

function isLetters(token: string): boolean {
  return !/^[0-9]/.test(token);
}

// Longest first. Each needs a stem of at least MIN_STEM letters left, which keeps «استان»,
// «ایران» and «تهران» whole while «کارگران» → «کارگر».
const SUFFIXES = [
  "هایشان",
  "هایمان",
  "هایتان",
  "ترین",
  "هایی",
  "های",
  "ها",
  "تری",
  "تر",
  "یان",
  "ان",
  "ات",
  "ین",
  "ای",
  "یی",
  "ی",
];
const MIN_STEM = 3;
// «ان» and «ین» endings are part of too many short nouns; they need a longer stem.
const MIN_STEM_FOR = new Map([
  ["ان", 4],
  ["ین", 4],
  ["یان", 4],
  ["ات", 3],
]);

/**
 * Light suffix stemming: plural and comparative markers and the ezafe/adjective «ی». Applied the
 * same way to articles and questions, so over-stemming costs little and joins «صادرات»/«صادر»,
 * «واحدهای»/«واحد», «بزرگترین»/«بزرگ».
 */
export function stem(token: string): string {
  if (/^[0-9a-z]/.test(token)) return token;
  let word = token;
  const whole = LEXICAL_PLURALS.find(
    (w) => word === w || (word.startsWith(w) && ADJECTIVE_ENDINGS.has(word.slice(w.length))),
  );
  if (whole) return whole;
  // At most two passes: «شهرکهای» → «شهرک», «صنعتیها» → «صنعتی» → «صنعت».
  for (let pass = 0; pass < 2; pass++) {
    const suffix = SUFFIXES.find(
      (s) => word.endsWith(s) && word.length - s.length >= (MIN_STEM_FOR.get(s) ?? MIN_STEM),
    );
    if (!suffix) break;
    word = word.slice(0, -suffix.length);
  }
  return word;
}

/**
 * «ات» plurals that are words of their own in news language: «صادرات» (exports) is not «صادر»
 * (issued), «انتخابات» (elections) is not «انتخاب» (choice). Kept whole, with their adjective
 * forms («صادراتی» → «صادرات»).
 */
const LEXICAL_PLURALS = [
  "صادرات",
  "واردات",
  "انتخابات",
  "مطبوعات",
  "ادبیات",
  "تسلیحات",
  "جزییات",
  "کلیات",
  "مالیات",
  "تعمیرات",
];
const ADJECTIVE_ENDINGS = new Set(["", "ی", "یی", "ای"]);

// Number words a reader may type instead of digits: «هفت شهرک» ↔ «7 شهرک». «یک» is left out:
// it is mostly the indefinite article.
const NUMBER_WORDS = new Map<string, string>([
  ["دو", "2"],
  ["سه", "3"],
  ["چهار", "4"],
  ["پنج", "5"],
  ["شش", "6"],
  ["هفت", "7"],
  ["هشت", "8"],
  ["نه", "9"],
  ["ده", "10"],
  ["یازده", "11"],
  ["دوازده", "12"],
  ["بیست", "20"],
  ["سی", "30"],
  ["چهل", "40"],
  ["پنجاه", "50"],
  ["صد", "100"],
  ["یکم", "1"],
  ["دوم", "2"],
  ["سوم", "3"],
  ["چهارم", "4"],
]);

/** The canonical term of a token: stemmed, number words as digits. */
export const term: (token: string) => string = memo((token) => NUMBER_WORDS.get(token) ?? stem(token));

/** A content token and its term, with the token that follows it in the text (if any). */
export interface AnalyzedToken {
  token: string;
  term: string;
  prev?: string;
  next?: string;
}

/**
 * The content tokens of a text: no stopwords, each with its stemmed term. `next` is the
 * following token and `prev` the preceding one when they are content words too, so a matcher can try the two
 * written together: «دانش بنیان» ↔ «دانشبنیان».
 */
export function analyzeTokens(text: string): AnalyzedToken[] {
  return analyzeTokenList(tokenize(text));
}

/** `analyzeTokens` of text already tokenised (`tokenize`): what an index stores per chunk. */
export function analyzeTokenList(tokens: readonly string[]): AnalyzedToken[] {
  const out: AnalyzedToken[] = [];
  for (let i = 0; i < tokens.length; i++) {
    const token = tokens[i]!;
    if (!isContentToken(token)) continue;
    const prev = tokens[i - 1];
    const next = tokens[i + 1];
    out.push({
      token,
      term: term(token),
      ...(prev !== undefined && !isStopword(prev) && { prev }),
      ...(next !== undefined && !isStopword(next) && { next }),
    });
  }
  return out;
}

/** Whether a token is a content word: not a stopword, and a number or at least two letters. */
export function isContentToken(token: string): boolean {
  return (token.length >= 2 || /^[0-9]/.test(token)) && !isStopword(token);
}

/**
 * The content terms of a text: tokens without stopwords, stemmed. This is what matching,
 * lexical scoring and the local embedder see.
 *
 * @example analyze("واحدهای صنعتی استان قزوین") // ["واحد", "صنعت", "استان", "قزوین"]
 */
export function analyze(text: string): string[] {
  return analyzeTokens(text).map((t) => t.term);
}

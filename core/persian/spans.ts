import { foldLetters, normalizeForMatch, rawSpan } from "./normalize.ts";
import { STOPWORDS } from "./stopwords.ts";
import { term, tokenize } from "./tokens.ts";

/**
 * Finds answer spans inside a sentence: a quantity with its qualifier and unit
 * («بیش از ۱ هزار و ۷۰۰ پروانه تاسیس»), a date or period («از تاریخ یکم تا چهارم شهریور ماه»),
 * a person's name before their role («سعید نبیل»). Spans are exact substrings of the sentence,
 * so they can be shown as the article wrote them.
 */
export interface Found {
  text: string;
  start: number;
  end: number;
}

const DIGITS = "[0-9۰-۹٠-٩]+(?:[.,٫٬/][0-9۰-۹٠-٩]+)*";
const NUMBER_WORDS =
  "یک|دو|سه|چهار|پنج|شش|هفت|هشت|ده|یازده|دوازده|سیزده|چهارده|پانزده|بیست|سی|چهل|پنجاه|شصت|هفتاد|هشتاد|نود|صد|یکصد|دویست|سیصد|چهارصد|پانصد|هزار|نیم";
const SCALE = "هزار|میلیون|میلیارد|تریلیون";
const ZW = "[\\s\u200c]*";
const NUM = `(?:${DIGITS}|(?:${NUMBER_WORDS})(?![\\p{L}]))`;
const NUM_WITH_SCALE = `${NUM}(?:${ZW}(?:${SCALE})(?![\\p{L}]))*`;
const NUMBER = `${NUM_WITH_SCALE}(?:\\s+و\\s+${NUM_WITH_SCALE})*`;
// «بیش از۶ سال»: the number is sometimes written against «از».
const QUALIFIER =
  "(?:(?:بیش|بیشتر|کمتر|افزون|بالغ|قریب|نزدیک|حدود|حداقل|حداکثر)(?:\\s+(?:از|بر|به)[\\s\u200c]*|\\s+))?";
const NUMBER_PHRASE = new RegExp(`(?<![\\p{L}0-9۰-۹])${QUALIFIER}${NUMBER}`, "gu");

/**
 * A pattern for text folded by `foldLetters`, its own Persian letters folded alike («آبان» is
 * looked for as «ابان», «ژوئیه» as «ژوییه»).
 */
function folded(source: string, flags: string): RegExp {
  return new RegExp(foldLetters(source).text, flags);
}

/** Nouns that count something and usually take a describing word: «واحد صنعتی», «پروانه تاسیس». */
const COUNTERS = new Set([
  "واحد",
  "پروانه",
  "شهرک",
  "نوع",
  "مجوز",
  "ماه",
  "ناحیه",
  "شرکت",
  "خط",
  "طرح",
  "پروژه",
  "اظهارنامه",
  "محصول",
]);
/** What «دو», «سه», «ده» count when they are a number, not part of a word: «سه ماه», «دو پسر», «ده روز». */
const COUNTED_AFTER =
  /^[\s\u200c]+(?:روز|ماه|سال|ساعت|هفته|دقیقه|بار|نفر|تن|پسر|دختر|فرزند|کشور|شهر|استان|قرن|دهه|مرحله|نوبت|دوره|جلد|فصل|عضو|تیم|گل|مدال|قسمت|بخش|نوع|واحد|شهرک)/u;
/** Words that end a unit phrase: verbs and particles. */
const UNIT_STOP = /^(?:است|بود|شد|شده|میشود|دارد|دارند|کرد|کرده|داشت|در|از|به|با|و|را|که|تا|الی|برای|این|آن)$/u;

export interface QuantitySpan extends Found {
  /** Where the number itself starts and ends, after any qualifier («بیش از»). */
  numberStart: number;
  numberEnd: number;
  /** The analyzed unit words after the number («پروانه», «تاسیس»). */
  unitTerms: string[];
  /** The number alone, for matching against the question's own numbers. */
  numberTerms: string[];
}

export function findQuantities(original: string): QuantitySpan[] {
  const out: QuantitySpan[] = [];
  // Found in the folded text (ي, ك and marks as Persian writes them), cut from the original.
  const { text: sentence, raw } = foldLetters(original);
  for (const m of sentence.matchAll(NUMBER_PHRASE)) {
    const numberText = m[0];
    // «یک» / «دو» alone are mostly articles («یک واحد تولیدی»): a number word needs a digit or a scale.
    if (
      !/[0-9۰-۹٠-٩]/.test(numberText) &&
      !new RegExp(SCALE, "u").test(numberText) &&
      (/^(?:یک|نیم)$/u.test(numberText.trim()) ||
        (/^(?:دو|سه|ده|سی|صد)$/u.test(numberText.trim()) &&
          !COUNTED_AFTER.test(sentence.slice(m.index! + numberText.length))))
    )
      continue;
    const start = m.index!;
    // «۱٫۵٪»: a percent sign written against the number is its unit.
    let end =
      start + numberText.length + (/^\s?[٪%]/u.exec(sentence.slice(start + numberText.length))?.[0].length ?? 0);
    const qualifier = new RegExp(`^${QUALIFIER}`, "u").exec(numberText)?.[0] ?? "";
    const numberStart = start + qualifier.length;
    const numberEnd = end;
    const unitTerms: string[] = [];
    // Up to two unit words: the counted noun, and a describing word after a counter noun.
    const rest = sentence.slice(end);
    const words = [...rest.matchAll(/^[\s\u200c]*([\p{L}\p{M}\u200c]+)/gu)];
    const first = words[0];
    if (first && !UNIT_STOP.test(normalizeForMatch(first[1]!))) {
      end += first[0].length;
      unitTerms.push(term(normalizeForMatch(first[1]!)));
      const after = /^[\s\u200c]*([\p{L}\p{M}\u200c]+)/u.exec(sentence.slice(end));
      const firstNorm = normalizeForMatch(first[1]!);
      if (
        after &&
        COUNTERS.has(term(firstNorm)) &&
        !UNIT_STOP.test(normalizeForMatch(after[1]!)) &&
        !STOPWORDS.has(normalizeForMatch(after[1]!))
      ) {
        end += after[0].length;
        unitTerms.push(term(normalizeForMatch(after[1]!)));
      }
    }
    out.push({
      ...rawSpan(original, raw, start, end),
      numberStart: raw[numberStart]!,
      numberEnd: raw[numberEnd]!,
      unitTerms,
      numberTerms: tokenize(numberText).filter((t) => /^[0-9]/.test(t)),
    });
  }
  return out;
}

const MONTHS =
  "فروردین|اردیبهشت|خرداد|تیر|مرداد|شهریور|مهر|آبان|آذر|دی|بهمن|اسفند|ژانویه|فوریه|مارس|آوریل|مه|ژوئن|ژوئیه|اوت|سپتامبر|اکتبر|نوامبر|دسامبر";
/** Month names that are not also common words («دی», «مهر», «تیر», «مه» need a day, a year or «ماه»). */
const PLAIN_MONTHS =
  "فروردین|اردیبهشت|خرداد|مرداد|شهریور|آبان|آذر|بهمن|اسفند|ژانویه|فوریه|آوریل|ژوئن|ژوئیه|سپتامبر|اکتبر|نوامبر|دسامبر";
const ORDINAL_DAY = `(?:${DIGITS}|یکم|اول|دوم|سوم|چهارم|پنجم|ششم|هفتم|هشتم|نهم|دهم|[\\p{L}]+(?:م|مین))`;
const WEEKDAYS = "شنبه|یکشنبه|یک شنبه|دوشنبه|دو شنبه|سه شنبه|سهشنبه|چهارشنبه|پنجشنبه|پنج شنبه|جمعه";
const YEAR_SUFFIX = `(?:\\s*(?:میلادی|هجری(?:\\s+(?:شمسی|قمری))?|شمسی|قمری|خورشیدی|م\\.|ق\\.|ه\\.ش\\.?))?`;
const TIME_PATTERNS = [
  // «از تاریخ یکم تا چهارم شهریور ماه (از ساعت ۱۷ الی ۲۲)», «۲ اکتبر ۲۰۰۹», «۱۴/۱۵ آوریل ۱۴۵۲»
  `(?:از\\s+)?(?:تاریخ\\s+)?${ORDINAL_DAY}(?:\\s+(?:تا|الی)\\s+${ORDINAL_DAY})?\\s+(?:${MONTHS})(?:\\s*ماه)?(?:\\s+(?:سال\\s+)?${DIGITS}${YEAR_SUFFIX})?(?:\\s+از\\s+ساعت\\s+${DIGITS}(?:\\s+(?:تا|الی)\\s+${DIGITS})?)?`,
  // «اکتبر ۲۰۰۹», «دی ۱۳۹۸»
  `(?:${MONTHS})(?:\\s*ماه)?\\s+(?:سال\\s+)?${DIGITS}${YEAR_SUFFIX}`,
  `(?:سال|سالهای|سال‌های)\\s+${DIGITS}(?:\\s*(?:تا|الی|-|–)\\s*${DIGITS})?${YEAR_SUFFIX}`,
  `(?:قرن|سده)\\s+(?:${DIGITS}(?:\\s*ام)?|[\\p{L}]+م)${YEAR_SUFFIX}`,
  `${DIGITS}\\s*(?:میلادی|هجری(?:\\s+(?:شمسی|قمری))?|شمسی|قمری|خورشیدی)`,
  `(?:در\\s+)?(?:${PLAIN_MONTHS}|(?:تیر|مهر|دی)(?=\\s*ماه))(?:\\s*ماه)?(?:\\s+و\\s+(?:${PLAIN_MONTHS}|تیر|مهر|دی)(?:\\s*ماه)?)?(?:\\s+(?:امسال|سالجاری|سال\\s*جاری))?`,
  `ماه\\s+(?:محرم|صفر|ربیع\\s*الاول|ربیع\\s*الثانی|جمادی\\s*الاول|جمادی\\s*الثانی|رجب|شعبان|رمضان|شوال|ذیقعده|ذی\\s*القعده|ذیحجه|ذی\\s*الحجه)`,
  `(?:روز\\s+)?(?:${WEEKDAYS})(?:\\s+(?:شب|صبح|عصر|ظهر))?`,
  `(?:در\\s+)?${NUM}\\s+ماه\\s+(?:نخست|اول|گذشته|اخیر)(?:\\s+(?:امسال|سال))?`,
  `(?:در\\s+)?یک\\s*سال\\s+گذشته|امسال|سالجاری|سال\\s+گذشته|عصر امروز|امروز|هفته\\s+گذشته`,
  `ساعت\\s+${DIGITS}(?:\\s+(?:تا|الی)\\s+${DIGITS})?`,
];
const TIME = folded(`(?<![\\p{L}0-9۰-۹])(?:${TIME_PATTERNS.join("|")})(?![\\p{L}\\p{M}0-9۰-۹])`, "gu");
/** A bare year («در ۱۹۲۱ به…»): a time only when the question asks for a year. */
const BARE_YEAR = /(?<![\p{L}0-9۰-۹.,٫/])(?:[12۱۲][0-9۰-۹]{3}|[0-9۰-۹]{3})(?![\p{L}0-9۰-۹.,٫/])/gu;

/** Bare years of the sentence, for «در چه سالی» when no dated phrase is there. */
export function findYears(sentence: string): Found[] {
  return [...sentence.matchAll(BARE_YEAR)].map((m) => ({ text: m[0], start: m.index!, end: m.index! + m[0].length }));
}

export function findTimes(sentence: string): Found[] {
  const { text, raw } = foldLetters(sentence);
  return [...text.matchAll(TIME)].map((m) => rawSpan(sentence, raw, m.index!, m.index! + m[0].length));
}

/** Titles that follow a person's name in Persian news: «سعید نبیل رئیس سازمان…». */
const ROLES =
  /^(?:رئیس|رییس|مدیرکل|مدیر|استاندار|وزیر|نماینده|مدیرعامل|سخنگوی|سخنگو|معاون|دبیر|فرماندار|شهردار|امام|رئیسجمهور|سفیر|فرمانده|دادستان|عضو|مشاور|قائممقام)$/u;
const NAME_STOP = /[،,:؛.()«»\-–_]/u;

/** Whether a word (`normalizeForMatch` form) is a title like «رئیس» or «استاندار». */
export function isRoleWord(word: string): boolean {
  return ROLES.test(word);
}

/** Words that start a three-word name: «حمید رضا خانپور», «سیده حمیده زرآبادی». */
const NAME_STARTS = new Set([
  "محمد",
  "علی",
  "حسین",
  "حسن",
  "رضا",
  "مهدی",
  "احمد",
  "حمید",
  "سید",
  "سیده",
  "امیر",
  "مجید",
  "سعید",
  "جواد",
  "محمود",
  "مصطفی",
  "ابراهیم",
  "اکبر",
  "عباس",
  "فاطمه",
  "زهرا",
  "مریم",
  "عبدالله",
  "غلام",
  "غلامرضا",
]);
/** Middle words of compound first names: «هدایت الله», «نصرالدین», «فخرالسادات». */
const NAME_MIDDLES = /^(?:الله|الدین|السادات|اله)$/u;

/**
 * Names standing right before a role word, the way agencies introduce officials: two words
 * («سعید نبیل رئیس سازمان…»), or three when the name is a compound one («هدایت الله جمالیپور»,
 * «حمید رضا خانپور»). «با حضور رضا رحمانی وزیر…» gives «رضا رحمانی», and «استاندار قزوین گفت»
 * gives nothing.
 */
export function findPeople(sentence: string): Person[] {
  const out: Person[] = [];
  const words = [...sentence.matchAll(/[\p{L}\p{M}\u200c]+/gu)].map((m) => ({
    text: m[0],
    norm: normalizeForMatch(m[0]),
    start: m.index!,
    end: m.index! + m[0].length,
  }));
  for (let i = 2; i < words.length; i++) {
    if (!ROLES.test(words[i]!.norm)) continue;
    const name: typeof words = [];
    for (let j = i - 1; j >= 0 && name.length < 3; j--) {
      const w = words[j]!;
      if (NAME_STOP.test(sentence.slice(w.end, (name[0] ?? words[i]!).start))) break;
      if (STOPWORDS.has(w.norm) || ROLES.test(w.norm) || NOT_NAMES.test(w.norm)) break;
      if (name.length === 2 && !NAME_STARTS.has(w.norm) && !NAME_MIDDLES.test(name[0]!.norm)) break;
      name.unshift(w);
    }
    if (name.length < 2) continue;
    // «در حاشیه سفر سخنگوی…»: after a preposition stands a phrase, not a name, unless it starts like one.
    const before = words[words.indexOf(name[0]!) - 1];
    if (before && /^(?:در|از|به|با|برای|بر|تا)$/u.test(before.norm) && !NAME_STARTS.has(name[0]!.norm)) continue;
    out.push({
      text: sentence.slice(name[0]!.start, name[name.length - 1]!.end),
      start: name[0]!.start,
      end: name[name.length - 1]!.end,
      roleStart: words[i]!.start,
      role: "",
    });
  }
  // The role runs from the role word to a speech verb, a clause word, a break, or the next person.
  for (const [k, p] of out.entries()) {
    const limit = Math.min(out[k + 1]?.start ?? sentence.length, sentence.length);
    let end = p.roleStart;
    let count = 0;
    for (const [i, w] of words.entries()) {
      if (w.start < p.roleStart) continue;
      // «نماینده مردم قزوین در مجلس شورای اسلامی»: «در» before a body is part of the post.
      const inBody = w.norm === "در" && BODIES.test(words[i + 1]?.norm ?? "");
      if (w.start >= limit || count >= ROLE_MAX_WORDS || (count > 0 && !inBody && ROLE_ENDS.test(w.norm))) break;
      if (count > 0 && /[:؛.()«»]/u.test(sentence.slice(end, w.start))) break;
      end = w.end;
      count++;
    }
    p.role = sentence.slice(p.roleStart, end).replace(/[،,\s]+$/u, "");
  }
  return out;
}

export interface Person extends Found {
  roleStart: number;
  /** «رئیس سازمان صنعت، معدن و تجارت استان قزوین» */
  role: string;
}

const ROLE_MAX_WORDS = 10;
/** Bodies a post is held in: «… در مجلس», «… در شورای شهر». */
const BODIES = /^(?:مجلس|شورای|شورا|کمیسیون|دولت|وزارت|سازمان|هیئت|هیات|دانشگاه|اتاق)$/u;
const ROLE_ENDS =
  /^(?:شد|است|بود|کرد|داشت|دارد|هستند|برگزار|گفت|افزود|اظهار|عنوان|بیان|تصریح|تاکید|خاطرنشان|ادامه|اعلام|در|با|روز|عصر|صبح|شب|امروز|که|به|طی|ضمن)$/u;

const NOT_NAMES =
  /^(?:گفت|افزود|کرد|شد|است|استان|سازمان|شرکت|حضور|جلسه|کل|امروز|وی|او|سفر|حاشیه|مراسم|نشست|دیدار|همایش|جمع|بازدید|افتتاح|برنامه|برنامههای|اشاره|گزارش|خبرنگار|خبرنگاران|همراه|هیئت|هیات|دولت|مجلس|کشور|شهر)$/u;

/**
 * The amounts a text states, as values: «۱ هزار و ۷۰۰» and «۱۷۰۰» are both 1700, «۲۶۳ میلیون»
 * is 263e6, «۲۰ هزار میلیارد» 2e13. For comparing the figures of a question with a sentence's;
 * «۵۰۰» inside «۱ هزار و ۵۰۰» is not 500.
 */
export function amountsIn(text: string): number[] {
  const tokens = tokenize(text);
  const out: number[] = [];
  for (let i = 0; i < tokens.length; i++) {
    if (!/^[0-9]/u.test(tokens[i]!)) continue;
    let total = 0;
    for (;;) {
      let part = Number(tokens[i]);
      let scaled = false;
      while (SCALES.has(tokens[i + 1] ?? "")) {
        part *= SCALES.get(tokens[++i]!)!;
        scaled = true;
      }
      total += part;
      // «۱ هزار و ۷۰۰»: a scaled part, «و», and a number continue the same amount.
      if (!(scaled && tokens[i + 1] === "و" && /^[0-9]/u.test(tokens[i + 2] ?? ""))) break;
      i += 2;
    }
    if (Number.isFinite(total)) out.push(total);
  }
  return out;
}

const SCALES = new Map([
  ["هزار", 1e3],
  ["میلیون", 1e6],
  ["میلیارد", 1e9],
  ["تریلیون", 1e12],
]);

/** The words of `text` from `from` on (letters and digits), with their `normalizeForMatch` form and offsets. */
function wordsOf(text: string, from = 0): Array<{ norm: string; start: number; end: number }> {
  return [...text.slice(from).matchAll(/[\p{L}\p{M}\u200c0-9۰-۹٠-٩]+/gu)].map((m) => ({
    norm: normalizeForMatch(m[0]),
    start: from + m.index!,
    end: from + m.index! + m[0].length,
  }));
}

/**
 * The rank a sentence gives after the noun a «چندم» question asks about (`normalizeForMatch`
 * form): «رده میانی», «رتبه سوم», «مقام اول»; nothing when the noun stands without one.
 */
export function findRank(sentence: string, noun: string): Found | undefined {
  const words = wordsOf(sentence);
  for (let i = 0; i + 1 < words.length; i++) {
    const [w, next] = [words[i]!, words[i + 1]!];
    if (w.norm !== noun && w.norm !== `${noun}ی`) continue;
    if (/[^\s]/u.test(sentence.slice(w.end, next.start)) || STOPWORDS.has(next.norm)) continue;
    return { text: sentence.slice(w.start, next.end), start: w.start, end: next.end };
  }
  return undefined;
}

/**
 * What a sentence names as an instance of the noun a «کدام» question asks about: the words after
 * «واحدی نظیر», «شرکتی به نام», «کشورهایی مانند», up to a clause word or a comma.
 */
export function findInstance(sentence: string, noun: string): Found | undefined {
  const words = wordsOf(sentence);
  for (let i = 0; i + 2 < words.length; i++) {
    if (!words[i]!.norm.startsWith(noun) || words[i]!.norm.length > noun.length + 3) continue;
    let at = i + 1;
    if (words[at]!.norm === "به" || words[at]!.norm === "با") at++;
    if (!INSTANCE_MARKS.test(words[at]?.norm ?? "")) continue;
    const from = at + 1;
    let to = from;
    while (
      to < words.length &&
      to - from < INSTANCE_MAX_WORDS &&
      !INSTANCE_ENDS.test(words[to]!.norm) &&
      (to === from || !/[،,؛:.()«»]/u.test(sentence.slice(words[to - 1]!.end, words[to]!.start)))
    )
      to++;
    if (to === from) continue;
    return {
      text: sentence.slice(words[from]!.start, words[to - 1]!.end),
      start: words[from]!.start,
      end: words[to - 1]!.end,
    };
  }
  return undefined;
}

const INSTANCE_MARKS = /^(?:نظیر|مانند|مثل|همچون|چون|نام|عنوان)$/u;
const INSTANCE_ENDS = /^(?:در|که|با|از|را|به|برای|تا|است|هستند|بود|شد|وجود|دارد|دارند|می|و)$/u;
const INSTANCE_MAX_WORDS = 5;

/**
 * Who a quoted sentence says is speaking, the way agencies attribute every statement: «سعید نبیل
 * رئیس سازمان صنعت… اظهار داشت: …», «وی بیان کرد: …», «نبیل عنوان کرد: …», «استاندار قزوین در
 * بخش دیگری از این جلسه … گفت: …». The speaker is the phrase that opens the sentence, up to the
 * first word that starts an adverbial («در», «با», «همچنین»…) or the speech verb before the colon.
 * `pronoun` when it is only «وی», «او», «ایشان» or «این مسئول»: who that is, the sentences before tell.
 */
export function findSpeaker(sentence: string): Speaker | undefined {
  const colon = sentence.indexOf(":");
  if (colon < 0 || colon > SPEAKER_HEAD_MAX) return undefined;
  const head = sentence.slice(0, colon);
  if (!SPEECH_VERB_AT_END.test(normalizeForMatch(head))) return undefined;
  // «به گزارش خبرگزاری تسنیم از قزوین، وزیر … گفت:»: the agency's credit comes before the speaker.
  // «باشگاه خبرنگاران جوان - اکبر ابدالی گفت:», «…؛زهره شعبانی _اکبر ابدالی … اظهار کرد:» likewise.
  const credit = /^\s*به\s+گزارش[^،,]*[،,]/u.exec(head);
  const from = Math.max(credit ? credit[0].length : 0, ...["-", "–", "_", "؛"].map((c) => head.lastIndexOf(c) + 1));
  const words = wordsOf(head, from);
  let end = 0;
  for (let i = 0; i < words.length; i++) {
    const w = words[i]!;
    if (i > 0 && (SPEAKER_ENDS.test(w.norm) || SPEECH_VERB_AT_START.test(normalizeForMatch(head.slice(w.start)))))
      break;
    end = i + 1;
  }
  const phrase = words.slice(0, end);
  const first = phrase[0];
  if (!first || phrase.length > SPEAKER_MAX_WORDS) return undefined;
  // «این مسئول تاکید کرد:» points back as «وی» does.
  const pronoun =
    (PRONOUNS.test(first.norm) && phrase.length === 1) ||
    (phrase.length === 2 && /^(?:این|همین)$/u.test(first.norm) && BACK_NOUNS.test(phrase[1]!.norm));
  if (!pronoun && (PRONOUNS.test(first.norm) || STOPWORDS.has(first.norm) || NOT_SPEAKERS.test(first.norm)))
    return undefined;
  const last = phrase[phrase.length - 1]!;
  return { text: sentence.slice(first.start, last.end), start: first.start, end: last.end, pronoun };
}

export interface Speaker extends Found {
  /** The speaker is «وی», «او», «ایشان» or «این مسئول», named in an earlier sentence. */
  pronoun: boolean;
}

/** How far into a sentence its attribution may end: past that, a colon introduces a list. */
const SPEAKER_HEAD_MAX = 300;
const SPEAKER_MAX_WORDS = 14;
const PRONOUNS = /^(?:وی|او|ایشان)$/u;
/** «این مسئول», «این مقام», «این استاندار»: a speaker named before. */
const BACK_NOUNS =
  /^(?:مسئول|مسوول|مقام|مدیر|مدیرکل|استاندار|وزیر|نماینده|مدیرعامل|سخنگو|معاون|فرماندار|شهردار|کارشناس|فعال|مقام)$/u;
/** Words of a sentence's opening that end its speaker: adverbials, the time, «که». */
const SPEAKER_ENDS =
  /^(?:در|با|ضمن|طی|به|از|برای|درباره|دربارهی|پیرامون|همچنین|نیز|هم|امروز|دیروز|امشب|روز|عصر|صبح|شب|ظهر|بامداد|که|پس|سپس|بعد|اخیرا|ادامه|اشاره)$/u;
/** Openings that are not a speaker: «باید گفت:», «می‌توان گفت:». */
const NOT_SPEAKERS = /^(?:باید|میتوان|نمیتوان|لازم|گفتنی|گفتنیست|همچنین|سپس)$/u;
/** The verbs that attribute a statement, in `normalizeForMatch` form (ZWNJ dropped). */
const SPEECH_VERBS =
  "(?:گفت|گفته است|افزود|اضافه کرد|اظهار (?:داشت|کرد)|بیان (?:کرد|داشت|نمود)|عنوان (?:کرد|داشت|نمود)|تصریح (?:کرد|نمود)|تاکید (?:کرد|نمود)|خاطر ?نشان (?:کرد|ساخت|نمود)|ادامه داد|اعلام (?:کرد|داشت|نمود)|یاداور (?:شد|گردید)|یاداوری کرد|توضیح داد|ابراز (?:کرد|داشت)|اذعان (?:کرد|داشت)|تشریح کرد|مطرح کرد|میگوید|می گوید|نوشت)";
const SPEECH_VERB_AT_END = new RegExp(`(?:^|\\s)${SPEECH_VERBS}$`, "u");
const SPEECH_VERB_AT_START = new RegExp(`^(?:و )?${SPEECH_VERBS}$`, "u");

/**
 * Names standing without a role («از برنامه‌های فاطمه مهاجرانی در سفر…»): a common first name
 * and the one or two words after it. Used for the holder of a role the text names elsewhere.
 */
export function findNames(sentence: string): Found[] {
  const words = [...sentence.matchAll(/[\p{L}\p{M}\u200c]+/gu)].map((m) => ({
    norm: normalizeForMatch(m[0]),
    start: m.index!,
    end: m.index! + m[0].length,
  }));
  const out: Found[] = [];
  for (let i = 0; i < words.length - 1; i++) {
    if (!NAME_STARTS.has(words[i]!.norm)) continue;
    let j = i + 1;
    const ok = (k: number) =>
      k < words.length &&
      !STOPWORDS.has(words[k]!.norm) &&
      !ROLES.test(words[k]!.norm) &&
      !NOT_NAMES.test(words[k]!.norm) &&
      !NAME_STOP.test(sentence.slice(words[k - 1]!.end, words[k]!.start));
    if (!ok(j)) continue;
    if ((NAME_STARTS.has(words[j]!.norm) || NAME_MIDDLES.test(words[j]!.norm)) && ok(j + 1)) j++;
    out.push({ text: sentence.slice(words[i]!.start, words[j]!.end), start: words[i]!.start, end: words[j]!.end });
    i = j;
  }
  return out;
}

import { normalizeForMatch } from "../core/persian/normalize.ts";
import { findPlaces } from "../core/persian/places.ts";
import { isStopword } from "../core/persian/stopwords.ts";
import { term, tokenize } from "../core/persian/tokens.ts";

/**
 * What kind of answer a Persian question wants, read from its question words:
 * «چند / چقدر / چه مقدار / چه تعداد» an amount, «چه کسی / کیست» a person, «کجا» a place,
 * «کی / چه زمانی / چه سالی» a time, «چرا» a reason, «آیا» yes or no, «… چیست / یعنی چه» a
 * definition, «چگونه» a manner, «چه … هایی / نام ببرید» a list, «خلاصه» the article's gist, and
 * questions about the article itself («این خبر کی منتشر شد؟»): its metadata.
 */
export type QuestionKind =
  | "quantity"
  | "person"
  | "place"
  | "time"
  | "reason"
  | "yesno"
  | "definition"
  | "manner"
  | "list"
  | "summary"
  | "metadata"
  | "statement"
  | "fact";

/** What an amount measures: the unit an answer must have («ارزش» → money, «وزن» → weight). */
export type Measure = "money" | "weight" | "percent" | "duration" | "count" | "area" | "length" | "volume" | "energy";

/** Which of the article's own facts a metadata question asks for. */
export type MetadataField = "published" | "source" | "reporter";

export interface QuestionAnalysis {
  kind: QuestionKind;
  /** The question in normalised form (see `normalizeForMatch`). */
  text: string;
  /** The question without its question phrases: what the articles must talk about. */
  content: string;
  /** The counted noun of «چند X»: «چند پروانه» → «پروانه». Analyzed form. */
  unit?: string;
  /** What an amount question measures, when the question says («چند تن», «ارزش», «چند درصد»). */
  measure?: Measure;
  /** Numbers the question itself states: they are context, not the answer. */
  numbers: Set<string>;
  /** For a person question, the role asked about: «سخنگوی دولت کیست؟» → «سخنگوی دولت». */
  role?: string;
  /** A person question that asks who said something: «چه کسی گفت …؟», «گوینده این آمار کیست؟». */
  speaker?: boolean;
  /** What a «چندم» question ranks («قم در رده چندم …؟» → «رده»), `normalizeForMatch` form. */
  ordinal?: string;
  /** The noun of a «کدام» question («کارگران کدام واحد …؟» → «واحد»), `normalizeForMatch` form. */
  which?: string;
  /** «ساعت برگزاری نمایشگاه چیست؟»: a definition question whose answer is a time. */
  asksTime?: boolean;
  /** For a metadata question, the field asked for. */
  field?: MetadataField;
  /** Places the question names («قزوین», «اصفهان»): an answer must be about them. */
  places: string[];
  /** Periods the question names («فروردین», «شش ماه نخست», «سال گذشته»), analyzed terms of each. */
  periods: string[][];
}

// Patterns run on normalizeForMatch output (Latin digits, no ZWNJ, آ folded to ا).
const THIS_ARTICLE = /(?:این|همین)\s+(?:خبر|گزارش|مطلب|مقاله|متن)/u;
const METADATA: ReadonlyArray<[MetadataField, RegExp]> = [
  [
    "reporter",
    /(?:خبرنگار|نویسنده|گزارشگر|تهیه کننده)\s+(?:این|همین)\s+(?:خبر|گزارش|مطلب)|(?:این|همین)\s+(?:خبر|گزارش|مطلب)\s+(?:را\s+)?(?:کی|چه کسی)\s+(?:نوشت|نوشته|تهیه)/u,
  ],
  [
    "source",
    /(?:منبع|خبرگزاری|رسانه|ناشر)\s+(?:این|همین)\s+(?:خبر|گزارش|مطلب)|(?:این|همین)\s+(?:خبر|گزارش|مطلب)\s+(?:از|مال|متعلق به)\s+(?:کدام|چه)\s+(?:خبرگزاری|رسانه|سایت|منبع)|(?:کدام|چه)\s+(?:خبرگزاری|رسانه)\s+(?:این|همین)\s+(?:خبر|گزارش)/u,
  ],
  [
    "published",
    /(?:تاریخ|زمان)\s+(?:انتشار|نشر)|(?:کی|چه زمانی|چه روزی|چه تاریخی|چه وقت)\s+(?:منتشر|چاپ)|منتشر\s+(?:شد|شده)\s+(?:کی|چه زمانی)/u,
  ],
];

const KINDS: ReadonlyArray<[QuestionKind, RegExp]> = [
  [
    "statement",
    /چه (?:گفت|گفته|گفتند|اظهار|عنوان|بیان|تاکید)|چه نظری|نظر .* (?:چیست|چه بود|چیه)|درباره .* چه (?:گفت|گفته)/u,
  ],
  ["summary", /خلاصه|درباره چیست|موضوع (?:این )?(?:خبر|گزارش)|این خبر (?:درباره )?چیست|چه میگوید|نکات (?:مهم|اصلی)/u],
  ["yesno", /^(?:ایا|مگر)\s/u],
  ["reason", /چرا|به چه دلیل|به چه علت|(?:علت|دلیل)\s.*(?:چیست|چه بود|چه است)|به خاطر چه|برای چه\s/u],
  ["person", /چه کسی|چه کسانی|کیست|کیه|کی(?: |)است|کی بود|چه شخصی|چه فردی|نام (?:او|وی|ایشان)|اسم (?:او|وی)|توسط چه/u],
  [
    "quantity",
    /چند(?!م|ین)|چقدر|چه مقدار|چه تعداد|چه میزان|چه مدت|چقدر طول|(?:تعداد|میزان|ارزش|مبلغ|وزن|حجم|سهم)\s.*(?:چیست|چه بود|چه است|چقدر)|مبلغ/u,
  ],
  [
    "time",
    /چه زمانی|چه وقت|چه سالی|چه تاریخی|چه روزی|چه ماهی|چه ساعتی|چه قرنی|چه سده|(?:^| )(?:از |تا )?کی(?: |$|\?|؟)|تاریخ .* چیست/u,
  ],
  [
    "place",
    /کجا|در کدام (?:شهر|استان|کشور|محل|منطقه|قسمت|نقطه)|چه شهری|چه استانی|چه کشوری|کدام کشور|کدام شهر|کدام استان|چه محلی|چه مکانی/u,
  ],
  ["manner", /چگونه|چطور|چه طور|چجوری|به چه شکل|به چه صورت|به چه روش/u],
  ["definition", /(?:به )?چه معنا|یعنی چه|معنی .* چیست|معنای .* چیست|(?:^|\s)[\p{L}\s]{2,40}\s(?:چیست|چیه)\s*[؟?]?$/u],
  ["list", /چه [\p{L}]+(?:ها|های|هایی|ان|انی)(?:ی)?(?:\s|$)|نام ببرید|را نام ببر|فهرست|کدام(?:ها| ها)/u],
];

/** Any question word: without one, a question is a phrase («صادرات قم در فروردین»). */
const ASKS = /چه|چی|کدام|کی|کجا|چرا|چگونه|چطور|ایا|چند|چقدر|ایا|است\s*[؟?]?$|بود\s*[؟?]?$/u;
/** What a bare phrase asks the figure of. */
const FIGURES =
  /(?<![\p{L}])(?:صادرات|واردات|فروش|درامد|بودجه|ارزش|تولید|اشتغال|سرمایه گذاری|سرمایهگذاری|جمعیت)(?![\p{L}])/u;

/** Words that scale a number («هزار», «میلیارد»): never the unit counted. */
const MAGNITUDES = new Set(["صد", "هزار", "میلیون", "میلیارد", "بیلیون", "تریلیون"]);

/** Words that ask for money, weight, a share, a duration, an area: what an amount must measure. */
const MEASURES: ReadonlyArray<[Measure, RegExp]> = [
  ["percent", /درصد/u],
  ["money", /صادرات|واردات|ارزش|اعتبار|مبلغ|قیمت|سرمایه|بودجه|درامد|دلار|تومان|ریال|یورو|هزینه|بها|پول/u],
  ["weight", /وزن|چند تن|تناژ|کیلو|چه مقدار کالا|چند تن/u],
  ["duration", /چند (?:روز|ماه|سال|ساعت|دقیقه|هفته|دهه|قرن)|چه مدت|چقدر طول|مدت زمان/u],
  ["area", /مساحت|هکتار|متر مربع|کیلومتر مربع/u],
  ["length", /طول|ارتفاع|عمق|فاصله|چند متر|چند کیلومتر/u],
  ["volume", /حجم|لیتر|مترمکعب|متر مکعب|بشکه/u],
  ["energy", /مگاوات|کیلووات|ظرفیت تولید برق/u],
];

/**
 * What an amount question measures: a unit word it names («چند تن», «چند درصد», «چند روز»), a
 * counted noun («چند پروانه»), else money when it asks about value or trade («ارزش», «صادرات»).
 */
function measureOf(text: string, unit: string | undefined): Measure | undefined {
  const named = MEASURES.find(([m, p]) => m !== "money" && p.test(text))?.[0];
  if (named) return named;
  if (unit && !/^(?:دلار|تومان|ریال|یورو)/u.test(unit)) return "count";
  return MEASURES.find(([m]) => m === "money")![1].test(text) ? "money" : undefined;
}

/**
 * Phrases that only say what kind of answer is wanted («چه مدتی», «چه مقدار», «کدام»): removed
 * before analysis so «مدت» in «در چه مدتی انجام شد؟» is not looked for in the articles.
 */
const QUESTION_PHRASES =
  /چه\s*(?:مدت|زمان|سال|تاریخ|روز|ماه|ساعت|مقدار|تعداد|میزان|کس|کسان|شخص|فرد|چیز|نوع)ی?(?![\p{L}])/gu;

/** The question without its question phrases: the words the articles must contain. */
export function questionContent(question: string): string {
  const text = normalizeForMatch(question);
  const content = text.replace(QUESTION_PHRASES, " ");
  // «چه کسی گفت …؟» is answered by «وی بیان کرد: …»: the verb says what is asked, like «چه کسی».
  // So is «کی» («کی اینو گفته؟»); «این آمار» and the spoken «اینو» point back to the last answer.
  return asksSpeaker(text)
    ? content
        .replace(SPEECH_WORDS, " ")
        .replace(/(?<![\p{L}])(?:این|ان) (?:امار|رقم|جمله|حرف|سخن|مطلب|ادعا)(?![\p{L}])/gu, " ")
        .replace(/(?<![\p{L}])(?:کی|اینو|اونو)(?![\p{L}])/gu, " ")
    : content;
}

/** «چه کسی گفت …؟», «گوینده این آمار کیست؟», «کی اینو گفته؟» (`normalizeForMatch` form). */
function asksSpeaker(text: string): boolean {
  return ASKS_WHO.test(text) && SPEECH_WORDS_TEST.test(text);
}

// «برای چه کسانی می‌گوید» asks to whom someone speaks: after a preposition, not the speaker.
const ASKS_WHO =
  /(?<!(?:برای|به|از|با|در|نزد|پیش|توسط|درباره) )(?:چه کسی|چه کسانی|چه شخصی|چه فردی)|کیست|کیه|^کی\s|(?:^|\s)کی (?:گفت|گفته|زد|زده)(?![\p{L}])|گوینده|به گفته چه|از قول چه/u;
const SPEECH =
  "حرف(?: [^ ]+){0,2} زده?|گفته است|گفته|گفت|میگوید|میگفت|اظهار (?:داشت|کرد)|اظهار|بیان (?:کرد|داشت)|اعلام (?:کرد|داشت)|تاکید (?:کرد|داشت)|تصریح کرد|افزود|خاطر ?نشان (?:کرد|ساخت)|عنوان کرد|گوینده|به گفته|از قول|نقل قول";
const SPEECH_WORDS = new RegExp(`(?<![\\p{L}])(?:${SPEECH})(?![\\p{L}])`, "gu");
const SPEECH_WORDS_TEST = new RegExp(`(?<![\\p{L}])(?:${SPEECH})(?![\\p{L}])`, "u");

/** Jalali and Gregorian month names in normalised form (آ folded to ا), as a regex alternation. */
export const MONTH_NAMES =
  "فروردین|اردیبهشت|خرداد|تیر|مرداد|شهریور|مهر|ابان|اذر|دی|بهمن|اسفند|ژانویه|فوریه|مارس|اوریل|ژوئن|ژوئیه|اوت|سپتامبر|اکتبر|نوامبر|دسامبر";
/** Periods a question may name: months, «شش ماه نخست», «سال گذشته», a year. */
const PERIOD = new RegExp(
  [
    `(?:[0-9]+|یک|دو|سه|چهار|پنج|شش|هفت|هشت|نه|ده|یازده|دوازده)\\s+ماه(?:ه)?(?:\\s+(?:نخست|اول|دوم|گذشته|اخیر|پایانی|آخر|سپری شده))?`,
    `(?:نیمه|نیم)\\s+(?:نخست|اول|دوم)`,
    `سال\\s+(?:گذشته|قبل|پیش|اینده|اتی)`,
    `(?:سال|سالهای)\\s+[0-9]{4}`,
    // A year alone, also in brackets or before a comma: «لوسی (۲۰۱۴)».
    `(?<![0-9\\p{L}])[0-9]{4}(?![0-9\\p{L}])`,
    `(?<![\\p{L}])(?:${MONTH_NAMES})(?:\\s*ماه)?(?![\\p{L}])`,
    `(?<![\\p{L}])(?:امسال|سالجاری|سال جاری|پارسال)(?![\\p{L}])`,
  ].join("|"),
  "gu",
);

export function analyzeQuestion(question: string): QuestionAnalysis {
  const text = normalizeForMatch(question);
  const field =
    THIS_ARTICLE.test(text) || /منتشر/u.test(text) ? METADATA.find(([, p]) => p.test(text))?.[0] : undefined;
  let kind: QuestionKind = field ? "metadata" : (KINDS.find(([, pattern]) => pattern.test(text))?.[0] ?? "fact");
  // «صادرات قم در فروردین و اردیبهشت»: a bare phrase about a figure asks for the figure.
  if (kind === "fact" && !ASKS.test(text) && FIGURES.test(text)) kind = "quantity";
  const tokens = tokenize(question);
  // The counted noun: «چند پروانه», or «تعداد شهرکها … چند است».
  let unit: string | undefined;
  for (const marker of ["چند", "تعداد"]) {
    // «چند تا شهرک» counts «شهرک».
    let at = tokens.indexOf(marker) + 1;
    if (tokens[at] === "تا") at++;
    // «چند هزار میلیارد تومان» counts tomans: the magnitudes are part of the number asked.
    while (MAGNITUDES.has(tokens[at] ?? "")) at++;
    const next = tokens[at];
    if (tokens.includes(marker) && next && !/^[0-9]/.test(next) && !isStopword(next)) {
      unit = term(next);
      break;
    }
  }
  const numbers = new Set(tokens.filter((t) => /^[0-9]/.test(t)));
  const measure = kind === "quantity" ? measureOf(text, unit) : undefined;
  const role = kind === "person" ? roleAsked(text) : undefined;
  // «کی اینو گفته؟» asks who, not when.
  const speaker = (kind === "person" || kind === "time" || kind === "fact") && asksSpeaker(text);
  if (speaker) kind = "person";
  // «در رده چندم», «چندمین دوره»: the rank is the word the article puts after the noun.
  const ordinal =
    kind === "fact" ? (/(\p{L}+)\s+چندم(?!ین)/u.exec(text) ?? /چندمین\s+(\p{L}+)/u.exec(text))?.[1] : undefined;
  const which = kind === "fact" ? /(?<![\p{L}])کدام\s+(\p{L}+)/u.exec(text)?.[1] : undefined;
  // Read as a definition («… چیست») by the learned models, answered with a time by the rules.
  const asksTime = kind === "definition" && /^(?:ساعت|زمان|تاریخ)\s/u.test(text);
  return {
    kind,
    text,
    content: questionContent(question),
    ...(unit && { unit }),
    ...(measure && { measure }),
    numbers,
    ...(role && { role }),
    ...(speaker && { speaker }),
    ...(ordinal && { ordinal }),
    ...(which && { which }),
    ...(asksTime && { asksTime }),
    ...(field && { field }),
    places: findPlaces(text).map((p) => p.name),
    periods: periodsIn(text),
  };
}

const NUMBER_WORDS = new Map(
  Object.entries({
    یک: "1",
    دو: "2",
    سه: "3",
    چهار: "4",
    پنج: "5",
    شش: "6",
    هفت: "7",
    هشت: "8",
    نه: "9",
    ده: "10",
    یازده: "11",
    دوازده: "12",
  }),
);
const PERIOD_SYNONYMS = new Map(
  Object.entries({ اول: "نخست", قبل: "گذشته", پیش: "گذشته", پارسال: "گذشته", سالجاری: "امسال", جاری: "امسال" }),
);

/** The periods a text names, each as comparable terms (see `periodTerms`). */
export function periodsIn(text: string): string[][] {
  return [...normalizeForMatch(text).matchAll(PERIOD)].map((m) => periodTerms(m[0]));
}

/**
 * A period as comparable terms: «شش ماه نخست» and «۶ ماه اول» both give ["6", "ماه", "نخست"];
 * «ماه» after a month name and «سال» before a year are dropped.
 */
export function periodTerms(period: string): string[] {
  return tokenize(period)
    .map((t) => NUMBER_WORDS.get(t) ?? PERIOD_SYNONYMS.get(t) ?? t)
    .filter((t, i, all) => !(t === "ماه" && i > 0 && !/^[0-9]/.test(all[i - 1]!)) && t !== "سال" && t !== "سالهای");
}

/** Words that name a post or a trade: «X کیست؟» asks for its holder, not about a person named X. */
const ROLE_WORDS =
  /(?<![\p{L}])(?:رئیس|رییس|مدیرکل|مدیر|استاندار|وزیر|نماینده|مدیرعامل|سخنگو|سخنگوی|معاون|دبیر|دبیرکل|فرماندار|شهردار|امام|سفیر|فرمانده|دادستان|عضو|مشاور|قائممقام|رهبر|کارگردان|نویسنده|سرپرست|بخشدار|دهیار|مسئول|متولی|مالک|بنیانگذار|موسس|خالق|سازنده|مربی|کاپیتان|سرمربی|قهرمان|برنده|ریاست)/u;

/** «سخنگوی دولت کیست؟» → «سخنگوی دولت»; «رئیس سازمان صمت قزوین چه کسی است؟» → the role. */
function roleAsked(text: string): string | undefined {
  const m =
    /^(?:ایا\s+)?(.{3,80}?)\s*(?:کیست|کیه|کی است|کی بود|چه کسی است|چه کسی بود|چه کسی هست|چه کسانی هستند|چه کسانی بودند|کیستند|چه کسی)$/u.exec(
      text.replace(/[؟?!.\s]+$/gu, ""),
    );
  if (!m) return undefined;
  const role = m[1]!.trim();
  return ROLE_WORDS.test(role) && role.split(/\s+/u).length <= 10 ? role : undefined;
}

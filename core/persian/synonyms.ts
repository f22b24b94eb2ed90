import { formalizeQuestion } from "./colloquial.ts";
import { analyze } from "./tokens.ts";

/**
 * Words of news Persian that say the same thing, so a question in the reader's words reaches an
 * article in its own: «مهم‌ترین گرفتاری صنایع کوچک» asks what the article calls «مهمترین مشکل»,
 * «وزن کالاهایی که به خارج فرستاد» what it calls «۴۳۳ هزار تن کالا … صادر شده است».
 *
 * Read on the question side only (answer/match.ts, answer/retrieve.ts): an article is indexed
 * with its own words, and a question's term also looks for the other words of its groups, at a
 * lower weight than its own. Nothing here changes an index.
 *
 * The table is hand-written for the news domain (no word of it is learned from a data set). One
 * line per group, its members separated by «،»:
 *
 * - `a، b، c`: each member stands for each other one.
 * - `a > b، c`: one way: a question saying «a» may be answered by text saying «b» or «c», not the
 *   reverse. For a word with a wide sense that would find too much («کار» is a job, and any
 *   work), and for a question word the text answers with a unit («وزن» → «تن»).
 *
 * Members are written as a reader writes them (with ZWNJ, hamza, any suffix) and analyzed at
 * load, so each stands for its term as `term` gives it («گرفتاری» → «گرفتار», «مسئله» →
 * «مسیله»); a member must analyze to one content term (test/persian.test.ts checks). Broken
 * plurals the stemmer cannot join («صنایع» ↔ «صنعت», «مسائل» ↔ «مسئله») are groups too.
 * Phrases of several words go in `PHRASES` instead, rewritten before analysis.
 */
const TABLE = `
# problems and obstacles
مشکل، گرفتاری، معضل، چالش، دغدغه، مسئله، مساله، مسائل، مشکلات
مانع، موانع، گره
# trade
صادرات > صادر
واردات > وارد
صادرکننده، صادرکنندگان
# work and jobs
اشتغال، شغل، مشاغل، شاغل، اشتغالزایی
کار > اشتغال، شغل
استخدام > اشتغال
بیکاری، بیکار
کارمند، کارکنان، پرسنل
دستمزد، مزد > حقوق
کارگر، کارگران
# amounts
مقدار، میزان
وزن > تن، تناژ، کیلوگرم
تعداد، شمار
حجم > مترمکعب
مساحت، وسعت > هکتار
فاصله، مسافت
ارتفاع، بلندی
# value and money
قیمت، بها
ارزش > مبلغ
هزینه، خرج، مخارج
درآمد، عایدی
بودجه، اعتبار، اعتبارات
پول، وجه
یارانه، سوبسید
# heads and posts
رئیس، رییس، مدیرکل، سرپرست
مدیر، مدیرعامل
مسئول، مسوول، متولی
استاندار، والی
نماینده، نمایندگان
نامزد، کاندیدا، کاندید
# making and growth
تولید، ساخت، تولیدات
ساخت، احداث، ساختمان‌سازی
افزایش، رشد، ارتقا، ازدیاد
کاهش، افت، کمبود
توسعه، گسترش
پیشرفت، ترقی
# opening and holding
افتتاح، راه‌اندازی، گشایش، بهره‌برداری
برگزاری، برگزار، برپایی، برپا
آغاز، شروع، ابتدا
پایان، اتمام، خاتمه، انتها
نمایشگاه، اکسپو
جلسه، نشست
دیدار، ملاقات
# firms and places of work
شرکت، بنگاه
شرکت > واحد
کارخانه، کارخانجات
صنعت، صنایع
صنعتگر، صنعتگران
معدن، معادن
منبع، منابع
مرکز، مراکز
پروژه، طرح
# investment and permits
سرمایه‌گذاری، سرمایه‌گذار
مجوز، پروانه، جواز، مجوزها
تصویب، مصوبه، مصوبات
# aims, reasons, effects
هدف، مقصود، اهداف
دلیل، علت، سبب، دلایل، علل
عامل، عوامل
تاثیر، اثر، آثار
نتیجه، نتایج
# time
زمان، هنگام، وقت
نخست، اول
امسال، سالجاری
تاریخ > زمان
# news verbs
اظهار، بیان، تصریح
اعلام، اعلان
# people
کودک، بچه، خردسال، کودکان
زن، بانو، زنان
سالمند، کهنسال، سالمندان
کشاورز، زارع، کشاورزان
اهالی، ساکنان
دانش‌آموز، محصل، دانش‌آموزان
پزشک، دکتر، طبیب، پزشکان
بیمار، مریض، بیماران
بیماری، مرض
خبرنگار، روزنامه‌نگار
گردشگر، توریست، جهانگرد، گردشگران
گردشگری، توریسم، جهانگردی
# accidents and crime
زلزله، زمین‌لرزه
سیل، سیلاب
آتش‌سوزی، حریق
کشته، جانباخته، فوت، درگذشت
زخمی، مجروح، مصدوم
دستگیر، بازداشت
زندان، حبس
دادگاه، محکمه
تصادف، سانحه
حمله، تهاجم
جنگ، نبرد
صلح، آشتی
# things
خودرو، اتومبیل
ماشین > خودرو، اتومبیل
موبایل، گوشی، تلفن‌همراه
رایانه، کامپیوتر
مسکن، خانه، منزل
کالا، محصول، محصولات
فراورده، فراورده‌ها
روستا، دهکده، روستاها
مجلس، پارلمان
هیئت، هیات
کشاورزی، زراعت
خشکسالی، کم‌آبی
هتل، مهمانخانه
# other
حمایت، پشتیبانی
کمک، یاری، مساعدت
تلاش، کوشش
موفقیت، کامیابی
مذاکره، گفتگو، گفت‌وگو
برنده، پیروز
پیروزی، ظفر
شکست، باخت
جایزه، پاداش
مسابقه، رقابت
ثبت‌نام، نام‌نویسی
انتشار، نشر
نام، اسم
نوع، انواع
مهم، عمده، مهمترین، عمده‌ترین، اصلی
بزرگ، کلان
جدید، تازه
خرید، خریداری
ممنوع، ممنوعیت
`;

/** A phrase rule: a pattern on normalised question text, and what it reads as. */
type Rule = [RegExp, string];

const WORD_START = "(?<![\\p{L}\\p{M}])";
const WORD_END = "(?![\\p{L}\\p{M}])";
const rule = (pattern: string, written: string): Rule => [
  new RegExp(`${WORD_START}(?:${pattern})${WORD_END}`, "gu"),
  written,
];

/** Abroad, as the object of sending or buying: «به خارج»، «به کشورهای دیگر». */
const ABROAD = "خارج(?:\\s+از\\s+کشور)?|خارجه|کشورهای\\s+(?:دیگر|خارجی|همسایه)|سایر\\s+کشورها|دیگر\\s+کشورها";
const SENT = "(?:فرستاد|فروخت|میفرست|میفروش|نفرستاد|نفروخت|ارسال)\\p{L}*";
const BROUGHT = "(?:اورد|میاورد|خرید|میخرید|میخر|خریداری|وارد)\\p{L}*";

/**
 * Multiword paraphrases, rewritten before analysis: what a reader says in several words and an
 * article in one («به خارج فرستاد» → «صادرات»). Patterns read normalised text (no ZWNJ, آ folded
 * to ا); each writes what no pattern matches again, so applying them twice gives what once does.
 */
const PHRASES: readonly Rule[] = [
  // exports: «به خارج فرستاد», «فروختیم به خارج», «فروش به خارج». As the noun, which also
  // finds text saying «صادر شد» (`صادرات > صادر`) where the verb «صادر» would not find
  // «صادرات», and would find permits issued («پروانه صادر شد»).
  rule(`(?:به|برای)\\s+(?:${ABROAD})\\s+${SENT}`, "صادرات"),
  rule(`${SENT}\\s+(?:به|برای)\\s+(?:${ABROAD})`, "صادرات"),
  rule(`فروش\\s+(?:به\\s+)?(?:${ABROAD}|خارجی|خارجیها)`, "صادرات"),
  // imports: «از خارج اورد», «خرید از خارج»
  rule(`از\\s+(?:${ABROAD})\\s+${BROUGHT}`, "واردات"),
  rule(`(?:خرید|خریداری)\\s+از\\s+(?:${ABROAD})`, "واردات"),
  // rise and fall said with a verb
  rule("(?:بالا|زیاد|بیشتر)\\s+(?:رفت|رفته|رفتن|میرود|میره|شد|شده|شدن|میشود|میشه)", "افزایش"),
  rule("(?:پایین|کم|کمتر)\\s+(?:امد|امده|امدن|اومد|اومده|میاید|میاد|شد|شده|شدن|میشود|میشه)", "کاهش"),
  // deaths
  rule("جان\\s+(?:خود\\s+را\\s+|شان\\s+را\\s+)?(?:باخت\\p{L}*|از\\s+دست\\s+(?:داد|دادند|داده|دادن)\\p{L}*)", "کشته"),
  // getting work
  rule("(?:کار|شغل)\\s+پیدا\\s+(?:کرد|کردند|کرده|کردن|میکنند|میکند|میکنن|میکنه)", "اشتغال"),
  rule("سر\\s+کار\\s+(?:رفت|رفتند|رفته|میروند|میرود|میرن|میره)", "اشتغال"),
  rule("به\\s*کار\\s*گیری|به\\s+کار\\s+(?:گرفت|گرفتند|گرفته|میگیرد|میگیرند)", "استخدام"),
  // the ministry's acronym, as readers and headlines write it
  rule("صمت", "صنعت معدن و تجارت"),
  // how much, what, who
  rule("چقدر\\s+(?:است|هست|بود)|چند\\s+(?:است|هست)", "چقدر"),
  rule("چی\\s+(?:است|هست)", "چیست"),
  rule("کی\\s+(?:هست)", "کیست"),
];

/**
 * A question's words as the table's phrases and spoken forms say them in writing: spoken forms
 * (colloquial.ts `formalizeQuestion`), then `PHRASES`. Normalised text in and out (see
 * `normalizeForMatch`); idempotent.
 *
 * @example rewritePhrases("وزن کالاهایی که قزوین به خارج فرستاد چقدره") // "وزن کالاهایی که قزوین صادرات چقدر"
 */
export function rewritePhrases(text: string): string {
  let out = formalizeQuestion(text);
  for (const [pattern, written] of PHRASES) out = out.replace(pattern, written);
  return out;
}

interface Table {
  /** term → the other terms it may be answered by. */
  alternatives: Map<string, readonly string[]>;
  /** term → the terms a one-way rule gives it (`a > b`): the words the text answers it with. */
  answeredBy: Map<string, readonly string[]>;
  /** Members that do not analyze to one content term: a mistake in the table. */
  unanalyzable: string[];
}

function readTable(table: string): Table {
  const found = new Map<string, Set<string>>();
  const oneWay = new Map<string, Set<string>>();
  const unanalyzable: string[] = [];
  const termsOf = (members: string) =>
    members
      .split("،")
      .map((m) => m.trim())
      .filter((m) => m !== "")
      .flatMap((m) => {
        const terms = analyze(m);
        if (terms.length === 1) return terms;
        unanalyzable.push(m);
        return [];
      });
  const add = (from: string, to: string) => {
    if (from === to) return;
    let set = found.get(from);
    if (!set) found.set(from, (set = new Set()));
    set.add(to);
  };
  for (const line of table.split("\n")) {
    if (line.trim() === "" || line.trim().startsWith("#")) continue;
    const [left, right] = line.split(">");
    const from = termsOf(left!);
    if (right === undefined) {
      for (const a of from) for (const b of from) add(a, b);
    } else {
      const to = termsOf(right);
      for (const a of from) for (const b of [...from, ...to]) add(a, b);
      for (const a of from) for (const b of to) if (a !== b) oneWay.set(a, (oneWay.get(a) ?? new Set<string>()).add(b));
    }
  }
  return {
    alternatives: new Map([...found].map(([t, set]) => [t, Object.freeze([...set])])),
    answeredBy: new Map([...oneWay].map(([t, set]) => [t, Object.freeze([...set])])),
    unanalyzable,
  };
}

const READ = readTable(TABLE);
const NONE: readonly string[] = Object.freeze([]);

/**
 * The terms that may stand for a term in an answer (analyzed: as `term` gives them), from every
 * group it is in; empty when it has none. Shared and frozen: not to be changed.
 *
 * @example synonymsOf(term("گرفتاری")) // includes term("مشکل"), term("چالش"), …
 */
export function synonymsOf(term: string): readonly string[] {
  return READ.alternatives.get(term) ?? NONE;
}

/**
 * The terms a one-way rule says a term is answered by («صادرات» → «صادر», «وزن» → «تن»): a
 * subset of `synonymsOf`, the words an article uses for what the reader asks, not words of a
 * like sense.
 */
export function answeredBy(term: string): readonly string[] {
  return READ.answeredBy.get(term) ?? NONE;
}

/** Table members that do not analyze to one content term (for the tests: none should). */
export const UNANALYZABLE_MEMBERS: readonly string[] = READ.unanalyzable;

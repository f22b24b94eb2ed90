import { ZWNJ } from "./normalize.ts";

/**
 * The zero-width non-joiner where written Persian puts it, for text that has none.
 *
 * Many Persian sites publish without ZWNJ («میشود», «فرصتهای», «دانشبنیان», «پروژه ها»), and
 * text Goftogu writes from theirs (suggested questions) would carry the same faults to readers.
 * `writeZwnj` restores the half-space in the places a careful editor would, and only where the
 * word leaves no doubt: the verb prefix «می‌»/«نمی‌» before a known verb, the plural «‌ها» after a
 * joining letter, «‌ای»/«‌اند» after a silent «ه», «‌ترین», and a list of compounds news
 * writes often. A text that needs no change (`missingZwnj(text)` is empty) is written right as
 * far as these rules see; the widget's and the demo site's own texts are held to that.
 */

// Present and past stems of the verbs news and readers use with «می»: «می‌شود», «می‌خوای».
const STEMS = [
  // present
  "شو",
  "کن",
  "ده",
  "گیر",
  "رس",
  "رسان",
  "رو",
  "ای",
  "یاب",
  "گوی",
  "گو",
  "توان",
  "خواه",
  "خوا",
  "دان",
  "بین",
  "سپار",
  "ساز",
  "گذار",
  "پذیر",
  "افزای",
  "افزا",
  "مان",
  "باش",
  "دار",
  "کوش",
  "پرداز",
  "نشین",
  "اور",
  "بر",
  "خور",
  "زن",
  "کاه",
  "فرست",
  "نویس",
  "خوان",
  "پوش",
  "گرد",
  "شناس",
  "طلب",
  "جوی",
  "اندیش",
  "ریز",
  "بخش",
  "کش",
  "گشای",
  "بند",
  "خر",
  "فروش",
  "پرس",
  "نگر",
  "آموز",
  "اموز",
  "نمای",
  "شمار",
  "افت",
  "چرخ",
  "گذر",
  "ترس",
  "پیوند",
  "سوز",
  "کار",
  "روی",
  "جنگ",
  "بال",
  "خند",
  "گری",
  "دو",
  "ایست",
  "افتد",
  // past
  "شد",
  "کرد",
  "داد",
  "گرفت",
  "رسید",
  "رساند",
  "رفت",
  "امد",
  "یافت",
  "گفت",
  "توانست",
  "خواست",
  "دانست",
  "دید",
  "ساخت",
  "گذاشت",
  "پذیرفت",
  "افزود",
  "ماند",
  "بود",
  "داشت",
  "زد",
  "برد",
  "خورد",
  "اورد",
  "نوشت",
  "خواند",
  "پرداخت",
  "فروخت",
  "شناخت",
  "کشید",
  "پرسید",
  "افتاد",
  "کوشید",
  "گذشت",
  "نشست",
  "ایستاد",
];
/** Words that start like a verb with «می» and are not one. */
const NOT_VERBS = new Set(["میدان", "میدانی", "میدانها", "میدانهای", "میراث", "میزبان"]);
const PERSON_ENDINGS = ["", "م", "ی", "د", "یم", "ید", "ند", "ه", "ست"];
const VERB = new RegExp(`^(?:${STEMS.join("|")})(?:${PERSON_ENDINGS.filter(Boolean).join("|")})?$`, "u");

/** Plural and possessive endings written after «ها». */
const PLURALS = /^(.+?)(ها|های|هایی|هایش|هایشان|هایمان|هایتان|هایم|هاست)$/u;
/** Words that end in «ها» of their own: not a plural. */
const NOT_PLURALS = new Set([
  "تنها",
  "تنهایی",
  "رهایی",
  "نهایی",
  "انتهای",
  "انتهایی",
  "اشتها",
  "اشتهای",
  "فقها",
  "سها",
  "کهربا",
  "اینها",
  "انها",
]);
/** Superlatives written joined by custom: «بیشترین», «کمترین», «بهترین». */
const JOINED_COMPARATIVES = new Set(["بیش", "کم", "به", "مه"]);
/**
 * Nouns ending in a silent «ه» that readers meet with an ezafe: «درباره‌ی», «همه‌ی». Listed,
 * because «توجهی» or «فقهی» end in a sounded «ه» and take no ZWNJ.
 */
const SILENT_HEH = new Set([
  "درباره",
  "همه",
  "خلاصه",
  "نتیجه",
  "ادامه",
  "نامه",
  "برنامه",
  "مقاله",
  "صفحه",
  "خانه",
  "جامعه",
  "مجموعه",
  "شماره",
  "اداره",
  "دوره",
  "نمونه",
  "تجربه",
  "مرحله",
  "مسئله",
  "مساله",
  "نقطه",
  "لحظه",
  "هفته",
  "گذشته",
  "اینده",
  "نماینده",
  "نویسنده",
  "پرونده",
  "بودجه",
  "منطقه",
  "هزینه",
  "زمینه",
  "رابطه",
  "جلسه",
  "پروژه",
  "شبکه",
  "چرخه",
  "توسعه",
]);
/** Letters that do not join the next one: after them «ها» is written attached («کارها»). */
const NON_JOINING = /[اآأإدذرزژو]$/u;

/** Compounds written with ZWNJ, found whether written joined or with a space. */
const COMPOUNDS = [
  "پیش‌بینی",
  "پیش‌نویس",
  "دانش‌بنیان",
  "بهره‌برداری",
  "بهره‌بردار",
  "بهره‌مند",
  "بهره‌وری",
  "سرمایه‌گذاری",
  "سرمایه‌گذار",
  "برنامه‌ریزی",
  "هم‌افزایی",
  "هم‌جواری",
  "بین‌المللی",
  "بین‌الملل",
  "راه‌اندازی",
  "اولویت‌دار",
  "اولویت‌بندی",
  "تاب‌آوری",
  "ظرفیت‌سازی",
  "شکل‌گیری",
  "تصمیم‌گیری",
  "اشتغال‌زایی",
  "مشکل‌دار",
  "پیشینه‌دار",
  "شبانه‌روزی",
  "فوق‌العاده",
  "جست‌وجو",
  "گفت‌وگو",
  "وقت‌گیر",
  "جمع‌بندی",
  "دسته‌بندی",
  "رتبه‌بندی",
  "زمان‌بندی",
  "سازمان‌دهی",
  "نتیجه‌گیری",
  "بی‌وقفه",
].filter((c) => c.includes(ZWNJ));
/** Suffixes a compound may carry: «سرمایه‌گذاری‌های». */
const COMPOUND_TAILS = /^(?:|ی|ها|های|هایی|ان|ای|اش)$/u;

/** Folds the letters readers and sites vary (ي ك ۀ آ) one for one, so offsets stay. */
function fold(word: string): string {
  return word.replace(/[يكۀةآ]/gu, (ch) => ({ ي: "ی", ك: "ک", ۀ: "ه", ة: "ه", آ: "ا" })[ch]!);
}

const COMPOUND_KEYS = new Map(COMPOUNDS.map((c) => [fold(c.replaceAll(ZWNJ, "")), c]));

export interface ZwnjOptions {
  /**
   * Whether a word stands on its own in the text the words come from: «فرصت» for «فرصتهای».
   * Given, the plural rule needs that evidence; without it every joining letter before «ها» counts.
   */
  isWord?: (word: string) => boolean;
}

/**
 * The text with ZWNJ written where the rules above are sure: «میشود» → «می‌شود», «می شود» →
 * «می‌شود», «فرصتهای» → «فرصت‌های», «پروژه ها» → «پروژه‌ها», «ریشه ای» → «ریشه‌ای»,
 * «مهمترین» → «مهم‌ترین», «بهره برداری» → «بهره‌برداری». Anything else is left as written.
 */
export function writeZwnj(text: string, options: ZwnjOptions = {}): string {
  return rewrite(text, options, () => {});
}

/** The words of `text` that `writeZwnj` would write otherwise, each with its correction. */
export function missingZwnj(text: string, options: ZwnjOptions = {}): Array<{ written: string; expected: string }> {
  const out: Array<{ written: string; expected: string }> = [];
  rewrite(text, options, (written, expected) => out.push({ written, expected }));
  return out;
}

function rewrite(text: string, options: ZwnjOptions, changed: (written: string, expected: string) => void): string {
  // Words and what separates them, so two-word forms («می شود», «پروژه ها») can be joined:
  // [gap, word, gap, word, …, gap].
  const parts = text.split(/([\p{L}\p{M}\u200c]+)/u);
  for (let i = 1; i < parts.length; i += 2) {
    const word = parts[i]!;
    const gap = parts[i + 1] ?? "";
    const next = parts[i + 2];
    if (next !== undefined && gap === " ") {
      const joined = joinPair(word, next);
      if (joined) {
        changed(`${word} ${next}`, joined);
        parts.splice(i, 3, joined);
        continue;
      }
    }
    const fixed = fixWord(word, options);
    if (fixed !== word) changed(word, fixed);
    parts[i] = fixed;
  }
  return parts.join("");
}

/** Two words that are one: «می شود», «پروژه ها», «ریشه ای», «بهره برداری», «بی وقفه» (listed). */
function joinPair(first: string, second: string): string | undefined {
  const a = fold(first);
  const b = fold(second);
  if ((a === "می" || a === "نمی") && VERB.test(b) && !NOT_VERBS.has(`می${b}`)) return `${first}${ZWNJ}${second}`;
  if (/^(?:ها|های|هایی|هایش|هاست)$/u.test(b) && a.length >= 2) return `${first}${ZWNJ}${second}`;
  if (a.length >= 3 && /ه$/u.test(a) && /^(?:ای|اند|ایم|اید|ام)$/u.test(b)) return `${first}${ZWNJ}${second}`;
  if (/^(?:ترین|تر)$/u.test(b) && a.length >= 2 && !NON_JOINING.test(a) && !JOINED_COMPARATIVES.has(a))
    return `${first}${ZWNJ}${second}`;
  if (b === "ی" && SILENT_HEH.has(a)) return `${first}${ZWNJ}${second}`;
  const compound = compoundOf(a + b, first + second);
  return compound;
}

function fixWord(word: string, options: ZwnjOptions): string {
  if (word.includes(ZWNJ)) return word;
  const folded = fold(word);
  const compound = compoundOf(folded, word);
  if (compound) return compound;
  const prefix = /^(ن?می)(.+)$/u.exec(folded);
  if (prefix && VERB.test(prefix[2]!) && !NOT_VERBS.has(folded.replace(/^ن/u, "")))
    return `${word.slice(0, prefix[1]!.length)}${ZWNJ}${word.slice(prefix[1]!.length)}`;
  // «یافتهاست» → «یافته است», «کردهاند» → «کرده‌اند»: a participle and its auxiliary.
  const participle = /^(.{2,}[تد]ه)(است|اند|ایم|اید)$/u.exec(folded);
  if (participle) {
    const cut = participle[1]!.length;
    return `${word.slice(0, cut)}${participle[2] === "است" ? " " : ZWNJ}${word.slice(cut)}`;
  }
  const plural = PLURALS.exec(folded);
  if (plural && !NOT_PLURALS.has(folded)) {
    const stem = plural[1]!;
    const needs = stem.length >= 2 && (/ه$/u.test(stem) || !NON_JOINING.test(stem));
    if (needs && (!options.isWord || options.isWord(word.slice(0, stem.length)) || /ه$/u.test(stem)))
      return `${word.slice(0, stem.length)}${ZWNJ}${word.slice(stem.length)}`;
  }
  // «دربارهی» → «درباره‌ی»
  if (folded.endsWith("ی") && SILENT_HEH.has(folded.slice(0, -1))) return `${word.slice(0, -1)}${ZWNJ}ی`;
  const superlative = /^(.{3,})(ترین)$/u.exec(folded);
  if (
    superlative &&
    !NON_JOINING.test(superlative[1]!) &&
    !JOINED_COMPARATIVES.has(superlative[1]!) &&
    (!options.isWord || options.isWord(word.slice(0, -4)))
  )
    return `${word.slice(0, -4)}${ZWNJ}${word.slice(-4)}`;
  return word;
}

/** A listed compound (with an allowed tail) written joined: its ZWNJ form with the tail kept. */
function compoundOf(folded: string, written: string): string | undefined {
  for (const [key, form] of COMPOUND_KEYS) {
    if (!folded.startsWith(key)) continue;
    const tail = written.slice(key.length);
    if (!COMPOUND_TAILS.test(fold(tail))) continue;
    return /^(?:ها|های|هایی)$/u.test(fold(tail)) ? `${form}${ZWNJ}${tail}` : form + tail;
  }
  return undefined;
}

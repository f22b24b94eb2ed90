/**
 * Colloquial Persian → written forms, for matching. Readers type in a chat box the way they
 * speak («قم چند تا شهرک صنعتی داره؟», «استاندار قزوین کیه؟»), articles are written formally
 * («دارد», «کیست»). Without this a spoken verb is a word no article contains, and a question the
 * articles answer looks unanswerable.
 *
 * Deliberately conservative: a fixed list, plus one regular rule for present-tense verbs
 * («میخوره» → «میخورد») guarded against nouns that look alike («میوه», «میدان», «میلیون»).
 * Input is in normalised form (see `normalizeForMatch`): no ZWNJ, آ folded to ا.
 */
const WORDS = new Map<string, string>(
  Object.entries({
    // copula and question clitics
    چیه: "چیست",
    کیه: "کیست",
    کجاس: "کجاست",
    چنده: "چند",
    کدومه: "کدام",
    کدوم: "کدام",
    کدوما: "کدام",
    // common verbs, third person
    داره: "دارد",
    دارن: "دارند",
    نداره: "ندارد",
    ندارن: "ندارند",
    هستن: "هستند",
    نیستن: "نیستند",
    میشه: "میشود",
    نمیشه: "نمیشود",
    میشن: "میشوند",
    نمیشن: "نمیشوند",
    میره: "میرود",
    میرن: "میروند",
    میگه: "میگوید",
    میگن: "میگویند",
    میده: "میدهد",
    میدن: "میدهند",
    میخواد: "میخواهد",
    میخوان: "میخواهند",
    میتونه: "میتواند",
    میتونن: "میتوانند",
    نمیتونه: "نمیتواند",
    میاد: "میاید",
    میکنن: "میکنند",
    نمیکنن: "نمیکنند",
    // words
    کوچیک: "کوچک",
    بزرگه: "بزرگ",
    یه: "یک",
    اون: "ان",
    اونا: "انها",
    اینا: "اینها",
    واسه: "برای",
    چجوری: "چگونه",
    چطوری: "چگونه",
    الان: "اکنون",
    خیلیا: "بسیاری",
    همشون: "همه",
  }),
);

/** Nouns of the shape «می…ه» that are not verbs. */
const NOT_VERBS = new Set(["میوه", "میانه", "میکده", "میمنه", "میسره", "میله", "میهنه", "میزه"]);

/** The written form of a colloquial token, or the token itself. */
export function formalize(token: string): string {
  // A Map, not an object: a token is any word of an article, «constructor» and «__proto__» too.
  const known = WORDS.get(token);
  if (known !== undefined) return known;
  // «میخوره» → «میخورد», «نمیرسه» → «نمیرسد»: the spoken third-person ending «ـه».
  const verb = /^(ن?می)(\p{L}{2,})ه$/u.exec(token);
  if (verb && !NOT_VERBS.has(token) && !verb[2]!.endsWith("ه")) return `${verb[1]}${verb[2]}د`;
  return token;
}

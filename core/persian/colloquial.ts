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

/**
 * Spoken forms readers type and articles do not, read on questions only (`formalizeQuestion`,
 * which `rewritePhrases` in synonyms.ts applies before a question is analyzed). Unlike `WORDS`,
 * which `tokenize` applies to articles too, adding a word here changes no index (no
 * ANALYSIS_VERSION bump). Left as they are, most of these are words no article contains, and
 * an unknown word weighs the most in a question: «چقدره» would outweigh «صادرات».
 */
const SPOKEN = new Map<string, string>(
  Object.entries({
    // question words with the spoken copula, and the spoken «تا» counter glued on
    چقدره: "چقدر",
    چقده: "چقدر",
    چقد: "چقدر",
    چنده: "چقدر",
    چندتا: "چند",
    چنتا: "چند",
    چن: "چند",
    چیه: "چیست",
    کیه: "کیست",
    کجاس: "کجاست",
    کجان: "کجا هستند",
    چطوره: "چگونه است",
    چجوریه: "چگونه است",
    کدومش: "کدام",
    کدومه: "کدام است",
    چندمه: "چندم است",
    چیکار: "چه کاری",
    چکار: "چه کاری",
    هستش: "است",
    نیستش: "نیست",
    // prepositions and adverbs
    تو: "در",
    توی: "در",
    واسه: "برای",
    برا: "برای",
    بعدش: "بعد",
    قبلش: "قبل",
    اونجا: "انجا",
    اینجوری: "اینگونه",
    اونجوری: "انگونه",
    // first-person verbs a reader asks with
    میخوام: "میخواهم",
    میخوایم: "میخواهیم",
    میتونم: "میتوانم",
    میتونیم: "میتوانیم",
    نمیتونم: "نمیتوانم",
    اومد: "امد",
    اومده: "امده",
    اومدن: "امدند",
    نیومد: "نیامد",
    // «ان» spoken as «ون»
    خونه: "خانه",
    کارخونه: "کارخانه",
    نون: "نان",
    گرون: "گران",
    گرونی: "گرانی",
    ارزون: "ارزان",
    ارزونی: "ارزانی",
    جوون: "جوان",
    جوونا: "جوانان",
    زبون: "زبان",
    اسون: "اسان",
    خیابون: "خیابان",
    میدون: "میدان",
    بیابون: "بیابان",
    دندون: "دندان",
    تهرون: "تهران",
    اسمش: "نام",
  }),
);

/** Spoken phrases: «چند تا» counts as «چند», «واسه چی» asks why. */
const SPOKEN_PHRASES: ReadonlyArray<[RegExp, string]> = [
  [/(?<![\p{L}\p{M}])(?:چند|چن)\s+تا(?![\p{L}\p{M}])/gu, "چند"],
  [/(?<![\p{L}\p{M}])(?:واسه|برای|برا)\s+چی(?![\p{L}\p{M}])/gu, "چرا"],
];

/**
 * A question's spoken words and phrases in written form, the rest untouched. Input and output in
 * normalised form (see `normalizeForMatch`); applying it twice gives what applying it once does.
 *
 * @example formalizeQuestion("وزن کالاها چقدره") // "وزن کالاها چقدر"
 */
export function formalizeQuestion(text: string): string {
  let out = text;
  for (const [pattern, written] of SPOKEN_PHRASES) out = out.replace(pattern, written);
  return out.replace(/[\p{L}\p{M}]+/gu, (word) => SPOKEN.get(word) ?? word);
}

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

/**
 * Persian function words, in normalised form (see `normalizeForMatch`): they carry no topic, so
 * they are left out of matching and embeddings. Question words are here too: «چند», «چه کسی»
 * and «کجا» say what kind of answer is wanted (see `answer/question.ts`), not what it is about.
 */
const WORDS = `
و در به از که این آن را با برای تا یا هم نیز اما ولی اگر چون چرا پس بر بی درباره دربارهی
است هست نیست بود بودند باشد باشند شد شده شود شوند میشود میشوند گردد گردید کرد کرده کند کنند
میکند میکنند کردند کردن کنیم داد داده دهد دهند میدهد دارد دارند داشت داشته داشتند
خواهد خواهند خواهیم توان تواند میتواند میتوان توانست توانسته
ای ام ایم اید اند های ها هایی
من تو او ما شما آنها ایشان وی خود خویش اینها آنان همین همان چنین چنان
یک یکی هر همه برخی بعضی دیگر دیگری چه چی چیست چیه کدام کدامین چند چندم چقدر چطور چگونه
کی کجا کجاست کسی کیست کسانی آیا مگر
چه‌کسی چه‌زمانی
را رو
نه بله
حتی فقط تنها بسیار خیلی بیش کم بیشتر کمتر
روی زیر بین میان پیش پس نزد سوی طی طبق مانند مثل
اینکه آنکه زیرا
ها
گفت گفته گوید افزود
انجام صورت مورد
`;

export const STOPWORDS: ReadonlySet<string> = new Set(
  WORDS.split(/\s+/)
    .filter(Boolean)
    .map((w) => w.replace(/\u200c/g, ""))
    .map((w) =>
      // stored in the same folded form the tokenizer produces (آ → ا)
      w.replace(/\u0622/g, "ا"),
    ),
);

export function isStopword(token: string): boolean {
  return STOPWORDS.has(token);
}

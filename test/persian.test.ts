import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { formatJalali, jalaliToGregorian, parsePublishedDate } from "../core/persian/dates.ts";
import { compactForMatch, normalizeForMatch, toLatinDigits, toPersianDigits } from "../core/persian/normalize.ts";
import { splitSentences } from "../core/persian/sentences.ts";
import { isStopword } from "../core/persian/stopwords.ts";
import { analyze, stem, tokenize } from "../core/persian/tokens.ts";

describe("normalizeForMatch", () => {
  it("makes Arabic yeh and kaf the Persian letters", () => {
    assert.equal(normalizeForMatch("مدير كل صنعت"), normalizeForMatch("مدیر کل صنعت"));
  });

  it("folds heh forms, hamza seats, diacritics and tatweel", () => {
    assert.equal(normalizeForMatch("خانۀ"), normalizeForMatch("خانه"));
    assert.equal(normalizeForMatch("تأمین"), normalizeForMatch("تامین"));
    assert.equal(normalizeForMatch("مسؤول"), normalizeForMatch("مسوول"));
    assert.equal(normalizeForMatch("صَنعَت"), "صنعت");
    assert.equal(normalizeForMatch("صـــنعت"), "صنعت");
    assert.equal(normalizeForMatch("آمار"), normalizeForMatch("امار"));
  });

  it("maps Persian, Arabic-Indic and Latin digits to one form", () => {
    assert.equal(toLatinDigits("۲۶۳ و ٢٦٣"), "263 و 263");
    assert.equal(normalizeForMatch("۲۶۳"), normalizeForMatch("263"));
    assert.equal(normalizeForMatch("٢٦٣"), "263");
    assert.equal(toPersianDigits("1401"), "۱۴۰۱");
  });

  it("removes ZWNJ so «می‌خواهم» and «میخواهم» meet", () => {
    assert.equal(normalizeForMatch("می‌خواهم"), normalizeForMatch("میخواهم"));
    assert.equal(normalizeForMatch("بین‌المللی"), normalizeForMatch("بینالمللی"));
  });

  it("compactForMatch joins a compound however it is written", () => {
    const forms = ["دانش بنیان", "دانش‌بنیان", "دانشبنیان"].map(compactForMatch);
    assert.deepEqual(new Set(forms).size, 1);
  });
});

describe("tokenize", () => {
  it("gives one token for ZWNJ, space and no-space variants of a word", () => {
    for (const variants of [
      ["می‌خواهم", "میخواهم", "می خواهم"],
      ["بین‌المللی", "بینالمللی", "بین المللی"],
      ["پروژه‌ها", "پروژهها", "پروژه ها"],
      ["نمی‌شود", "نمیشود", "نمی شود"],
    ]) {
      const tokens = variants.map((v) => tokenize(v).join("|"));
      assert.equal(new Set(tokens).size, 1, `${variants.join(" / ")} → ${tokens.join(" / ")}`);
    }
  });

  it("splits a question word glued to the word before it", () => {
    assert.deepEqual(tokenize("غذای شترچیست؟"), ["غذای", "شتر", "چیست"]);
    assert.deepEqual(tokenize("چیست"), ["چیست"]);
  });

  it("splits a number glued to a word and drops thousands separators", () => {
    assert.deepEqual(tokenize("نزدیک به ۴۵هزار واحد صنفی"), ["نزدیک", "به", "45", "هزار", "واحد", "صنفی"]);
    assert.deepEqual(tokenize("1,700 پروانه"), ["1700", "پروانه"]);
  });

  it("keeps decimals whole in either decimal separator", () => {
    assert.deepEqual(tokenize("۲٫۵ درصد"), ["2.5", "درصد"]);
    assert.deepEqual(tokenize("2.5 درصد"), ["2.5", "درصد"]);
  });
});

describe("colloquial Persian", () => {
  it("reads spoken forms as the written ones", () => {
    assert.deepEqual(analyze("قم چند تا شهرک صنعتی داره؟"), analyze("قم چند شهرک صنعتی دارد؟"));
    assert.deepEqual(analyze("استاندار قزوین کیه؟"), analyze("استاندار قزوین کیست؟"));
    assert.deepEqual(tokenize("صنایع کوچیک"), tokenize("صنایع کوچک"));
    assert.deepEqual(tokenize("چی میخوره و کجا میره"), ["چی", "میخورد", "و", "کجا", "میرود"]);
    assert.deepEqual(tokenize("می خوره"), tokenize("می‌خورد"));
  });

  it("leaves nouns that only look like spoken verbs alone", () => {
    assert.deepEqual(tokenize("میوه میدان میلیون میانه"), ["میوه", "میدان", "میلیون", "میانه"]);
  });

  it("reads the English words JavaScript objects are made of as words, in any case", () => {
    const names = Object.getOwnPropertyNames(Object.prototype);
    // «__proto__» is the word «proto» between underscores, as any word between punctuation.
    assert.deepEqual(
      tokenize(names.join(" ")),
      names.map((n) => n.toLowerCase().replace(/_/g, "")),
    );
    assert.deepEqual(tokenize("Constructor TOSTRING ValueOf"), ["constructor", "tostring", "valueof"]);
    for (const t of analyze(`شرکت ${names.join(" ")} امضا کرد`)) assert.equal(typeof t, "string");
  });
});

describe("stem and analyze", () => {
  it("strips plural, comparative and adjective suffixes", () => {
    assert.equal(stem("واحدهای"), "واحد");
    assert.equal(stem("کارگران"), "کارگر");
    assert.equal(stem("صادراتی"), "صادرات", "exports are not «صادر» (issued)");
    assert.equal(stem("انتخابات"), "انتخابات");
    assert.equal(stem("تولیدات"), "تولید");
    assert.equal(stem("بزرگترین"), "بزرگ");
    assert.equal(stem("مشکلات"), "مشکل");
  });

  it("leaves short words whose ending only looks like a suffix", () => {
    assert.equal(stem("استان"), "استان");
    assert.equal(stem("ایران"), "ایران");
    assert.equal(stem("ملی"), "ملی");
  });

  it("drops stopwords and question words, keeps content terms", () => {
    assert.deepEqual(analyze("چند واحد صنفی در استان قم فعالیت می‌کنند؟"), ["واحد", "صنف", "استان", "قم", "فعالیت"]);
    assert.ok(isStopword("چقدر"));
    assert.ok(!isStopword("صادرات"));
  });

  it("gives the same terms for a phrase from the seeds written with ZWNJ or without", () => {
    assert.deepEqual(analyze("واحدهای صنعتی استان"), analyze("واحد‌های صنعتی استان"));
    assert.deepEqual(analyze("شهرک‌های صنعتی قم"), analyze("شهرکهای صنعتی قم"));
  });

  it("reads number words as digits", () => {
    assert.deepEqual(analyze("هفت شهرک صنعتی"), analyze("7 شهرک صنعتی"));
  });
});

describe("splitSentences", () => {
  const text =
    "وی بیان کرد: در ۶ ماه نخست امسال بیش از ۴۳۳ هزار تن کالا صادر شده است. نبیل عنوان کرد: رشد ۲.۵ درصد بود؟ بله!";

  it("splits on . ؟ ! and returns offsets into the text", () => {
    const spans = splitSentences(text);
    assert.equal(spans.length, 3);
    for (const s of spans) assert.equal(text.slice(s.start, s.end), s.text);
    assert.ok(spans[1]!.text.includes("۲.۵ درصد"), "a decimal is not a sentence end");
  });

  it("splits on the Persian semicolon and on line breaks", () => {
    const spans = splitSentences("قم در بخش صنعت ظرفیت دارد؛ شهرکهای قم امکانات دارند\nعنوان فرعی");
    assert.deepEqual(
      spans.map((s) => s.text),
      ["قم در بخش صنعت ظرفیت دارد؛", "شهرکهای قم امکانات دارند", "عنوان فرعی"],
    );
  });

  it("keeps abbreviations and an inline ellipsis inside the sentence", () => {
    const spans = splitSentences(
      "فناوری اطلاعات و ارتباطات (I.C.T) و چهار ناحیه صنعتی. ساختمان، آموزش، منسوجات و ... در محل دائمی برپا خواهد بود.",
    );
    assert.equal(spans.length, 2);
    assert.ok(spans[0]!.text.includes("(I.C.T)"));
    assert.ok(spans[1]!.text.includes("و ... در محل"));
  });
});

describe("dates", () => {
  it("converts Jalali dates to Gregorian", () => {
    assert.deepEqual(jalaliToGregorian(1401, 6, 1), { year: 2022, month: 8, day: 23 });
    assert.deepEqual(jalaliToGregorian(1403, 1, 1), { year: 2024, month: 3, day: 20 });
    assert.deepEqual(jalaliToGregorian(1399, 12, 30), { year: 2021, month: 3, day: 20 });
  });

  it("reads a seed's date line as ISO-8601 with Tehran's offset of that day", () => {
    assert.equal(parsePublishedDate("01 شهریور 1401 - 22:21"), "2022-08-23T22:21:00+04:30");
    assert.equal(parsePublishedDate("۱۵ دی ۱۴۰۳"), "2025-01-04");
    assert.equal(parsePublishedDate(" date 2025-12-15 استاندار قزوین"), "2025-12-15");
    assert.equal(parsePublishedDate("استاندار قزوین گفت"), undefined);
  });

  it("shows a date outside the calendar's years as none, and never throws", () => {
    assert.equal(formatJalali("2026-12-05T10:30:00+03:30"), "۱۴ آذر ۱۴۰۵");
    assert.equal(formatJalali("0001-01-01"), undefined);
    assert.equal(formatJalali("9999-12-31"), undefined);
  });
});

import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { SUMMARY_QUESTION, suggestQuestions, suggestionCandidates } from "../ingest/suggest.ts";

/** The questions suggested for a text made of these sentences (from the seed articles, without ZWNJ). */
function suggested(...sentences: string[]): string[] {
  return suggestQuestions({ text: sentences.join("\n\n") });
}

describe("suggested questions", () => {
  it("start with the gist", () => {
    assert.deepEqual(suggested("متن کوتاه."), [SUMMARY_QUESTION]);
  });

  it("ask how much of a figure, in the clause that states it, with ZWNJ where Persian writes it", () => {
    const questions = suggested(
      "رئیس سازمان صنعت، معدن و تجارت استان قزوین گفت: در حال حاضر بیش از ۱ هزار و ۷۰۰ پروانه تاسیس در استان قزوین صادر شده است که با تکمیل این پروژه ها اشتغال ایجاد گردد.",
      "نوذری با بیان اینکه ۵۰ درصد از نیاز شویندههای کشور در استان قزوین تولید میشود، اضافه کرد: استان سهم دارد.",
      "قم دارای هفت شهرک صنعتی شکوهیه، الغدیر، شهاب و سلفچگان است.",
    );
    assert.ok(questions.includes("در حال حاضر چند پروانه تاسیس در استان قزوین صادر شده است؟"), questions.join(" | "));
    assert.ok(
      questions.includes("چند درصد از نیاز شوینده‌های کشور در استان قزوین تولید می‌شود؟"),
      questions.join(" | "),
    );
    assert.ok(questions.includes("قم چند شهرک صنعتی دارد؟"), questions.join(" | "));
  });

  it("ask why, from a stated cause", () => {
    const questions = suggested(
      "اعلایی یاد آور شد: صنایع کوچک به علت سرمایهگذاری کمتر در مقایسه با صنایع بزرگ، در زمان کمتری به تولید و بهرهبرداری و اشتغال میرسند.",
      "جمالی پور تصریح کرد: امروز واحدی نظیر کنتور سازی در قزوین وجود دارد که کارگران آن دچار مشکلات زیادی هستند و همراهی مسئولین برای رفع مشکلات این واحدها ضروری است چرا که آینده صنعت قزوین در گرو فعالیت همین واحدها است.",
    );
    assert.ok(
      questions.includes("چرا صنایع کوچک در زمان کمتری به تولید و بهره‌برداری و اشتغال می‌رسند؟"),
      questions.join(" | "),
    );
    assert.ok(questions.includes("چرا همراهی مسئولین برای رفع مشکلات این واحدها ضروری است؟"), questions.join(" | "));
  });

  it("ask who holds a role the article names, or whose words it reports", () => {
    const questions = suggested(
      "جلسه عصر امروز با حضور رضا رحمانی وزیر صنعت، معدن و تجارت، هدایت الله جمالیپور استاندار قزوین برگزار شد.",
      "مدیرکل صنعت، معدن و تجارت قم گفت: تولید محصولات صادراتی در قم افزایش یافته است.",
    );
    for (const q of ["وزیر صنعت، معدن و تجارت کیست؟", "استاندار قزوین کیست؟", "مدیرکل صنعت، معدن و تجارت قم کیست؟"])
      assert.ok(questions.includes(q), `${q} not in ${questions.join(" | ")}`);
  });

  it("ask when, from a date, never from a relative time", () => {
    assert.ok(
      suggested("قانون حجاب در سال ۱۳۱۴ در ایران اجباری شد.").includes("قانون حجاب در چه سالی در ایران اجباری شد؟"),
    );
    assert.deepEqual(suggested("نمایشگاه صنایع کوچک امروز در قزوین افتتاح شد."), [SUMMARY_QUESTION]);
  });

  it("ask nothing a reader could not read alone: a pronoun subject, a second figure, a fragment", () => {
    assert.deepEqual(
      suggested(
        "او در سال ۱۳۵۰ در تهران به دنیا آمد.",
        "۷۶ درصد پیرو مذهب کاتولیک و ۱۴ درصد نیز پروتستان هستند.",
        "معاویه (زاده ۶۰۳ یا ۶۰۵ - درگذشت ۶۸۰ میلادی) بنیانگذار خلافت اموی بود.",
      ),
      [SUMMARY_QUESTION],
    );
  });

  it("say which sentence each question was made from", () => {
    const text = "متن خبر.\n\nدر حال حاضر بیش از ۱ هزار و ۷۰۰ پروانه تاسیس در استان قزوین صادر شده است.";
    const [gist, figure] = suggestionCandidates({ text });
    assert.equal(gist!.source, undefined);
    assert.match(text.slice(figure!.source!.start, figure!.source!.end), /۱ هزار و ۷۰۰ پروانه/);
  });
});

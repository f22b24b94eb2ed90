import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { contextualize } from "../answer/followup.ts";
import { MarkerFilter } from "../answer/llm-markers.ts";
import { BACKENDS, backendSkip, seedBackend } from "./support/backends.ts";
import { post, same } from "./support/helpers.ts";

describe("MarkerFilter", () => {
  it("renumbers markers in order of use and drops those that point at no source", () => {
    const f = new MarkerFilter(3);
    const shown = f.push("صادرات ۲۶۳ میلیون دلار بود [3] و سهم قم [9] کم بود [1].") + f.end();
    assert.equal(shown, "صادرات ۲۶۳ میلیون دلار بود [1] و سهم قم کم بود [2].");
    assert.deepEqual(
      [...f.used],
      [
        [3, 1],
        [1, 2],
      ],
    );
  });

  it("holds back a marker split across chunks until it is complete", () => {
    const f = new MarkerFilter(2);
    assert.equal(f.push("هفت شهرک ["), "هفت شهرک");
    assert.equal(f.push("۲] دارد"), " [1] دارد");
    assert.equal(f.end(), "");
  });

  it("never shows the model's NOT_FOUND, however it is split", () => {
    const f = new MarkerFilter(2);
    assert.equal(f.push("NOT_"), "");
    assert.equal(f.push("FOUND"), "");
    assert.equal(f.end(), "");
    assert.equal(f.notFound, true);
  });

  it("lets through text that only starts like NOT_FOUND", () => {
    const f = new MarkerFilter(1);
    assert.equal(f.push("N"), "");
    assert.equal(f.push("ATO عضو [1]"), "NATO عضو [1]");
    assert.equal(f.notFound, false);
  });
});

describe("contextualize", () => {
  const history = [
    { role: "user" as const, content: "مدیرکل صنعت، معدن و تجارت استان قم کیست؟" },
    { role: "assistant" as const, content: "اکبر ابدالی [1]\nبه گزارش باشگاه خبرنگاران جوان: «…» [1]" },
  ];

  it("replaces a personal pronoun with the person the last answer named", () => {
    const read = contextualize("او درباره فرش دستباف چه گفت؟", history);
    assert.match(read.question, /اکبر ابدالی درباره فرش دستباف/);
    assert.match(read.retrievalQuery, /مدیرکل صنعت/);
  });

  it("reads a short question with the previous one, and leaves a full one alone", () => {
    assert.notEqual(contextualize("چند روز برپاست؟", history).context, "");
    const standalone = contextualize("ارزش صادرات قزوین در شش ماه نخست امسال به کشورهای همسایه چقدر بود؟", history);
    assert.deepEqual(standalone, {
      question: "ارزش صادرات قزوین در شش ماه نخست امسال به کشورهای همسایه چقدر بود؟",
      retrievalQuery: "ارزش صادرات قزوین در شش ماه نخست امسال به کشورهای همسایه چقدر بود؟",
      context: "",
    });
  });

  it("does nothing without history", () => {
    assert.deepEqual(contextualize("او کیست؟", []), { question: "او کیست؟", retrievalQuery: "او کیست؟", context: "" });
  });
});

for (const backend of BACKENDS) {
  describe(`conversations on the ${backend} index`, { skip: backendSkip(backend) }, async () => {
    const { app } = await seedBackend(backend);

    async function chat(question: string, history: Array<{ role: "user" | "assistant"; content: string }> = []) {
      return (await (await post(app, "/api/chat", { question, history })).json()) as {
        answer: string;
        found: boolean;
        citations: Array<{ articleId: string }>;
      };
    }

    describe("follow-up questions through POST /api/chat (extractive)", () => {
      it("«او درباره فرش دستباف چه گفت؟» after asking who runs Qom's trade office is answered from Abdali's interview", async () => {
        const first = await chat("مدیرکل صنعت، معدن و تجارت استان قم کیست؟");
        assert.ok(first.answer.startsWith("اکبر ابدالی"), first.answer);
        const followUp = await chat("او درباره فرش دستباف چه گفت؟", [
          { role: "user", content: "مدیرکل صنعت، معدن و تجارت استان قم کیست؟" },
          { role: "assistant", content: first.answer },
        ]);
        assert.equal(followUp.found, true);
        assert.equal(followUp.citations[0]!.articleId, "003_5e0f5a173f3dffd5");
        assert.ok(followUp.answer.includes("فرش دستباف و ابریشم استان قم"), followUp.answer);
      });

      it("a question with its subject left out is answered about the previous turn's subject", async () => {
        const history = [
          { role: "user" as const, content: "خط تولید جدید آرایشی و بهداشتی قزوین با چه سرمایه‌ای افتتاح شد؟" },
          { role: "assistant" as const, content: "چهار میلیون دلار [1]" },
        ];
        const alone = await chat("برای چند نفر اشتغال ایجاد کرد؟");
        const followUp = await chat("برای چند نفر اشتغال ایجاد کرد؟", history);
        assert.ok(!same(alone.answer).startsWith(same("۱۰۰ نفر")), "alone, the question is about something else");
        assert.ok(same(followUp.answer).startsWith(same("۱۰۰ نفر")), followUp.answer);
        assert.equal(followUp.citations[0]!.articleId, "004_6f85bbe77279df80");
      });

      it("a new subject in the conversation is answered on its own, and the unanswerable is still refused", async () => {
        const history = [
          { role: "user" as const, content: "خط تولید جدید آرایشی و بهداشتی قزوین با چه سرمایه‌ای افتتاح شد؟" },
          { role: "assistant" as const, content: "چهار میلیون دلار [1]" },
        ];
        const switched = await chat("قم چند شهرک صنعتی دارد؟", history);
        assert.ok(switched.answer.startsWith("هفت شهرک صنعتی"), switched.answer);
        const unanswerable = await chat("قیمت بنزین چند است؟", history);
        assert.equal(unanswerable.found, false);
      });
    });

    describe("questions about two things", () => {
      it("«صادرات قزوین و قم را مقایسه کن» is answered from both provinces' articles", async () => {
        const body = await chat("صادرات قزوین و قم را مقایسه کن");
        assert.equal(body.found, true);
        const cited = body.citations.map((c) => c.articleId);
        assert.ok(
          cited.some((id) => ["000_6460d26cea20ff96", "001_ac32e4e684eddc00", "004_6f85bbe77279df80"].includes(id)),
          `no Qazvin article: ${cited}`,
        );
        assert.ok(
          cited.some((id) => ["002_804e4a69935f094f", "003_5e0f5a173f3dffd5"].includes(id)),
          `no Qom article: ${cited}`,
        );
        assert.match(body.answer, /^قزوین: .*\[1\]\nقم: .*\[2\]/);
      });

      it("answers each part of a two-part question, each figure with its source", async () => {
        const body = await chat("چند واحد صنفی در قم فعالیت می‌کنند و چند واحد صنعتی راکد احیا شد؟");
        const lead = body.answer.split("\n")[0]!;
        assert.match(lead, /۴۵هزار واحد صنفی \[\d\]/);
        assert.match(lead, /۶۳ واحدهای صنعتی \[\d\]/);
        assert.equal(body.citations.length, 2);
      });

      it("keeps a fixed pair such as «آرایشی و بهداشتی» as one thing", async () => {
        const body = await chat("سرمایه‌گذاری خط تولید جدید آرایشی و بهداشتی چقدر بود؟");
        assert.ok(body.answer.startsWith("چهار میلیون دلار [1]"), body.answer);
      });
    });

    describe("who-questions", () => {
      it("name the person with their role, and give the name alone as the short answer", async () => {
        const res = (await (
          await post(app, "/api/chat", { question: "رئیس سازمان صنعت، معدن و تجارت استان قزوین کیست؟" })
        ).json()) as { answer: string; short: string };
        assert.equal(res.answer.split("\n")[0], "سعید نبیل، رئیس سازمان صنعت، معدن و تجارت استان قزوین [1]");
        assert.equal(res.short, "سعید نبیل");
        const minister = (await (
          await post(app, "/api/chat", { question: "وزیر صنعت، معدن و تجارت کیست؟" })
        ).json()) as { answer: string };
        assert.equal(
          minister.answer.split("\n")[0],
          "رضا رحمانی، وزیر صنعت، معدن و تجارت [1]",
          "the role stops where the next person of a list begins",
        );
      });
    });
  });
}

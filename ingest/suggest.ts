import type { Article } from "../core/article.ts";
import { splitSentences } from "../core/persian/sentences.ts";
import { findQuantities, type QuantitySpan } from "../core/persian/spans.ts";

/**
 * Questions a reader may tap to start a conversation about an article, written from the article
 * itself so that Goftogu can answer them: a summary question, then «چند …» questions made from
 * the article's own figures, e.g. «در حال حاضر بیش از ۱ هزار و ۷۰۰ پروانه تاسیس در استان قزوین
 * صادر شده است» → «در حال حاضر چند پروانه تاسیس در استان قزوین صادر شده است؟».
 */
export const SUMMARY_QUESTION = "خلاصه این خبر چیست؟";

const MAX_SUGGESTIONS = 3;
const MIN_CHARS = 25;
const MAX_CHARS = 110;
/** A clause worth asking about ends in a verb. */
const ENDS_IN_VERB =
  /(?:است|شد|شده|شدند|شود|میشود|میشوند|دارد|دارند|هستند|بود|بودند|کرد|کردند|کند|کنند|یافت|یافته است|گرفت|رسید|رسیده است|خواهد شد|خواهد بود)$/u;
const CLAUSE_BREAK = /[،,:؛]|\s(?:که|تا|اما|ولی)\s/gu;

export function suggestQuestions(article: Pick<Article, "text">): string[] {
  const questions: string[] = [];
  const sentences = splitSentences(article.text).slice(0, 20);
  for (const sentence of sentences) {
    for (const q of findQuantities(sentence.text)) {
      const question = quantityQuestion(sentence.text, q);
      if (question && !questions.includes(question)) questions.push(question);
    }
  }
  // Shorter questions read better as chips; keep the article's order among equals.
  const best = questions
    .map((q, i) => ({ q, i }))
    .sort((a, b) => a.q.length - b.q.length || a.i - b.i)
    .slice(0, MAX_SUGGESTIONS - 1)
    .sort((a, b) => a.i - b.i)
    .map((x) => x.q);
  return [SUMMARY_QUESTION, ...best];
}

/** The clause around a figure, with the figure replaced by «چند». */
function quantityQuestion(sentence: string, q: QuantitySpan): string | undefined {
  if (q.unitTerms.length === 0) return undefined;
  // «ساعت ۱۷», «سال ۱۴۰۱» are times, not amounts.
  if (/(?:ساعت|سال|تاریخ|شماره|ماده|بند)\s*$/u.test(sentence.slice(0, q.start))) return undefined;
  let clauseStart = 0;
  let previousBreak = 0;
  let clauseEnd = sentence.length;
  for (const m of sentence.matchAll(CLAUSE_BREAK)) {
    const at = m.index!;
    if (at + m[0].length <= q.start) {
      previousBreak = clauseStart;
      clauseStart = at + m[0].length;
    } else if (at >= q.end) {
      clauseEnd = at;
      break;
    }
  }
  // A clause that introduces a quote («وی … بیان کرد:») is not a statement to ask about.
  if (sentence[clauseEnd] === ":") return undefined;
  // After a comma the clause must follow a phrase, not an item of a list («الغدیر، شهاب، …»).
  if (sentence[clauseStart - 1] === "،" || sentence[clauseStart - 1] === ",") {
    if (
      sentence
        .slice(previousBreak, clauseStart - 1)
        .trim()
        .split(/\s+/u).length <= 3
    )
      return undefined;
  }
  const number = sentence.slice(q.numberStart, q.numberEnd);
  // «۲۰ هزار میلیارد تومان» → «چند هزار میلیارد تومان»; «۱ هزار و ۷۰۰ پروانه» → «چند پروانه».
  const scale = number.includes(" و ")
    ? ""
    : number.replace(/^(?:[0-9۰-۹٠-٩]+(?:[.,٫٬/][0-9۰-۹٠-٩]+)*|\p{L}+)[\s\u200c]*/u, "").trim();
  const replacement = ["چند", scale].filter(Boolean).join(" ");
  const clause = (sentence.slice(clauseStart, q.start) + replacement + sentence.slice(q.numberEnd, clauseEnd))
    .replace(/[.!؟?]+$/u, "")
    .replace(/\s+/gu, " ")
    .trim()
    // «نوذری با بیان اینکه ۵۰ درصد … تولید میشود» → «چند درصد … تولید میشود»
    .replace(/^(?:\S+\s+){0,3}?با بیان (?:اینکه|این که)\s+/u, "");
  if (clause.length < MIN_CHARS || clause.length > MAX_CHARS || !ENDS_IN_VERB.test(clause)) return undefined;
  return `${clause}؟`;
}

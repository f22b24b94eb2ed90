import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { coverage, matchTarget, matchTargetOfTokens, mergeTargets, termMatch, weighTerms } from "../server/answer/match.ts";
import { tokenize } from "../core/persian/tokens.ts";

/** Every term weighs the same here: what is checked is how each one is found. */
const EVEN = { idf: () => 1 };
const matches = (question: string, text: string) => Object.fromEntries(weighTerms(question, EVEN).map((t) => [t.term, termMatch(t, matchTarget(text))]));

describe("termMatch: how a question's term is found in a text", () => {
  it("counts the same term fully", () => {
    assert.equal(matches("کتابخانه ملی", "کتاب خوب ملی")["ملی"], 1);
  });

  it("finds a compound written the other way, with or without the space", () => {
    assert.deepEqual(matches("شرکت دانش بنیان", "این شرکت دانشبنیان است"), { شرکت: 1, دانش: 0.8, بنیان: 0.8 });
    assert.deepEqual(matches("شرکت ال جی", "محصولات شرکت الجی"), { شرکت: 1, ال: 0.8, جی: 0.8 });
    const joined = weighTerms("دانشبنیان", EVEN)[0]!;
    assert.equal(termMatch(joined, matchTarget("این شرکت دانش بنیان است")), 0.8);
  });

  it("finds a compound only where a word of the text starts", () => {
    assert.equal(matches("صنعت نفت", "صادرات غیرنفتی رشد کرد")["نفت"], 0);
  });

  it("counts a shorter word of four letters or more that the term starts with as a prefix match", () => {
    assert.equal(matches("کتابخانه", "کتاب خوب")["کتابخانه"], 0.6);
    assert.equal(matches("کتابخانه", "دفتر خوب")["کتابخانه"], 0);
  });

  it("reads texts read together as one, a compound across their boundary included", () => {
    const title = matchTarget("خبر دانش");
    const body = matchTarget("بنیان کشور");
    const joined = weighTerms("دانشبنیان", EVEN)[0]!;
    assert.equal(termMatch(joined, title), 0.6, "alone, the title has only a word the term starts with");
    assert.equal(termMatch(joined, mergeTargets(title, body)), 0.8);
    assert.equal(coverage(weighTerms("خبر کشور", EVEN), mergeTargets(title, body)), 1);
  });

  it("gives the same from stored tokens as from the text", () => {
    const text = "شرکت دانش بنیان الجی در استان قزوین ۴۳۳ هزار تن کالا صادر کرد";
    const question = weighTerms("دانشبنیان ال جی قزوین صادرات کالاها", EVEN);
    const fromText = matchTarget(text);
    const fromTokens = matchTargetOfTokens(tokenize(text));
    assert.deepEqual(question.map((t) => termMatch(t, fromTokens)), question.map((t) => termMatch(t, fromText)));
    assert.ok(question.some((t) => termMatch(t, fromText) === 0.8), "a compound match is among them");
  });
});

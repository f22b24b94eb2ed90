import assert from "node:assert/strict";
import { readdirSync, readFileSync } from "node:fs";
import { describe, it } from "node:test";
import {
  coverage,
  matchTarget,
  matchTargetOfTokens,
  mergeTargets,
  SYNONYM,
  termMatch,
  weighTerms,
} from "../answer/match.ts";
import { tokenize } from "../core/persian/tokens.ts";

/** Every term weighs the same here: what is checked is how each one is found. */
const EVEN = { idf: () => 1 };
const matches = (question: string, text: string) =>
  Object.fromEntries(weighTerms(question, EVEN).map((t) => [t.term, termMatch(t, matchTarget(text))]));

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

  it("counts a longer word of four letters or more that starts with the term as a prefix match", () => {
    // Words as the index stores them, apart from the tokens: here the tokens keep an Arabic «ك»,
    // so only the words can match.
    const target = matchTargetOfTokens(["كتابخانه", "بزرگ"], ["کتابخانه", "بزرگ"]);
    // Asked as often as re-scoring asks a chunk it keeps between searches: the same each time.
    for (let i = 0; i < 100; i++) {
      assert.equal(termMatch({ term: "کتاب", weight: 1, forms: ["کتاب"] }, target), 0.6);
      assert.equal(termMatch({ term: "کتابچه", weight: 1, forms: ["کتابچه"] }, target), 0);
      assert.equal(termMatch({ term: "بزر", weight: 1, forms: [] }, target), 0, "a term of three letters is no prefix");
    }
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
    assert.deepEqual(
      question.map((t) => termMatch(t, fromTokens)),
      question.map((t) => termMatch(t, fromText)),
    );
    assert.ok(
      question.some((t) => termMatch(t, fromText) === 0.8),
      "a compound match is among them",
    );
  });

  it("finds what a word-by-word reading of the definition finds, over every sentence of the seed articles", () => {
    // The definition, read literally: every token and every word of the text visited in turn.
    const literal = (
      t: { term: string; forms: string[]; alternatives?: readonly string[] },
      target: { terms: Set<string>; tokens: readonly string[] },
    ) => {
      if (target.terms.has(t.term)) return 1;
      if (/^[0-9]/.test(t.term)) return 0;
      if (t.alternatives?.some((a) => target.terms.has(a))) return SYNONYM;
      const joined = target.tokens.join("");
      const starts = new Set<number>();
      let at = 0;
      for (const token of target.tokens) (starts.add(at), (at += token.length));
      for (const form of t.forms)
        for (let i = joined.indexOf(form); i >= 0; i = joined.indexOf(form, i + 1)) if (starts.has(i)) return 0.8;
      if (t.term.length >= 4)
        for (const w of target.terms) if (w.length >= 4 && (w.startsWith(t.term) || t.term.startsWith(w))) return 0.6;
      return 0;
    };
    const dir = new URL("../data/articles/", import.meta.url);
    const sentences = readdirSync(dir)
      .flatMap((f) => readFileSync(new URL(f, dir), "utf8").split(/[.؟!\n]+/))
      .filter((s) => s.trim().length > 10);
    const counts = [0, 0, 0, 0];
    for (let i = 0; i < sentences.length; i++) {
      const target = matchTarget(sentences[i]!);
      // Each sentence is asked about with the words of its neighbours: some found, some not.
      const question = weighTerms(
        `${sentences[(i + 1) % sentences.length]} ${sentences[(i + 7) % sentences.length]}`,
        EVEN,
      );
      // Three times over: a target asked often is read another way (TargetIndex in match.ts).
      for (const t of [...question, ...question, ...question]) {
        const found = termMatch(t, target);
        assert.equal(found, literal(t, target), `«${t.term}» in «${sentences[i]}»`);
        counts[[0, 0.6, 0.8, 1].indexOf(found)]!++;
      }
    }
    assert.ok(
      counts.every((n) => n > 0),
      `every kind of match occurs: ${counts.join(", ")}`,
    );
  });
});

import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import { describe, it } from "node:test";
import { BACKENDS, seedBackend } from "./support/backends.ts";
import { post, same } from "./support/helpers.ts";

/**
 * The project's own questions over the seed articles (test/fixtures/questions.json), asked end
 * to end through the HTTP API: the answer must contain the expected fragment and cite the
 * article that states it; unanswerable questions must come back with `found: false`.
 */
interface Fixture {
  id: string;
  question: string;
  found: boolean;
  articleId?: string;
  answer?: string;
}

const fixtures = JSON.parse(readFileSync(new URL("./fixtures/questions.json", import.meta.url), "utf8")) as Fixture[];

for (const backend of BACKENDS) {
  describe(`the fixture questions on the ${backend} index`, async () => {
    const { app, index } = await seedBackend(backend);

    describe("the fixture set", () => {
      it("has at least 20 questions, answerable and not, written the ways readers write", () => {
        assert.ok(fixtures.length >= 20);
        assert.ok(fixtures.filter((f) => !f.found).length >= 5, "unanswerable questions");
        assert.ok(
          fixtures.some((f) => /[0-9]/.test(f.question)),
          "Latin digits",
        );
        assert.ok(
          fixtures.some((f) => /[يك]/.test(f.question)),
          "Arabic yeh or kaf",
        );
        assert.ok(
          fixtures.some((f) => f.question.includes("\u200c")),
          "ZWNJ",
        );
        assert.equal(new Set(fixtures.map((f) => f.id)).size, fixtures.length, "ids are unique");
        for (const f of fixtures.filter((f) => f.found))
          assert.ok(index.articles.has(f.articleId!), `${f.id}: unknown article`);
      });
    });

    describe("POST /api/chat answers the fixture questions", () => {
      for (const f of fixtures) {
        it(`${f.id}: ${f.question}`, async () => {
          const res = await post(app, "/api/chat", { question: f.question });
          assert.equal(res.status, 200);
          const body = (await res.json()) as any;
          assert.equal(body.found, f.found, body.answer);
          if (!f.found) {
            assert.deepEqual(body.citations, []);
            return;
          }
          assert.ok(same(body.answer).includes(same(f.answer!)), `«${f.answer}» not in: ${body.answer}`);
          const cited = body.citations.map((c: any) => c.articleId);
          assert.ok(cited.includes(f.articleId), `cites ${cited.join(", ")}, not ${f.articleId}`);
          for (const c of body.citations)
            assert.equal(index.articles.get(c.articleId)!.text.slice(c.start, c.end), c.quote);
        });
      }
    });

    describe("POST /api/search ranks the answering article first", () => {
      for (const f of fixtures.filter((f) => f.found)) {
        it(`${f.id}: ${f.question}`, async () => {
          const body = (await (await post(app, "/api/search", { query: f.question, k: 5 })).json()) as any;
          assert.equal(
            body.results[0].articleId,
            f.articleId,
            `ranked: ${body.results.map((r: any) => r.articleId).join(", ")}`,
          );
        });
      }
    });

    describe("asking from an article page (articleId)", () => {
      for (const f of fixtures.filter((f) => f.found)) {
        it(`${f.id}: answers from the article the reader is on`, async () => {
          const body = (await (
            await post(app, "/api/chat", { question: f.question, articleId: f.articleId })
          ).json()) as any;
          assert.equal(body.found, true, body.answer);
          assert.equal(body.citations[0].articleId, f.articleId);
          assert.ok(same(body.answer).includes(same(f.answer!)), body.answer);
        });
      }
    });

    describe("suggested questions (GET /api/articles/:id)", () => {
      for (const article of index.articles.values()) {
        it(`${article.id}: each suggestion is answered from the article`, async () => {
          const body = (await (await app.request(`/api/articles/${article.id}`)).json()) as any;
          assert.ok(body.suggestedQuestions.length >= 1 && body.suggestedQuestions.length <= 3);
          for (const question of body.suggestedQuestions) {
            const answer = (await (await post(app, "/api/chat", { question, articleId: article.id })).json()) as any;
            assert.equal(answer.found, true, `«${question}» → ${answer.answer}`);
            assert.equal(answer.citations[0].articleId, article.id, `«${question}»`);
          }
        });
      }
    });
  });
}

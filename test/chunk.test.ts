import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { splitSentences } from "../core/persian/sentences.ts";
import { chunkArticle, DEFAULT_CHUNKING } from "../ingest/chunk.ts";
import { prepareArticle } from "../ingest/prepare.ts";
import { readCorpus } from "../ingest/read.ts";
import { FURNITURE, SEEDS_DIR } from "./support/helpers.ts";

const { articles } = await readCorpus(SEEDS_DIR);
const seeds = articles.map(prepareArticle);

describe("chunkArticle", () => {
  for (const article of seeds) {
    describe(article.id, () => {
      const chunks = chunkArticle(article);

      it("locates every chunk in the cleaned text by its offsets", () => {
        chunks.forEach((chunk, i) => {
          assert.equal(chunk.text, article.text.slice(chunk.start, chunk.end));
          assert.equal(chunk.position, i);
          assert.equal(chunk.id, `${article.id}#${i}`);
          assert.equal(chunk.articleId, article.id);
          assert.equal(chunk.title, article.title);
        });
      });

      it("starts and ends chunks on sentence boundaries", () => {
        const starts = new Set(splitSentences(article.text).map((s) => s.start));
        const ends = new Set(splitSentences(article.text).map((s) => s.end));
        for (const chunk of chunks) {
          assert.ok(starts.has(chunk.start), `chunk ${chunk.id} starts mid-sentence`);
          assert.ok(ends.has(chunk.end), `chunk ${chunk.id} ends mid-sentence`);
        }
      });

      it("covers every sentence of the article", () => {
        for (const s of splitSentences(article.text)) {
          assert.ok(
            chunks.some((c) => c.start <= s.start && s.end <= c.end),
            `sentence at ${s.start} is in no chunk`,
          );
        }
      });

      it("keeps chunks within the target size unless one sentence is longer", () => {
        for (const chunk of chunks) {
          const oneSentence = splitSentences(chunk.text).length === 1;
          assert.ok(
            oneSentence || chunk.text.length <= DEFAULT_CHUNKING.targetChars,
            `${chunk.id} is ${chunk.text.length} chars`,
          );
        }
      });

      it("repeats the chunk before's last sentence when it fits the overlap, and moves forward", () => {
        for (const [i, chunk] of chunks.entries()) {
          if (i === 0) continue;
          const before = chunks[i - 1]!;
          const previous = splitSentences(before.text);
          const last = previous.at(-1)!;
          assert.ok(chunk.start > before.start, `${chunk.id} does not move forward`);
          if (previous.length > 1 && last.text.length <= DEFAULT_CHUNKING.overlapChars) {
            assert.ok(chunk.start <= before.start + last.start, `${chunk.id} does not overlap the chunk before`);
          }
        }
      });

      it("never includes page furniture", () => {
        for (const chunk of chunks)
          for (const f of FURNITURE) assert.ok(!chunk.text.includes(f), `${chunk.id} has «${f}»`);
      });
    });
  }

  it("carries the last sentence into the next chunk when it fits the overlap", () => {
    const text = Array.from({ length: 6 }, (_, i) => `جمله شماره ${i + 1} درباره صادرات قزوین است.`).join(" ");
    const chunks = chunkArticle({ id: "t", title: "آزمون", text }, { targetChars: 100, overlapChars: 50 });
    assert.ok(chunks.length > 1);
    const lastOfFirst = splitSentences(chunks[0]!.text).at(-1)!.text;
    assert.ok(chunks[1]!.text.startsWith(lastOfFirst));
  });
});

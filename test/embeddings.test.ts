import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { LocalEmbeddings } from "../core/embeddings/local.ts";
import { chunkArticle } from "../ingest/chunk.ts";
import { prepareArticle } from "../ingest/prepare.ts";
import { readCorpus } from "../ingest/read.ts";
import { SEEDS_DIR } from "./support/helpers.ts";

const { articles } = await readCorpus(SEEDS_DIR);
const texts = articles
  .map(prepareArticle)
  .flatMap((a) => chunkArticle(a))
  .map((c) => c.text);
const embedder = LocalEmbeddings.fit(texts);

function cosine(a: number[], b: number[]): number {
  return a.reduce((sum, x, i) => sum + x * b[i]!, 0);
}

describe("LocalEmbeddings", () => {
  it("is a LangChain Embeddings with an id naming its version and size", async () => {
    assert.equal(embedder.id, "local-hash-v1-d256");
    const [v] = await embedder.embedDocuments(["صادرات قزوین"]);
    assert.equal(v!.length, 256);
  });

  it("gives the same vector for the same text, every time and after a save and load", async () => {
    const text = "در ۶ ماه نخست امسال بیش از ۴۳۳ هزار تن کالا صادر شده است";
    const restored = LocalEmbeddings.fromState(JSON.parse(JSON.stringify(embedder.toState())));
    assert.deepEqual(await embedder.embedQuery(text), await embedder.embedQuery(text));
    assert.deepEqual(await restored.embedQuery(text), await embedder.embedQuery(text));
  });

  it("returns unit vectors, and a zero vector for text with no content words", async () => {
    const v = await embedder.embedQuery("صنایع کوچک قزوین");
    assert.ok(Math.abs(cosine(v, v) - 1) < 1e-9);
    const empty = await embedder.embedQuery("و در به از");
    assert.ok(empty.every((x) => x === 0));
  });

  it("puts a paraphrase nearer than an unrelated sentence", async () => {
    const sentence = await embedder.embedQuery("نزدیک به ۴۵هزار واحد صنفی در استان قم مشغول به فعالیت هستند");
    const paraphrase = await embedder.embedQuery("چند واحد صنفی در قم فعالیت می‌کنند؟");
    const unrelated = await embedder.embedQuery("تیم فوتبال پرسپولیس دیروز دو گل زد");
    assert.ok(cosine(sentence, paraphrase) > 0.3, `paraphrase similarity ${cosine(sentence, paraphrase)}`);
    assert.ok(cosine(sentence, paraphrase) > cosine(sentence, unrelated) + 0.2);
  });

  it("treats ZWNJ and no-space spellings as the same text, and a spaced one as close", async () => {
    const a = await embedder.embedQuery("شرکت‌های دانش‌بنیان");
    const b = await embedder.embedQuery("شرکتهای دانشبنیان");
    const c = await embedder.embedQuery("شرکت های دانش بنیان");
    assert.ok(cosine(a, b) > 0.999, `ZWNJ vs none: ${cosine(a, b)}`);
    assert.ok(cosine(a, c) > 0.4, `ZWNJ vs space: ${cosine(a, c)}`);
  });

  it("finds the seed sentence written «دانشبنیان» from a question typed «دانش بنیان»", async () => {
    const question = await embedder.embedQuery("چند شرکت دانش بنیان فعالیت دارند");
    const answer = await embedder.embedQuery("هم اکنون ۱۴۰ واحد دانشبنیان در سطح استان فعالیت دارند");
    const other = await embedder.embedQuery("نزدیک به ۴۵هزار واحد صنفی در استان قم مشغول به فعالیت هستند");
    assert.ok(cosine(question, answer) > cosine(question, other) + 0.1);
  });

  it("keeps Persian text: two different Persian sentences do not collapse to one vector", async () => {
    const a = await embedder.embedQuery("صادرات قزوین");
    const b = await embedder.embedQuery("فرش دستباف قم");
    assert.ok(cosine(a, b) < 0.2);
  });
});

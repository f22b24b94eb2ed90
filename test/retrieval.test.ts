import assert from "node:assert/strict";
import { readFile } from "node:fs/promises";
import path from "node:path";
import { describe, it } from "node:test";
import { Bm25Index } from "../core/corpus/bm25.ts";
import { analyze } from "../core/persian/tokens.ts";
import { DEFAULT_RETRIEVAL, Retriever, type RetrievalSettings } from "../answer/retrieve.ts";
import { answerableFixtures, seedApp } from "./support/helpers.ts";
import { HnswlibCorpus } from "../core/corpus/embedded/corpus.ts";

const { index, indexDir } = await seedApp();
// Retrieval's properties are pinned on the questions in the articles' own words.
const fixtures = answerableFixtures(["plain", "spelling"]);
const only = (s: Partial<RetrievalSettings>) => new Retriever(HnswlibCorpus.of(index), { ...DEFAULT_RETRIEVAL, ...s });

describe("Bm25Index", () => {
  const docs = [
    { id: "a", title: analyze("صادرات قزوین"), body: analyze("در ۶ ماه نخست امسال ۴۳۳ هزار تن کالا از قزوین صادر شد") },
    {
      id: "b",
      title: analyze("فرش دستباف قم"),
      body: analyze("فرش دستباف و ابریشم استان قم شهره ملی و بین‌المللی است"),
    },
    { id: "c", title: analyze("صنایع کوچک"), body: analyze("صنایع کوچک استان قزوین در ایجاد اشتغال نقش دارند") },
  ];
  const bm25 = Bm25Index.build(docs);

  it("ranks the document with the rare query terms first, with positive scores", () => {
    const hits = bm25.search(analyze("فرش ابریشم قم"), 3);
    assert.equal(hits[0]!.id, "b");
    assert.ok(hits.every((h) => h.score > 0));
    assert.deepEqual(bm25.search(analyze("فوتبال"), 3), []);
  });

  it("weights title terms above body terms (BM25F)", () => {
    const withTitle = Bm25Index.build([
      { id: "title", title: ["قزوین"], body: ["خبر", "امروز"] },
      { id: "body", title: ["خبر"], body: ["قزوین", "امروز"] },
    ]);
    assert.equal(withTitle.search(["قزوین"], 2)[0]!.id, "title");
  });

  it("knows document frequency and gives unseen terms the highest IDF", () => {
    assert.equal(bm25.df("قزوین"), 2);
    assert.equal(bm25.df("فوتبال"), 0);
    assert.ok(bm25.idf("فوتبال") > bm25.idf("قم") && bm25.idf("قم") > bm25.idf("قزوین"));
  });

  it("lets a weighted term count less, and filters documents", () => {
    const full = bm25.search([{ term: "قزوین", weight: 1 }], 3);
    const light = bm25.search([{ term: "قزوین", weight: 0.5 }], 3);
    assert.ok(Math.abs(light[0]!.score - full[0]!.score / 2) < 1e-9);
    assert.deepEqual(
      bm25.search(["قزوین"], 3, ["c"]).map((h) => h.id),
      ["c"],
    );
    // Within some documents, each scores exactly as in a search of all.
    const all = new Map(bm25.search(analyze("صادرات قزوین"), 10).map((h) => [h.id, h.score]));
    const within = bm25.search(analyze("صادرات قزوین"), 10, ["a", "c", "missing"]);
    assert.deepEqual(within.map((h) => h.id).sort(), ["a", "c"]);
    for (const hit of within) assert.equal(hit.score, all.get(hit.id));
  });

  it("finds exactly what an exhaustive search finds when it skips postings, also after live changes", () => {
    // An archive in miniature: Zipf-distributed words, so queries mix rare terms with terms in
    // most documents, the case where MaxScore sets the common terms aside and looks them up.
    let seed = 7;
    const random = () => (seed = (seed * 1103515245 + 12345) % 2 ** 31) / 2 ** 31;
    const word = () => `w${Math.floor(1 / (random() * 0.999 + 0.001)) % 400}`;
    const doc = (id: string) => ({
      id,
      title: [word(), word()],
      body: Array.from({ length: 20 + Math.floor(random() * 60) }, word),
    });
    const index = Bm25Index.build(Array.from({ length: 3000 }, (_, i) => doc(`d${i}`)));
    const queries = Array.from({ length: 60 }, () => Array.from({ length: 2 + Math.floor(random() * 8) }, word));
    const same = (when: string) => {
      for (const q of queries) {
        const exhaustive = index.search(q, index.docCount).slice(0, 10);
        assert.deepEqual(index.search(q, 10), exhaustive, `${when}: ${q.join(" ")}`);
      }
    };
    same("as built");
    index.add(Array.from({ length: 200 }, (_, i) => doc(`live${i}`)));
    index.remove(Array.from({ length: 300 }, (_, i) => `d${i * 7}`));
    same("after additions and removals");
  });

  it("gives the same results after a JSON round trip", () => {
    const restored = Bm25Index.fromJSON(JSON.parse(JSON.stringify(bm25)));
    for (const q of ["صادرات قزوین", "فرش قم", "اشتغال صنایع کوچک"])
      assert.deepEqual(restored.search(analyze(q), 3), bm25.search(analyze(q), 3));
  });
});

describe("the persisted lexical index", () => {
  it("is written beside the HNSW index in the same generation and loads back equal", async () => {
    const fromDisk = Bm25Index.fromBinary(await readFile(path.join(indexDir, "current", "lexical.bin")));
    assert.equal(fromDisk.docCount, index.manifest.counts.chunks);
    assert.equal(fromDisk.docCount, index.lexical.docCount);
    for (const f of fixtures.slice(0, 10))
      assert.deepEqual(fromDisk.search(analyze(f.question), 5), index.lexical.search(analyze(f.question), 5));
    for (const chunk of index.chunks.values())
      assert.ok(fromDisk.search(analyze(chunk.text), index.chunks.size).some((h) => h.id === chunk.id));
  });
});

describe("fusion", () => {
  it("takes no passage from the vectors for a question of no words the embedder weighs", async () => {
    // «چه کسی این را گفت؟» embeds to zeros: every chunk would be «nearest», at cosine 0.
    const corpus = HnswlibCorpus.of(index);
    const zeros = await (await corpus.embedder()).embedQuery("چه کسی این را گفت؟");
    assert.ok(zeros.every((x) => x === 0));
    assert.deepEqual(await corpus.nearest(zeros, 5), []);
    assert.deepEqual(await only({ lexical: false, rerank: false }).search("چه کسی این را گفت؟", { k: 5 }), []);
  });

  it("merges both rankings: the best of each is among the fused candidates", async () => {
    for (const f of fixtures) {
      const [dense] = await only({ lexical: false, rerank: false }).search(f.question, { k: 1 });
      const [lexical] = await only({ dense: false, rerank: false }).search(f.question, { k: 1 });
      for (const fusion of ["weighted", "rrf"] as const) {
        const fused = (await only({ rerank: false, fusion }).search(f.question, { k: 50 })).map((p) => p.chunk.id);
        assert.ok(fused.includes(dense!.chunk.id), `${fusion}: dense best missing for «${f.question}»`);
        assert.ok(fused.includes(lexical!.chunk.id), `${fusion}: lexical best missing for «${f.question}»`);
      }
    }
  });

  it("puts first a passage that both rankings put first", async () => {
    let agreed = 0;
    for (const f of fixtures) {
      const [dense] = await only({ lexical: false, rerank: false }).search(f.question, { k: 1 });
      const [lexical] = await only({ dense: false, rerank: false }).search(f.question, { k: 1 });
      if (dense!.chunk.id !== lexical!.chunk.id) continue;
      agreed++;
      for (const fusion of ["weighted", "rrf"] as const) {
        const [fused] = await only({ rerank: false, fusion }).search(f.question, { k: 1 });
        assert.equal(fused!.chunk.id, dense!.chunk.id, `${fusion}: «${f.question}»`);
      }
    }
    assert.ok(agreed >= 5, `only ${agreed} fixtures where both rankings agree`);
  });

  it("returns chunks best first with scores, under every combination of stages", async () => {
    const combos: Array<Partial<RetrievalSettings>> = [
      {},
      { rerank: false },
      { dense: false },
      { lexical: false },
      { fusion: "rrf" },
      { expand: true },
    ];
    for (const s of combos) {
      const results = await only(s).search("ارزش صادرات قزوین چقدر بود؟", { k: 8 });
      assert.equal(results.length, 8, JSON.stringify(s));
      for (let i = 1; i < results.length; i++) assert.ok(results[i - 1]!.score >= results[i]!.score, JSON.stringify(s));
      if (s.dense !== false || s.lexical !== false)
        assert.ok(
          results.some((p) => p.chunk.articleId === "000_6460d26cea20ff96"),
          JSON.stringify(s),
        );
    }
  });

  it("answers a question of stopwords only without failing", async () => {
    const results = await only({}).search("چه کسی؟", { k: 3 });
    assert.ok(results.length <= 3);
  });
});

describe("article scope", () => {
  const QOM = "003_5e0f5a173f3dffd5";

  it("reaches every chunk of the reader's article however weak the match (the filtered search over-fetches)", async () => {
    const count = index.chunkCounts.get(QOM)!;
    const results = await only({ lexical: false, rerank: false }).search("ماشین لباسشویی", { k: 50, articleId: QOM });
    const found = results.filter((p) => p.chunk.articleId === QOM).length;
    assert.equal(found, count);
  });

  it("puts the reader's article first for a question it answers, and keeps other articles in view", async () => {
    const QOM_EXPORTS = "002_804e4a69935f094f";
    const plain = await only({}).search("اشتغال", { k: 5 });
    assert.notEqual(plain[0]!.chunk.articleId, QOM_EXPORTS, "the scope must be what changes the order");
    const results = await only({}).search("اشتغال", { k: 5, articleId: QOM_EXPORTS });
    assert.equal(results[0]!.chunk.articleId, QOM_EXPORTS);
    assert.ok(results.some((p) => p.chunk.articleId !== QOM_EXPORTS));
  });

  it("does not hide the article that answers when the reader is on another one", async () => {
    for (const f of fixtures) {
      const other = f.articleId === QOM ? "000_6460d26cea20ff96" : QOM;
      const results = await only({}).search(f.question, { k: 5, articleId: other });
      assert.ok(
        results.some((p) => p.chunk.articleId === f.articleId),
        `«${f.question}» lost ${f.articleId} when scoped to ${other}`,
      );
    }
  });
});

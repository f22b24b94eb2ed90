import assert from "node:assert/strict";
import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { readdir, readFile, rm, utimes, writeFile } from "node:fs/promises";
import path from "node:path";
import { after, before, describe, it } from "node:test";
import { TokenTable, TokenTableBuilder } from "../core/corpus/embedded/token-table.ts";
import { LocalEmbeddings } from "../core/embeddings/local.ts";
import { openIndex, readManifest, writeGeneration } from "../core/corpus/embedded/store.ts";
import { Bm25Index } from "../core/corpus/bm25.ts";
import { analyze, tokenize } from "../core/persian/tokens.ts";
import { analyzeArticles, lexicalDoc } from "../ingest/analyze.ts";
import { buildIndex, isIndexCurrent, embedChunks, embedCorpus } from "../ingest/build.ts";
import { embedInParallel } from "../ingest/embed-parallel.ts";
import { prepareArticle } from "../ingest/prepare.ts";
import { readCorpus } from "../ingest/read.ts";
import { Retriever } from "../answer/retrieve.ts";
import { SEEDS_DIR, seedCopy, tempDir } from "./support/helpers.ts";
import { HnswlibCorpus } from "../core/corpus/embedded/corpus.ts";

describe("building and opening the index", () => {
  it("round-trips: what ingest writes, the server opens and searches", async () => {
    const indexDir = await tempDir();
    const logs: string[] = [];
    const summary = await buildIndex({
      articlesDir: await seedCopy(),
      indexDir,
      embedder: { kind: "local" },
      log: (l) => logs.push(l),
    });
    assert.equal(summary.built, true);
    assert.equal(summary.articles, 5);
    assert.ok(
      logs.some((l) => l.includes("no index yet")),
      logs.join("\n"),
    );

    const index = await openIndex(indexDir, { kind: "local" });
    assert.equal(index.articles.size, 5);
    assert.equal(index.manifest.counts.chunks, summary.chunks);
    assert.equal(index.manifest.embedder.id, "local-hash-v1-d256");
    assert.equal(index.manifest.embedder.dimensions, 256);
    const [best] = await new Retriever(HnswlibCorpus.of(index)).search("فرش دستباف قم", { k: 3 });
    assert.equal(best!.chunk.articleId, "003_5e0f5a173f3dffd5");
    assert.equal(
      index.articles.get(best!.chunk.articleId)!.text.slice(best!.chunk.start, best!.chunk.end),
      best!.chunk.text,
    );
  });

  it("reports embedding progress up to the number of chunks", async () => {
    const seen: Array<[number, number]> = [];
    const summary = await buildIndex({
      articlesDir: await seedCopy(),
      indexDir: await tempDir(),
      embedder: { kind: "local" },
      onProgress: (done, total) => seen.push([done, total]),
    });
    assert.deepEqual(seen[0], [0, summary.chunks]);
    assert.deepEqual(seen.at(-1), [summary.chunks, summary.chunks]);
    for (let i = 1; i < seen.length; i++) assert.ok(seen[i]![0] > seen[i - 1]![0]);
  });

  it("records each article's content hash and does not rebuild an up-to-date index", async () => {
    const articlesDir = await seedCopy();
    const indexDir = await tempDir();
    await buildIndex({ articlesDir, indexDir, embedder: { kind: "local" } });
    const manifest = (await readManifest(indexDir))!;
    assert.deepEqual(Object.keys(manifest.articles).sort(), [
      "000_6460d26cea20ff96",
      "001_ac32e4e684eddc00",
      "002_804e4a69935f094f",
      "003_5e0f5a173f3dffd5",
      "004_6f85bbe77279df80",
    ]);
    const again = await buildIndex({ articlesDir, indexDir, embedder: { kind: "local" } });
    assert.equal(again.built, false);
    assert.equal(again.reason, "index is up to date");
  });

  it("analyses a chunk at build exactly as live publishing does, even a body that starts with «ها»", async () => {
    const articles = (await readCorpus(SEEDS_DIR)).articles.map(prepareArticle);
    const { chunks, lexical } = analyzeArticles(articles, false);
    assert.ok(
      chunks.some((c) => c.text.startsWith("ها ")),
      "the seeds hold such a chunk",
    );
    chunks.forEach((chunk, i) => assert.deepEqual(lexical[i], lexicalDoc(chunk), chunk.id));
  });

  it("stores every chunk's title and body tokens, as re-scoring would read them from the text, in one table from parts", async () => {
    const indexDir = await tempDir();
    await buildIndex({ articlesDir: await seedCopy(), indexDir, embedder: { kind: "local" } });
    const index = await openIndex(indexDir, { kind: "local" });
    assert.equal(index.tokens.rows, index.chunks.size);
    for (const [id, chunk] of index.chunks) {
      const label = index.labels.get(id)!;
      assert.deepEqual(index.tokens.tokens(label), tokenize(chunk.text), id);
      assert.deepEqual(index.tokens.terms(label), analyze(chunk.text), id);
      assert.deepEqual(index.tokens.tokens(label, "title"), tokenize(chunk.title), id);
      assert.deepEqual(index.tokens.terms(label, "title"), analyze(chunk.title), id);
      assert.deepEqual(index.tokens.tokens(label, "whole"), [...tokenize(chunk.title), ...tokenize(chunk.text)], id);
      assert.deepEqual(index.tokens.terms(label, "whole"), [...analyze(chunk.title), ...analyze(chunk.text)], id);
    }
    assert.equal(
      index.tokens.tokens(index.chunks.size),
      undefined,
      "a chunk published since the build is not in the table",
    );
    assert.equal(index.tokens.tokens(index.chunks.size, "title"), undefined);

    const articles = (await readCorpus(SEEDS_DIR)).articles.map(prepareArticle);
    const whole = analyzeArticles(articles, false).tokens;
    const joined = TokenTable.concat([
      analyzeArticles(articles.slice(0, 2), false).tokens,
      analyzeArticles(articles.slice(2), false).tokens,
    ]);
    for (let row = 0; row < whole.rows; row++) {
      assert.deepEqual(joined.tokens(row), whole.tokens(row));
      assert.deepEqual(joined.tokens(row, "title"), whole.tokens(row, "title"));
    }
    const read = TokenTable.fromBinary(joined.toBinary());
    for (const row of [0, whole.rows - 1]) {
      assert.deepEqual(read.tokens(row), whole.tokens(row));
      assert.deepEqual(read.tokens(row, "title"), whole.tokens(row, "title"));
    }
  });

  it("embeds a chunk at build as live publishing does, and the same on worker threads as on one", async () => {
    const sources = (await readCorpus(SEEDS_DIR)).articles;
    // Both take their sources over (and empty the array): each gets its own.
    const single = await embedCorpus([...sources], { kind: "local" });
    const parallel = await embedInParallel([...sources], 2);
    assert.deepEqual((parallel.embedder as LocalEmbeddings).toState(), (single.embedder as LocalEmbeddings).toState());
    assert.deepEqual(parallel.articles, single.articles);
    assert.deepEqual(parallel.chunks, single.chunks);
    assert.deepEqual(parallel.lexical, single.lexical);
    // Workers hand vectors back as float32, as HNSW stores them.
    assert.deepEqual(
      parallel.vectors.map((v) => Array.from(v)),
      single.vectors.map((v) => Array.from(v, Math.fround)),
    );
    for (let row = 0; row < single.chunks.length; row++)
      assert.deepEqual(parallel.tokens.tokens(row), single.tokens.tokens(row));
    // Live publishing (server/library.ts) embeds with embedChunks: the same vectors, the chunk whose body starts with «ها» included.
    assert.ok(single.chunks.some((c) => c.text.startsWith("ها ")));
    const live = await embedChunks(single.embedder, single.chunks);
    live.forEach((v, i) => assert.deepEqual(v, Array.from(single.vectors[i]!), single.chunks[i]!.id));
  });

  it("knows an unchanged archive is current from its files' sizes and times, without reading it", async () => {
    const articlesDir = await seedCopy();
    const indexDir = await tempDir();
    const options = { articlesDir, indexDir, embedder: { kind: "local" as const } };
    assert.equal(await isIndexCurrent(options), false, "no index yet");
    await buildIndex(options);
    assert.equal(await isIndexCurrent(options), true);
    // A file rewritten with the same words is read again: its time changed, its hash did not.
    const file = path.join(articlesDir, "004_6f85bbe77279df80.txt");
    await utimes(file, new Date(), new Date(Date.now() + 5000));
    assert.equal(await isIndexCurrent(options), false);
    const again = await buildIndex(options);
    assert.equal(again.built, false, "same content: no rebuild");
    assert.equal(await isIndexCurrent(options), true, "the new time is recorded, so the next start trusts it");
  });

  it("rebuilds when an article changes, is added or removed, saying so", async () => {
    const articlesDir = await seedCopy();
    const indexDir = await tempDir();
    await buildIndex({ articlesDir, indexDir, embedder: { kind: "local" } });

    const file = path.join(articlesDir, "004_6f85bbe77279df80.txt");
    await writeFile(file, (await readFile(file, "utf8")).replace("۱۴۰ واحد دانشبنیان", "۱۵۵ واحد دانشبنیان"));
    await writeFile(
      path.join(articlesDir, "extra.jsonl"),
      JSON.stringify({ id: "x1", title: "خبر تازه", text: "بندر انزلی امروز پذیرای ۳ کشتی تجاری بود." }) + "\n",
    );
    await rm(path.join(articlesDir, "000_6460d26cea20ff96.txt"));
    const logs: string[] = [];
    const summary = await buildIndex({ articlesDir, indexDir, embedder: { kind: "local" }, log: (l) => logs.push(l) });
    assert.equal(summary.built, true);
    assert.equal(summary.reason, "articles changed: 1 added, 1 changed, 1 removed");
    assert.ok(logs.some((l) => l.includes("articles changed")));

    const index = await openIndex(indexDir, { kind: "local" });
    assert.ok(!index.articles.has("000_6460d26cea20ff96"));
    assert.ok(index.articles.get("004_6f85bbe77279df80")!.text.includes("۱۵۵ واحد"));
    const [best] = await new Retriever(HnswlibCorpus.of(index)).search("کشتی تجاری بندر انزلی", { k: 1 });
    assert.equal(best!.chunk.articleId, "x1");
  });

  it("never queries an index built by another embedder: it is rebuilt with a clear reason", async () => {
    const articlesDir = await seedCopy();
    const indexDir = await tempDir();
    await buildIndex({ articlesDir, indexDir, embedder: { kind: "local" } });
    const current = path.join(indexDir, "current", "manifest.json");
    const manifest = JSON.parse(await readFile(current, "utf8"));
    manifest.embedder.id = "openai:text-embedding-3-small";
    await writeFile(current, JSON.stringify(manifest));

    await assert.rejects(
      openIndex(indexDir, { kind: "local" }),
      /built by openai:text-embedding-3-small, not by the configured local-hash-v1-d256/,
    );
    const summary = await buildIndex({ articlesDir, indexDir, embedder: { kind: "local" } });
    assert.equal(summary.reason, "embedder changed from openai:text-embedding-3-small to local-hash-v1-d256");
    assert.equal((await openIndex(indexDir, { kind: "local" })).manifest.embedder.id, "local-hash-v1-d256");
  });

  it("rebuilds an index made by other analysis or ingest code", async () => {
    const articlesDir = await seedCopy();
    const indexDir = await tempDir();
    await buildIndex({ articlesDir, indexDir, embedder: { kind: "local" } });
    const current = path.join(indexDir, "current", "manifest.json");
    await writeFile(
      current,
      JSON.stringify({ ...JSON.parse(await readFile(current, "utf8")), pipeline: "0000000000000000" }),
    );
    const summary = await buildIndex({ articlesDir, indexDir, embedder: { kind: "local" } });
    assert.equal(summary.reason, "text analysis or ingest code changed");
  });

  it("leaves the previous index usable when a build fails", async () => {
    const articlesDir = await seedCopy();
    const indexDir = await tempDir();
    await buildIndex({ articlesDir, indexDir, embedder: { kind: "local" } });
    const before = await readManifest(indexDir);

    const embedder = LocalEmbeddings.fit(["متن"]);
    const broken = writeGeneration(indexDir, {
      manifest: { ...before!, embedder: { id: embedder.id, dimensions: 2048 } },
      articles: [{ id: "a", title: "t", text: "متن", suggestedQuestions: [] }],
      chunks: [{ id: "a#0", articleId: "a", title: "t", position: 0, start: 0, end: 3, text: "متن" }],
      vectors: [[1, 2, 3]], // wrong dimensions: HNSWLib refuses them mid-build, after the tables are written
      lexical: Bm25Index.build([]),
      tokens: new TokenTableBuilder().table(),
      embedder,
    });
    await assert.rejects(broken, /dimensions/);

    assert.deepEqual(await readManifest(indexDir), before);
    assert.equal((await openIndex(indexDir, { kind: "local" })).articles.size, 5);
    const entries = await readdir(indexDir);
    assert.equal(entries.filter((e) => e.startsWith("gen-")).length, 1, `left behind: ${entries.join(", ")}`);
  });

  it("refuses to build from an empty articles directory, and names it", async () => {
    const empty = await tempDir();
    await assert.rejects(
      buildIndex({ articlesDir: empty, indexDir: await tempDir(), embedder: { kind: "local" } }),
      new RegExp(`No articles in ${empty}`),
    );
  });

  it("says which directory is missing", async () => {
    await assert.rejects(
      buildIndex({ articlesDir: "/nonexistent/articles", indexDir: await tempDir(), embedder: { kind: "local" } }),
      /Cannot read ARTICLES_DIR "\/nonexistent\/articles": ENOENT/,
    );
  });
});

describe("an index embedded by an OpenAI-compatible server", () => {
  let server: Server;
  let baseURL: string;
  let requests = 0;
  // The fake server embeds with the local embedder so that search results are meaningful.
  const local = LocalEmbeddings.fit(["فرش دستباف قم", "صادرات قزوین"]);

  before(async () => {
    server = createServer(async (req, res) => {
      let body = "";
      for await (const chunk of req) body += chunk;
      requests++;
      const { input } = JSON.parse(body) as { input: string[] };
      const data = input.map((text, index) => ({ object: "embedding", index, embedding: local.embed(text) }));
      res.setHeader("content-type", "application/json");
      res.end(
        JSON.stringify({ object: "list", data, model: "fake-embed", usage: { prompt_tokens: 0, total_tokens: 0 } }),
      );
    });
    await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
    baseURL = `http://127.0.0.1:${(server.address() as AddressInfo).port}/v1`;
  });
  after(() => new Promise<void>((resolve) => server.close(() => resolve())));

  it("names the model in the manifest, and is searched with the same model", async () => {
    const spec = { kind: "openai" as const, model: "fake-embed", apiKey: "sk-test", baseURL };
    const indexDir = await tempDir();
    const summary = await buildIndex({ articlesDir: await seedCopy(), indexDir, embedder: spec });
    assert.ok(requests >= 1);
    const index = await openIndex(indexDir, spec);
    assert.equal(index.manifest.embedder.id, "openai:fake-embed");
    assert.equal(index.manifest.embedder.dimensions, LocalEmbeddings.fit(["فرش"]).dimensions);
    assert.equal(index.manifest.counts.chunks, summary.chunks);
    const [best] = await new Retriever(HnswlibCorpus.of(index)).search("فرش دستباف قم", { k: 1 });
    assert.equal(best!.chunk.articleId, "003_5e0f5a173f3dffd5");

    const local = await buildIndex({ articlesDir: await seedCopy(), indexDir, embedder: { kind: "local" } });
    assert.equal(local.reason, "embedder changed from openai:fake-embed to local-hash-v1-d256");
  });
});

import assert from "node:assert/strict";
import { after, describe, it } from "node:test";
import { loadConfig } from "../core/config.ts";
import { HnswlibCorpus } from "../core/corpus/embedded/corpus.ts";
import { planSegments, SegmentSet } from "../core/corpus/embedded/segments.ts";
import { openIndex, readManifest } from "../core/corpus/embedded/store.ts";
import { buildStore } from "../ingest/store.ts";
import { adminApp, answerableFixtures, seedCopy, tempDir, withSeedServer } from "./support/helpers.ts";

/** Small enough that the seeds' chunks make many segments, and a publication opens several. */
const SMALL = 4;
const ANZALI = {
  title: "رکورد تازه بندر انزلی",
  text: [
    "بندر انزلی امسال پذیرای ۴۷۰ کشتی تجاری بود و حجم کالای تخلیه شده در این بندر به ۳ میلیون تن رسید.",
    "مدیرکل بنادر و دریانوردی گیلان گفت صادرات از این بندر به کشورهای حوزه دریای خزر دو برابر شده است.",
    "به گفته او ظرفیت اسکله‌های بندر انزلی تا پایان سال آینده به پنج میلیون تن می‌رسد.",
    "ساخت پایانه تازه مسافری بندر نیز با سرمایه‌گذاری بخش خصوصی آغاز شده است.",
  ].join("\n\n"),
  source: "ایرنا",
};
const SHIPS = "بندر انزلی امسال پذیرای چند کشتی بود؟";
const QUESTIONS = [...new Set(answerableFixtures().map((f) => f.question))].slice(0, 12).concat(SHIPS);

/**
 * The seeds built with INDEX_SEGMENT_CHUNKS=`segmentChunks` (through the configuration, as
 * `npm run ingest` reads it), opened with vector searches on threads or not, and served with the
 * article management API.
 */
async function served(segmentChunks: number | undefined, threads: "on" | "off") {
  const articlesDir = await seedCopy();
  const indexDir = await tempDir("goftogu-index-");
  const { store } = loadConfig(segmentChunks === undefined ? {} : { INDEX_SEGMENT_CHUNKS: String(segmentChunks) });
  await buildStore({ store, articlesDir, indexDir, embedder: { kind: "local" }, mode: "import" });
  const corpus = HnswlibCorpus.of(await openIndex(indexDir, { kind: "local" }), {
    searchThread: threads,
    lexicalThread: "off",
  });
  after(() => corpus.close());
  const { send } = adminApp(corpus, articlesDir);
  const embedder = await corpus.embedder();
  /** The 10 nearest chunks, with their similarity to 6 places (float sums differ in the last bits by order). */
  const nearest = async (question: string, articleId?: string) =>
    (await corpus.nearest(await embedder.embedQuery(question), 10, articleId)).map(
      (h) => `${h.chunk.id} ${h.score.toFixed(6)}`,
    );
  return { corpus, send, nearest, indexDir };
}

describe("vector segments (INDEX_SEGMENT_CHUNKS)", () => {
  it("are cut into even spans of at most the bound", () => {
    assert.deepEqual(planSegments(0, 5000), []);
    assert.deepEqual(planSegments(5000, 5000), [{ first: 0, count: 5000 }]);
    assert.deepEqual(planSegments(10_001, 5000), [
      { first: 0, count: 3334 },
      { first: 3334, count: 3334 },
      { first: 6668, count: 3333 },
    ]);
  });

  it("drop tombstones by compacting a segment in the background, while searches and changes go on", async () => {
    // Vectors of 8 dimensions from a fixed sequence, and exact cosine over the live ones as truth.
    let seed = 7;
    const random = () => ((seed = (seed * 1103515245 + 12345) % 2 ** 31) / 2 ** 31) * 2 - 1;
    const vectors = Array.from({ length: 300 }, () => Array.from({ length: 8 }, random));
    const set = new SegmentSet(8, 1000);
    const labels = vectors.map((_, i) => i);
    set.stage(vectors, labels);
    set.reveal(labels);
    const gone = new Set(labels.filter((l) => l % 3 !== 0));
    const exact = (query: number[]) => {
      const norm = (v: number[]) => Math.hypot(...v);
      return labels
        .filter((l) => !gone.has(l))
        .map((l) => ({
          l,
          s: vectors[l]!.reduce((sum, x, d) => sum + x * query[d]!, 0) / norm(vectors[l]!) / norm(query),
        }))
        .sort((a, b) => b.s - a.s)
        .slice(0, 10)
        .map((x) => x.l);
    };
    const queries = vectors.slice(0, 20);
    set.delete([...gone].slice(0, 100));
    assert.equal(set.needsCompaction, true, "100 tombstones of 300");
    assert.equal(set.compactStep(0), true, "a step of no time leaves work");
    // Changes in the middle of the compaction reach both graphs: more tombstones, and a
    // publication staged (hidden) before the copy reaches it, revealed after.
    set.delete([...gone].slice(100));
    const published = Array.from({ length: 12 }, (_, i) => 300 + i);
    const publishedVectors = published.map(() => Array.from({ length: 8 }, random));
    set.stage(publishedVectors, published);
    while (set.compactStep(1));
    assert.equal(set.stored, 112, "only the live and staged vectors are left in the graph");
    assert.deepEqual(set.score(publishedVectors[0]!, published).labels, [], "staged labels stay hidden");
    set.reveal(published);
    assert.equal(set.search(publishedVectors[0]!, 1, 128).labels[0], 300, "and are found once revealed");
    set.delete(published);
    for (const q of queries)
      assert.deepEqual(
        set.search(q, 10, 128).labels,
        exact(q),
        "the compacted segment finds the live vectors as exact search does",
      );
    // Labels are never reused: a tombstone stays one after the compaction.
    set.delete([1, 2]);
    assert.equal(set.score(queries[0]!, [0, 1, 2, 3]).labels.join(), "0,3");
  });

  it("find what one graph finds, in process and on threads, before and after publications open new segments", async () => {
    const [one, segmented, threaded] = await Promise.all([
      served(undefined, "off"),
      served(SMALL, "off"),
      served(SMALL, "on"),
    ]);
    const manifest = (await readManifest(segmented.indexDir))!;
    const spans = manifest.segments!;
    assert.equal(spans.length, Math.ceil(manifest.counts.chunks / SMALL), "the seeds' chunks in segments of 4");
    assert.ok(spans.every((s) => s.count <= SMALL));
    assert.deepEqual(
      spans.map((s) => s.first),
      spans.map((_, i) => spans.slice(0, i).reduce((n, s) => n + s.count, 0)),
      "the spans follow each other, from label 0",
    );
    assert.equal((await readManifest(one.indexDir))!.segments!.length, 1, "the seeds fit one default segment");
    assert.equal(await threaded.corpus.searchThreadReady(), true, "the threads read their segments");
    assert.equal(await segmented.corpus.searchThreadReady(), false);

    // One graph of the seeds' few dozen chunks searched at ef 128 visits them all: it is exact.
    const same = async (when: string) => {
      for (const q of QUESTIONS) {
        const truth = await one.nearest(q);
        assert.equal(truth.length, 10, `${when}: «${q}» has 10 neighbours`);
        assert.deepEqual(await segmented.nearest(q), truth, `${when}, segments in process: «${q}»`);
        assert.deepEqual(await threaded.nearest(q), truth, `${when}, segments on threads: «${q}»`);
      }
      for (const s of [segmented, threaded])
        assert.deepEqual(
          await s.nearest(SHIPS, "anzali-1"),
          await one.nearest(SHIPS, "anzali-1"),
          `${when}, in one article`,
        );
    };
    await same("as built");

    for (const s of [one, segmented, threaded])
      assert.equal((await s.send("PUT", "/api/articles/anzali-1", ANZALI)).status, 200);
    await same("after publishing");
    assert.match((await threaded.nearest(SHIPS))[0]!, /^anzali-1/, "the published article is found first");
    assert.ok((await threaded.nearest(SHIPS, "anzali-1")).length > 0, "and its chunks within it");

    const replaced = { ...ANZALI, text: ANZALI.text.replace("۴۷۰", "۵۱۲") };
    for (const s of [one, segmented, threaded])
      assert.equal((await s.send("PUT", "/api/articles/anzali-1", replaced)).status, 200);
    await same("after replacing");

    for (const s of [one, segmented, threaded])
      assert.equal((await s.send("DELETE", "/api/articles/anzali-1")).status, 204);
    await same("after deleting");
    assert.ok(
      !(await threaded.nearest(SHIPS)).some((h) => h.startsWith("anzali-1")),
      "the deleted article is not found",
    );
    const search = (await (await threaded.send("POST", "/api/search", { query: SHIPS, k: 5 })).json()) as {
      results: Array<{ articleId: string }>;
    };
    assert.ok(search.results.length > 0 && !search.results.some((r) => r.articleId === "anzali-1"));
  });

  it("are built on worker threads by `npm start`, and answer as one graph does", async () => {
    const indexDir = await tempDir("goftogu-index-");
    await withSeedServer(
      { INDEX_DIR: indexDir, INDEX_SEGMENT_CHUNKS: String(SMALL), DENSE_SEARCH_THREAD: "on" },
      async (_server, _health, ask) => {
        const manifest = (await readManifest(indexDir))!;
        assert.equal(manifest.segments!.length, Math.ceil(manifest.counts.chunks / SMALL));
        assert.ok(manifest.segments!.length > 2, "more segments than cores: the build's threads each built several");
        const answer = await ask("قم چند شهرک صنعتی دارد؟");
        assert.equal(answer.found, true);
        assert.match(answer.short ?? "", /هفت/);
      },
    );
  });

  it("is a setting checked at start", () => {
    assert.equal(
      (loadConfig({ INDEX_SEGMENT_CHUNKS: "2500" }).store as { segmentChunks?: number }).segmentChunks,
      2500,
    );
    assert.throws(() => loadConfig({ INDEX_SEGMENT_CHUNKS: "0" }), /INDEX_SEGMENT_CHUNKS: must be at least 1/);
    assert.equal((loadConfig({ VECTOR_SEARCH_EF: "64" }).store as { searchEf?: number }).searchEf, 64);
    assert.throws(() => loadConfig({ VECTOR_SEARCH_EF: "20000" }), /VECTOR_SEARCH_EF: must be at most 10000/);
    assert.throws(
      () => loadConfig({ INDEX_SEGMENT_CHUNKS: "many" }),
      /INDEX_SEGMENT_CHUNKS: must be a whole number of chunks/,
    );
  });
});

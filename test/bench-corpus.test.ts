import assert from "node:assert/strict";
import { mkdtemp, readdir, readFile, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import path from "node:path";
import { after, before, describe, it } from "node:test";
import { writeCorpus, type CorpusSummary } from "./support/corpus.ts";
import { countQuestion, loadSentencePool, type SentencePool } from "./support/sentence-pool.ts";
import { chunkArticle } from "../ingest/chunk.ts";
import { prepareArticle } from "../ingest/prepare.ts";
import { readCorpus } from "../ingest/read.ts";

async function filesOf(dir: string): Promise<string> {
  const names = (await readdir(dir)).sort();
  return (await Promise.all(names.map((n) => readFile(path.join(dir, n), "utf8")))).join("");
}

describe("the benchmark corpus (npm run bench)", () => {
  const dirs: string[] = [];
  // Made here rather than with helpers' tempDir, whose cleanup would run when `before` ends.
  const tempDir = async () => {
    const dir = await mkdtemp(path.join(tmpdir(), "goftogu-bench-corpus-"));
    dirs.push(dir);
    return dir;
  };
  after(() => Promise.all(dirs.map((d) => rm(d, { recursive: true, force: true }))));
  let pool: SentencePool;
  let dir: string;
  let summary: CorpusSummary;
  before(async () => {
    pool = await loadSentencePool();
    dir = await tempDir();
    summary = await writeCorpus(dir, { size: 50, seed: 7, shardSize: 20 }, pool);
  });

  it("is the same for the same seed, and another for another seed", async () => {
    const again = await tempDir();
    const other = await tempDir();
    const againSummary = await writeCorpus(again, { size: 50, seed: 7, shardSize: 20 }, pool);
    await writeCorpus(other, { size: 50, seed: 8, shardSize: 20 }, pool);
    assert.equal(await filesOf(again), await filesOf(dir));
    assert.deepEqual(againSummary.questions, summary.questions);
    assert.notEqual(await filesOf(other), await filesOf(dir));
  });

  it("grows by appending: a small corpus is the start of a larger one", async () => {
    const larger = await tempDir();
    await writeCorpus(larger, { size: 60, seed: 7, shardSize: 20 }, pool);
    const lines = (await filesOf(larger)).split("\n").filter(Boolean);
    assert.deepEqual(lines.slice(0, 50), (await filesOf(dir)).split("\n").filter(Boolean));
  });

  it("is read by ingest without a problem, with headlines, agencies, Tehran-time dates and ~5 chunks an article", async () => {
    assert.equal(summary.files, 3);
    const corpus = await readCorpus(dir);
    assert.deepEqual(corpus.problems, []);
    assert.equal(corpus.articles.length, 50);
    const articles = corpus.articles.map(prepareArticle);
    const counts = articles.map((a) => chunkArticle(a).length);
    const mean = counts.reduce((a, b) => a + b, 0) / counts.length;
    assert.ok(mean >= 4.3 && mean <= 5.7, `mean chunks an article ${mean}`);
    assert.ok(
      counts.every((c) => c >= 2 && c <= 9),
      `chunks an article ${counts.join(",")}`,
    );
    for (const a of articles) {
      assert.ok(a.title.length >= 10 && a.title.length <= 160, a.title);
      assert.ok(a.source && a.url?.startsWith("https://"));
      assert.match(a.publishedAt ?? "", /^202[1-5]-\d\d-\d\dT\d\d:\d\d:00\+03:30$/);
      assert.match(a.text, /^به گزارش /);
      assert.ok(a.text.length >= 1500 && a.text.length <= 2600, `${a.id}: ${a.text.length} characters`);
    }
  });

  it("comes with questions whose answer is in the articles named for them", async () => {
    const articles = new Map((await readCorpus(dir)).articles.map((a) => [a.id, a.raw]));
    assert.ok(summary.questions.length >= 40, `${summary.questions.length} questions`);
    for (const q of summary.questions) {
      assert.match(q.question, /؟$/);
      assert.ok(q.answerArticles.length > 0);
      for (const id of q.answerArticles)
        assert.ok(articles.get(id)?.includes(q.answer), `${q.question} → «${q.answer}» in ${id}`);
    }
  });

  it("asks «چند» about a count, never about a year", () => {
    assert.deepEqual(countQuestion("استان قزوین در حال حاضر ۱۲ شهرک صنعتی فعال دارد."), {
      question: "استان قزوین در حال حاضر چند شهرک صنعتی فعال دارد؟",
      answer: "۱۲ شهرک",
    });
    assert.equal(countQuestion("این بنا در سال ۱۳۴۵ ساخته شد."), undefined);
    assert.equal(countQuestion("او در ۲۲ بهمن به دنیا آمد."), undefined);
  });
});

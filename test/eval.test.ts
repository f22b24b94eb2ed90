import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import { readdir, readFile } from "node:fs/promises";
import path from "node:path";
import { describe, it } from "node:test";
import { naiveTokens } from "../eval/baseline.ts";
import { containsGold, ndcgAt, percentile, rankOf, recallAt, reciprocalRank, tokenF1 } from "../eval/metrics.ts";
import { PIPELINES, runEval } from "../eval/run.ts";
import { loadSet } from "../eval/sets.ts";
import { tempDir } from "./helpers.ts";

describe("evaluation metrics", () => {
  it("reads the rank of the gold passage into R@k, MRR and nDCG", () => {
    assert.equal(rankOf(["a", "b", "c"], "b"), 2);
    assert.equal(rankOf(["a"], "z"), undefined);
    assert.deepEqual([recallAt(2, 1), recallAt(2, 5), recallAt(undefined, 10)], [0, 1, 0]);
    assert.equal(reciprocalRank(4), 0.25);
    assert.equal(ndcgAt(1, 10), 1);
    assert.ok(Math.abs(ndcgAt(3, 10) - 0.5) < 1e-12);
    assert.equal(ndcgAt(11, 10), 0);
  });

  it("matches answers the way a reader would: digits, letters and ZWNJ unified", () => {
    assert.ok(containsGold("ارزش آن 263 میلیون دلار بود", ["۲۶۳ میلیون دلار"]));
    assert.ok(containsGold("شرکت‌های دانشبنیان", ["شرکتهای دانش‌بنیان"]));
    assert.ok(!containsGold("x".repeat(300) + " ۲۶۳ میلیون دلار", ["۲۶۳ میلیون دلار"]), "only the first 300 characters count");
  });

  it("computes SQuAD token F1 against the best gold answer", () => {
    assert.equal(tokenF1("۲۶۳ میلیون دلار", ["263 میلیون دلار"]), 1);
    assert.ok(Math.abs(tokenF1("بیش از ۲۶۳ میلیون دلار", ["۲۶۳ میلیون دلار"]) - 2 * (3 / 5 * 1) / (3 / 5 + 1)) < 1e-12);
    assert.equal(tokenF1("قم", ["قزوین", "قم"]), 1);
    assert.equal(tokenF1("", ["قم"]), 0);
  });

  it("takes nearest-rank percentiles", () => {
    assert.equal(percentile([5, 1, 3, 2, 4], 50), 3);
    assert.equal(percentile([1, 2, 3, 4, 5, 6, 7, 8, 9, 10], 95), 10);
  });

  it("gives the naive baseline character normalisation only", () => {
    assert.deepEqual(naiveTokens("شرکت‌های دانش بنیان ۲۶۳"), ["شرکتهای", "دانش", "بنیان", "263"]);
  });
});

describe("runEval on the project's fixtures", () => {
  it("indexes the seeds through ingest and scores every pipeline, the full one perfectly", async () => {
    const set = await loadSet("fixtures", "dev");
    const answerable = set.questions.filter((q) => q.goldId).length;
    const result = await runEval(set);
    assert.deepEqual(result.retrieval.map((r) => r.pipeline), PIPELINES.map((p) => p.name));
    const full = result.retrieval.at(-1)!;
    assert.equal(full.pipeline, "full (default)");
    assert.equal(full.questions, answerable);
    assert.deepEqual([full.r1, full.r5, full.r10, full.mrr], [1, 1, 1, 1]);
    assert.equal(result.answers.foundRate, 1);
    assert.equal(result.answers.refusedRate, 1);
    assert.equal(result.answers.unanswerable, set.questions.length - answerable);
    assert.equal(result.corpus.articles, 5);
  });
});

describe("npm run eval", () => {
  it("prints the tables and writes JSON and HTML reports", async () => {
    const out = await tempDir();
    const run = spawnSync(process.execPath, ["--import", "tsx", "eval/cli.ts", "--set", "fixtures", "--out", out], { cwd: path.resolve(import.meta.dirname, ".."), encoding: "utf8" });
    assert.equal(run.status, 0, run.stderr);
    assert.match(run.stdout, /\| bm25-naive \(baseline\)\s+\| [01]\.\d{3} \|/);
    assert.match(run.stdout, /\| full \(default\)\s+\| 1\.000 \| 1\.000 \| 1\.000 \| 1\.000/);
    const files = await readdir(out);
    const json = files.find((f) => f.endsWith(".json"))!;
    const html = files.find((f) => f.endsWith(".html"))!;
    const figures = JSON.parse(await readFile(path.join(out, json), "utf8"));
    assert.equal(figures[0].set, "fixtures");
    assert.match(await readFile(path.join(out, html), "utf8"), /<svg[^>]*aria-label="recall per pipeline"/);
  });

  it("says what is wrong with its arguments", () => {
    const run = spawnSync(process.execPath, ["--import", "tsx", "eval/cli.ts", "--set", "squad"], { cwd: path.resolve(import.meta.dirname, ".."), encoding: "utf8" });
    assert.equal(run.status, 1);
    assert.match(run.stderr, /--set must be one of fixtures, pquad, parsinlu or all, not "squad"/);
  });
});

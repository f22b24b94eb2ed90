import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import { readdir, readFile } from "node:fs/promises";
import path from "node:path";
import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { after, before, describe, it } from "node:test";
import { JUDGE_PROMPT, parseScore } from "../eval/judge.ts";
import { naiveTokens } from "../eval/baseline.ts";
import { containsGold, ndcgAt, percentile, rankOf, recallAt, reciprocalRank, tokenF1 } from "../eval/metrics.ts";
import { PIPELINES, runEval } from "../eval/run.ts";
import { loadSet } from "../eval/sets.ts";
import { tempDir } from "./support/helpers.ts";

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
    assert.ok(
      !containsGold("x".repeat(300) + " ۲۶۳ میلیون دلار", ["۲۶۳ میلیون دلار"]),
      "only the first 300 characters count",
    );
  });

  it("computes SQuAD token F1 against the best gold answer", () => {
    assert.equal(tokenF1("۲۶۳ میلیون دلار", ["263 میلیون دلار"]), 1);
    assert.ok(
      Math.abs(tokenF1("بیش از ۲۶۳ میلیون دلار", ["۲۶۳ میلیون دلار"]) - (2 * ((3 / 5) * 1)) / (3 / 5 + 1)) < 1e-12,
    );
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
    assert.deepEqual(
      result.retrieval.map((r) => r.pipeline),
      PIPELINES.map((p) => p.name),
    );
    const full = result.retrieval.at(-1)!;
    assert.equal(full.pipeline, "full (default)");
    assert.equal(full.questions, answerable);
    assert.deepEqual([full.r1, full.r5, full.r10, full.mrr], [1, 1, 1, 1]);
    const [extractive] = result.answers;
    assert.equal(result.answers.length, 1, "no model configured: extractive answers only");
    assert.equal(extractive!.answerer, "extractive");
    assert.equal(extractive!.foundRate, 1);
    assert.equal(extractive!.refusedRate, 1);
    assert.equal(extractive!.foundPrecision, 1);
    assert.equal(extractive!.citationValidity, 1);
    assert.equal(extractive!.unanswerable, set.questions.length - answerable);
    assert.equal(result.corpus.articles, 5);
  });

  it("gives the same figures with the index in PostgreSQL with pgvector (--store pgvector) as with the embedded index", async () => {
    const set = await loadSet("fixtures", "dev");
    const [embedded, pgvector] = [await runEval(set), await runEval(set, { store: "pgvector" })];
    assert.equal(pgvector.store, "pgvector");
    const figures = (r: typeof embedded) => ({
      retrieval: r.retrieval.map(({ pipeline, questions, r1, r5, r10, mrr, ndcg10 }) => ({
        pipeline,
        questions,
        r1,
        r5,
        r10,
        mrr,
        ndcg10,
      })),
      answers: r.answers.map(({ p50ms: _p50, p95ms: _p95, ...quality }) => quality),
      corpus: { articles: r.corpus.articles, chunks: r.corpus.chunks },
    });
    assert.deepEqual(figures(pgvector), figures(embedded));
  });
});

describe("runEval with a chat model", () => {
  let server: Server;
  let baseURL = "";
  const seen: string[] = [];

  before(async () => {
    // A model that always answers from source 1, and a judge that always says 0.9.
    server = createServer(async (req, res) => {
      let body = "";
      for await (const chunk of req) body += chunk;
      const request = JSON.parse(body) as { messages: Array<{ role: string; content: string }> };
      const judging = request.messages[0]!.content === JUDGE_PROMPT;
      seen.push(judging ? "judge" : "answer");
      const content = judging ? "۰٫۹" : "بر پایه منبع، پاسخ این است [1] و نه این [8].";
      res.setHeader("content-type", "application/json");
      res.end(
        JSON.stringify({
          id: "x",
          object: "chat.completion",
          created: 0,
          model: "fake",
          choices: [{ index: 0, message: { role: "assistant", content }, finish_reason: "stop" }],
        }),
      );
    });
    await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
    baseURL = `http://127.0.0.1:${(server.address() as AddressInfo).port}/v1`;
  });
  after(() => new Promise<void>((resolve) => server.close(() => resolve())));

  it("measures the model's answers beside the extractive ones, with judged groundedness", async () => {
    const set = await loadSet("fixtures", "dev");
    const answerable = set.questions.filter((q) => q.goldId).length;
    const unanswerable = set.questions.length - answerable;
    const result = await runEval(set, { llm: { kind: "llm", model: "fake", apiKey: "sk-test", baseURL } });
    const llm = result.answers[1]!;
    assert.equal(llm.answerer, "llm:fake");
    assert.equal(llm.foundRate, 1);
    assert.equal(llm.refusedRate, 0, "this model answers everything");
    assert.ok(Math.abs(llm.foundPrecision - answerable / (answerable + unanswerable)) < 1e-12);
    assert.equal(llm.citationValidity, 1, "[8] points at no source and is removed");
    assert.ok(Math.abs(llm.groundedness! - 0.9) < 1e-12);
    assert.ok(Math.abs(result.answers[0]!.groundedness! - 0.9) < 1e-12, "extractive answers are judged too");
    assert.equal(
      seen.filter((s) => s === "judge").length,
      set.questions.length + answerable,
      "every LLM answer and every extractive answer given",
    );
  });
});

describe("parseScore", () => {
  it("reads the judge's number in Latin or Persian digits, clamped to 0..1", () => {
    assert.equal(parseScore("0.75"), 0.75);
    assert.equal(parseScore("نمره: ۰٫۵"), 0.5);
    assert.equal(parseScore("1"), 1);
    assert.equal(parseScore("7"), 1);
    assert.equal(parseScore("نمی‌دانم"), undefined);
  });
});

describe("npm run eval", () => {
  it("prints the tables and writes JSON and HTML reports", async () => {
    const out = await tempDir();
    const run = spawnSync(process.execPath, ["--import", "tsx", "eval/cli.ts", "--set", "fixtures", "--out", out], {
      cwd: path.resolve(import.meta.dirname, ".."),
      encoding: "utf8",
    });
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
    const run = spawnSync(process.execPath, ["--import", "tsx", "eval/cli.ts", "--set", "squad"], {
      cwd: path.resolve(import.meta.dirname, ".."),
      encoding: "utf8",
    });
    assert.equal(run.status, 1);
    assert.match(run.stderr, /--set must be one of fixtures, pquad, parsinlu or all, not "squad"/);
  });
});

import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import { readdir, readFile, writeFile } from "node:fs/promises";
import path from "node:path";
import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { after, before, describe, it } from "node:test";
import { JUDGE_PROMPT, parseScore } from "../eval/judge.ts";
import { naiveTokens } from "../eval/baseline.ts";
import { containsGold, ndcgAt, percentile, rankOf, recallAt, reciprocalRank, tokenF1 } from "../eval/metrics.ts";
import { PIPELINES, runEval } from "../eval/run.ts";
import { parseCsvQuestions, parseJsonlQuestions, QuestionFileError } from "../eval/questions.ts";
import { loadSet } from "../eval/sets.ts";
import { SEEDS_DIR, tempDir } from "./support/helpers.ts";

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
  it("indexes the seeds through ingest, scores every pipeline, and judges every answer", async () => {
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
    assert.equal(full.r5, 1, "every answering article among the first five");
    const [extractive] = result.answers;
    assert.equal(result.answers.length, 1, "no model configured: extractive answers only");
    assert.equal(extractive!.answerer, "extractive");
    assert.equal(extractive!.unanswerable, set.questions.length - set.questions.filter((q) => q.answerable).length);
    assert.equal(extractive!.refusedRate, 1, "every unanswerable fixture refused");
    assert.ok(extractive!.foundPrecision >= 0.97, `found precision ${extractive!.foundPrecision}`);
    assert.equal(extractive!.citationValidity, 1);
    assert.equal(result.corpus.articles, 5);
    // Every question's answer and verdict, as the JSON and the HTML report carry them.
    assert.equal(result.questions.length, set.questions.length);
    const spokesperson = result.questions.find((q) => q.question === "سخنگوی دولت کیست؟")!;
    assert.equal(spokesperson.pass, true, spokesperson.why);
    assert.equal(spokesperson.short, "فاطمه مهاجرانی");
    assert.deepEqual(spokesperson.cited, ["004_6f85bbe77279df80"]);
    for (const q of result.questions.filter((q) => !q.pass)) assert.notEqual(q.why, "passed");
    // The reliability table: a bucket per fifth of confidence, each answer in one.
    assert.deepEqual(
      extractive!.reliability.map((b) => b.bucket),
      ["0.0–0.2", "0.2–0.4", "0.4–0.6", "0.6–0.8", "0.8–1.0", "none"],
    );
    assert.equal(
      extractive!.reliability.reduce((n, b) => n + b.count, 0),
      set.questions.length,
    );
    const sure = extractive!.reliability.find((b) => b.bucket === "0.8–1.0")!;
    assert.ok(sure.count > 0 && sure.correct >= 0.95, `answers of confidence ≥ 0.8: ${sure.correct} right`);
    assert.ok(extractive!.byTag!.some((t) => t.tag === "near-miss" && t.passed === t.questions));
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
    assert.ok(unanswerable > 0);
    assert.equal(llm.refusedRate, 0, "this model answers everything");
    assert.equal(llm.foundPrecision, 0, "and never with the expected answer");
    assert.equal(llm.citationValidity, 1, "[8] points at no source and is removed");
    assert.ok(Math.abs(llm.groundedness! - 0.9) < 1e-12);
    assert.ok(Math.abs(result.answers[0]!.groundedness! - 0.9) < 1e-12, "extractive answers are judged too");
    assert.equal(
      seen.filter((s) => s === "judge").length,
      set.questions.length + result.questions.filter((q) => q.answerer === "extractive" && q.found).length,
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
    assert.match(run.stdout, /\| full \(default\)\s+\| [01]\.\d{3} \| 1\.000 \|/);
    assert.match(run.stdout, /\| extractive +\| +\d+ \| +[01]\.\d{3} \|/);
    // Learned against hand-tuned, for retrieval and for answers.
    assert.match(run.stdout, /\| full, hand-tuned re-ranker +\| [01]\.\d{3} \|/);
    assert.match(run.stdout, /\| full, learned re-ranker +\| [01]\.\d{3} \|/);
    assert.match(run.stdout, /\| extractive, hand-tuned +\| +\d+ \| +[01]\.\d{3} \|/);
    assert.match(run.stdout, /\| confidence \(extractive\) \| answers \| correct \| found \| answerable \|/);
    const files = await readdir(out);
    const json = files.find((f) => f.endsWith(".json"))!;
    const html = files.find((f) => f.endsWith(".html"))!;
    const figures = JSON.parse(await readFile(path.join(out, json), "utf8"));
    assert.equal(figures[0].set, "fixtures");
    for (const row of figures[0].answers)
      assert.equal(
        figures[0].questions.filter((q: { answerer: string }) => q.answerer === row.answerer).length,
        row.answerable + row.unanswerable,
      );
    const page = await readFile(path.join(out, html), "utf8");
    assert.match(page, /<svg[^>]*aria-label="recall per pipeline"/);
    assert.match(page, /<svg[^>]*aria-label="answer metrics per set"/);
    assert.ok(page.includes("سخنگوی دولت کیست؟"), "every question in the report");
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

describe("question files of the editors' own", () => {
  const JSONL = [
    `{"id": "value", "question": "ارزش صادرات قزوین در شش ماه نخست امسال چقدر بود؟", "answerable": true, "answers": ["۲۶۳ میلیون دلار"], "articleId": "000_6460d26cea20ff96", "type": "amount", "tags": ["mine"]}`,
    `{"id": "spokesperson", "question": "سخنگوی دولت کیست؟", "answerable": true, "answers": ["فاطمه مهاجرانی"], "articleId": "004_6f85bbe77279df80"}`,
    `{"id": "isfahan", "question": "ارزش صادرات اصفهان در شش ماه نخست امسال چقدر بود؟", "answerable": false}`,
  ].join("\n");
  const CSV = [
    "id,question,answerable,answers,articleId,scope,tags",
    `value,ارزش صادرات قزوین در شش ماه نخست امسال چقدر بود؟,بله,۲۶۳ میلیون دلار|263 میلیون دلار,000_6460d26cea20ff96,,mine`,
    `spokesperson,سخنگوی دولت کیست؟,true,فاطمه مهاجرانی,004_6f85bbe77279df80,,`,
    `isfahan,"ارزش صادرات اصفهان، در شش ماه نخست امسال چقدر بود؟",خیر,,,,`,
  ].join("\r\n");

  it("reads JSONL and CSV alike: answers split at |, yes/no in Persian, quoted commas", () => {
    const [a, b] = [parseJsonlQuestions(JSONL, "mine.jsonl"), parseCsvQuestions(CSV, "mine.csv")];
    assert.deepEqual(
      b.map((q) => [q.id, q.answerable, q.goldId, q.answers.length]),
      [
        ["value", true, "000_6460d26cea20ff96", 2],
        ["spokesperson", true, "004_6f85bbe77279df80", 1],
        ["isfahan", false, undefined, 0],
      ],
    );
    assert.equal(b[2]!.question, "ارزش صادرات اصفهان، در شش ماه نخست امسال چقدر بود؟");
    assert.deepEqual(
      a.map((q) => q.question),
      b.map((q) => q.question.replace("،", "")),
    );
  });

  it("names every problem of a file with its line and field before anything is indexed", () => {
    const bad = [
      `{"question": "سخنگوی دولت کیست؟", "answerable": true}`,
      `{"question": "جمعیت قم؟", "answerable": false, "answers": ["۱ میلیون"]}`,
      `{"question": "کی؟", "answerable": true, "answers": ["x"], "artcleId": "000"}`,
      `not json`,
    ].join("\n");
    assert.throws(
      () => parseJsonlQuestions(bad, "bad.jsonl"),
      (err: unknown) => {
        assert.ok(err instanceof QuestionFileError);
        assert.match(err.message, /^bad\.jsonl:1: answers is empty but answerable is true$/m);
        assert.match(err.message, /^bad\.jsonl:2: answers is given but answerable is false/m);
        assert.match(err.message, /^bad\.jsonl:3: unknown field «artcleId»/m);
        assert.match(err.message, /^bad\.jsonl:4: not JSON/m);
        return true;
      },
    );
    assert.throws(() => parseCsvQuestions("qestion,answers\nx,y", "bad.csv"), /bad\.csv:1: unknown column «qestion»/);
  });

  it("npm run eval -- --questions FILE --articles DIR answers them and writes every verdict", async () => {
    const out = await tempDir();
    const file = path.join(out, "mine.csv");
    await writeFile(file, CSV);
    const run = spawnSync(
      process.execPath,
      ["--import", "tsx", "eval/cli.ts", "--questions", file, "--articles", SEEDS_DIR, "--out", out],
      { cwd: path.resolve(import.meta.dirname, ".."), encoding: "utf8" },
    );
    assert.equal(run.status, 0, run.stderr);
    assert.match(run.stdout, /mine\.csv · all · embedded index/);
    const json = (await readdir(out)).find((f) => f.startsWith("eval-own-mine") && f.endsWith(".json"))!;
    const [result] = JSON.parse(await readFile(path.join(out, json), "utf8"));
    const verdicts = Object.fromEntries(
      result.questions.map((q: { id: string; pass: boolean; found: boolean }) => [q.id, [q.pass, q.found]]),
    );
    assert.deepEqual(verdicts, { value: [true, true], spokesperson: [true, true], isfahan: [true, false] });
  });

  it("a question file naming an article that is not there fails with the line that names it", async () => {
    const out = await tempDir();
    const file = path.join(out, "typo.jsonl");
    await writeFile(
      file,
      `{"question": "سخنگوی دولت کیست؟", "answerable": true, "answers": ["x"], "articleId": "004_typo"}\n`,
    );
    const run = spawnSync(
      process.execPath,
      ["--import", "tsx", "eval/cli.ts", "--questions", file, "--articles", SEEDS_DIR, "--out", out],
      { cwd: path.resolve(import.meta.dirname, ".."), encoding: "utf8" },
    );
    assert.equal(run.status, 1);
    assert.match(run.stderr, /typo\.jsonl:1: articleId «004_typo» is no article in /);
  });

  it("npm run eval -- --compare a.json b.json lists what got better and worse", async () => {
    const out = await tempDir();
    const result = (id: string, pass: boolean, containsGold: number) => [
      {
        set: "mine.jsonl",
        split: "all",
        retrieval: [{ pipeline: "full (default)", r1: 0.5, mrr: 0.75 }],
        answers: [{ answerer: "extractive", containsGold, tokenF1: 0.5, foundPrecision: 1, foundRecall: containsGold }],
        questions: [
          { answerer: "extractive", id, question: "سخنگوی دولت کیست؟", pass, why: pass ? "passed" : "not found" },
          { answerer: "extractive", id: "same", question: "جمعیت قم؟", pass: true, why: "passed" },
        ],
      },
    ];
    await writeFile(path.join(out, "a.json"), JSON.stringify(result("spokesperson", false, 0.5)));
    await writeFile(path.join(out, "b.json"), JSON.stringify(result("spokesperson", true, 1)));
    const run = spawnSync(
      process.execPath,
      ["--import", "tsx", "eval/cli.ts", "--compare", path.join(out, "a.json"), path.join(out, "b.json")],
      { cwd: path.resolve(import.meta.dirname, ".."), encoding: "utf8" },
    );
    assert.equal(run.status, 0, run.stderr);
    assert.match(run.stdout, /\| extractive: contains gold +\| +0\.500 \| +1\.000 \| +\+0\.500 \|/);
    assert.match(run.stdout, /better \(fail → pass\): 1\n  extractive  spokesperson  passed  · سخنگوی دولت کیست؟/);
    assert.match(run.stdout, /worse \(pass → fail\): 0/);

    await writeFile(path.join(out, "c.json"), `{"not": "results"}`);
    const bad = spawnSync(
      process.execPath,
      ["--import", "tsx", "eval/cli.ts", "--compare", path.join(out, "a.json"), path.join(out, "c.json")],
      { cwd: path.resolve(import.meta.dirname, ".."), encoding: "utf8" },
    );
    assert.equal(bad.status, 1);
    assert.match(bad.stderr, /c\.json is not an eval result/);
  });
});

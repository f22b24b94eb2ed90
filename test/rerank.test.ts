import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import { readFileSync } from "node:fs";
import { writeFile } from "node:fs/promises";
import path from "node:path";
import { describe, it } from "node:test";
import { Assistant } from "../answer/assistant.ts";
import { loadReranker, RERANKER_FILE, rulesReranker, type RerankerWeights } from "../answer/rerank.ts";
import { DEFAULT_RETRIEVAL, DEFAULT_WEIGHTS, Retriever } from "../answer/retrieve.ts";
import { HnswlibCorpus } from "../core/corpus/embedded/corpus.ts";
import { loadQuestions } from "../eval/questions.ts";
import { seedApp, tempDir, withSeedServer } from "./support/helpers.ts";

/**
 * The learned re-ranker (answer/rerank.ts, RERANKER): weights learned from PQuAD by `npm run
 * train`, which must order the site's own articles better than the hand-tuned weights do.
 */
const ROOT = path.resolve(import.meta.dirname, "..");

describe("the learned re-ranker", () => {
  it("ranks the fixtures' answering articles first more often than the hand-tuned weights", async () => {
    const { index } = await seedApp();
    const corpus = HnswlibCorpus.of(index);
    const questions = (await loadQuestions(path.join(ROOT, "test/fixtures/questions.jsonl"))).filter((q) => q.goldId);
    const firstRight = async (retriever: Retriever) => {
      let right = 0;
      for (const q of questions) {
        const [top] = await retriever.search(q.question, { k: 10 });
        if (top?.chunk.articleId === q.goldId) right++;
      }
      return right;
    };
    const rules = await firstRight(
      new Retriever(corpus, DEFAULT_RETRIEVAL, DEFAULT_WEIGHTS, rulesReranker(DEFAULT_WEIGHTS.rerank)),
    );
    const learned = await firstRight(new Retriever(corpus, DEFAULT_RETRIEVAL, DEFAULT_WEIGHTS, loadReranker()));
    assert.ok(questions.length > 50, `${questions.length} fixture questions with an article`);
    assert.ok(learned > rules, `first article right: learned ${learned}, hand-tuned ${rules} of ${questions.length}`);
  });

  it("is what the assistant uses by default, and RERANKER=rules turns it off", async () => {
    const { index } = await seedApp();
    const corpus = HnswlibCorpus.of(index);
    const learned = new Assistant(corpus, { answerer: { kind: "extractive" } });
    assert.equal(learned.rerankerKind, "learned");
    assert.deepEqual(learned.warnings, []);
    const rules = new Assistant(corpus, { answerer: { kind: "extractive" }, reranker: "rules" });
    assert.equal(rules.rerankerKind, "rules");
    // Either way the reader's question is answered from the right article.
    for (const assistant of [learned, rules]) {
      const { answer } = await assistant.ask({ question: "قم چند شهرک صنعتی دارد؟", history: [] });
      assert.equal(answer.short, "هفت شهرک صنعتی");
    }
  });

  it("when its weights are missing or damaged, leaves the hand-tuned weights to rank, and says why", async () => {
    const dir = await tempDir();
    const damaged = path.join(dir, "reranker.json");
    await writeFile(damaged, '{"version":1,"kind":"learned","depth":30,"weights":{"coverage":"high"}}');
    const unknown = path.join(dir, "unknown.json");
    await writeFile(unknown, '{"version":1,"kind":"learned","depth":30,"weights":{"clicks":1}}');
    const { index } = await seedApp();
    for (const [file, why] of [
      [path.join(dir, "missing.json"), /cannot read .*missing\.json/],
      [damaged, /reranker\.json is not a re-ranker's weights .*run npm run train/],
      [unknown, /unknown\.json is not a re-ranker's weights/],
    ] as const) {
      const assistant = new Assistant(HnswlibCorpus.of(index), {
        answerer: { kind: "extractive" },
        rerankerWeights: file,
      });
      assert.equal(assistant.rerankerKind, "rules");
      assert.equal(assistant.warnings.length, 1);
      assert.match(assistant.warnings[0]!, why);
      assert.match(assistant.warnings[0]!, /RERANKER=rules/);
      const { answer } = await assistant.ask({ question: "قم چند شهرک صنعتی دارد؟", history: [] });
      assert.equal(answer.short, "هفت شهرک صنعتی");
    }
  });

  it("is what `npm start` serves with nothing set, with the learned confidence, and no warning", async () => {
    await withSeedServer({}, async (server, health, ask) => {
      assert.deepEqual(
        server.logs.filter((l) => l.level === "warn"),
        [],
      );
      assert.equal(health.reranker, "learned");
      assert.equal(health.answerer, "extractive");
      assert.equal((await ask("قم چند شهرک صنعتی دارد؟")).short, "هفت شهرک صنعتی");
    });
  });

  it("a server started with a missing weights file logs the warning, says so in /api/health, and answers", async () => {
    await withSeedServer({ RERANKER_WEIGHTS: "/nonexistent/reranker.json" }, async (server, health, ask) => {
      assert.ok(
        server.logs.some(
          (l) => l.level === "warn" && /re-ranker: cannot read \/nonexistent\/reranker\.json/.test(String(l.msg)),
        ),
        JSON.stringify(server.logs),
      );
      assert.equal(health.reranker, "rules");
      assert.equal((await ask("قم چند شهرک صنعتی دارد؟")).short, "هفت شهرک صنعتی");
    });
  });

  it("is learned from PQuAD alone, with the licence and attribution beside it", () => {
    const model = JSON.parse(readFileSync(RERANKER_FILE, "utf8")) as RerankerWeights & { trainedOn: string };
    assert.equal(model.kind, "learned");
    assert.match(model.trainedOn, /^PQuAD train \(CC BY-SA 4\.0\)/);
    assert.doesNotMatch(model.trainedOn, /parsinlu/i);
    const licence = readFileSync(path.join(path.dirname(RERANKER_FILE), "LICENSE"), "utf8");
    assert.match(licence, /reranker\.json/);
    assert.match(licence, /Nothing in these weights is learned from ParsiNLU/);
  });

  it("is what `npm run train` learns again from ../shared/train, to the last digit", () => {
    const run = spawnSync(process.execPath, ["--import", "tsx", "eval/train.ts", "--check", "--model", "reranker"], {
      cwd: ROOT,
      encoding: "utf8",
    });
    assert.equal(run.status, 0, `${run.stdout}\n${run.stderr}`);
    assert.match(run.stdout, /reranker\.json is reproduced exactly/);
    assert.match(run.stdout, /PQuAD dev, .*R@1 0\.\d{3} → 0\.\d{3}/);
  });
});

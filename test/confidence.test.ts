import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import { readFileSync } from "node:fs";
import { writeFile } from "node:fs/promises";
import path from "node:path";
import { describe, it } from "node:test";
import { Assistant } from "../answer/assistant.ts";
import { CONFIDENCE_FILE, FEATURE_NAMES, loadConfidence, type ConfidenceWeights } from "../answer/confidence.ts";
import { HnswlibCorpus } from "../core/corpus/embedded/corpus.ts";
import { seedApp, tempDir } from "./support/helpers.ts";

/**
 * The confidence model (answer/confidence.ts): the probability that an extractive answer is
 * right, which decides `found`, with weights learned from PQuAD train by `npm run train`.
 */
const ROOT = path.resolve(import.meta.dirname, "..");

describe("the confidence model's weights", () => {
  it("are learned from PQuAD alone, one weight per feature, and load", () => {
    const model = JSON.parse(readFileSync(CONFIDENCE_FILE, "utf8")) as ConfidenceWeights;
    assert.match(model.trainedOn, /^PQuAD train \(CC BY-SA 4\.0\)/);
    assert.doesNotMatch(model.trainedOn, /parsinlu/i);
    assert.deepEqual(model.features, [...FEATURE_NAMES]);
    assert.equal(loadConfidence().length, FEATURE_NAMES.length + 1);
    assert.match(readFileSync(path.join(path.dirname(CONFIDENCE_FILE), "LICENSE"), "utf8"), /confidence\.json/);
  });

  it("answer a reader's short question found, and refuse one the articles do not answer", async () => {
    const { index } = await seedApp();
    const assistant = new Assistant(HnswlibCorpus.of(index), { answerer: { kind: "extractive" } });
    assert.deepEqual(assistant.warnings, []);
    const known = (await assistant.ask({ question: "صادرات قم در فروردین و اردیبهشت", history: [] })).answer;
    assert.equal(known.found, true, known.answer);
    assert.ok(known.confidence! >= 0.5, `${known.confidence}`);
    const unknown = (await assistant.ask({ question: "قیمت بنزین در تهران چقدر است؟", history: [] })).answer;
    assert.equal(unknown.found, false, unknown.answer);
  });

  it("when missing or of other features, leave the dev-fitted weights to decide, and say why", async () => {
    const dir = await tempDir();
    const other = path.join(dir, "confidence.json");
    await writeFile(other, JSON.stringify({ version: 1, trainedOn: "x", features: ["coverage"], weights: [0, 1] }));
    const { index } = await seedApp();
    for (const [file, why] of [
      [path.join(dir, "missing.json"), /cannot read .*missing\.json/],
      [other, /confidence\.json is not the confidence model's weights .*run npm run train/],
    ] as const) {
      const assistant = new Assistant(HnswlibCorpus.of(index), {
        answerer: { kind: "extractive" },
        confidenceWeights: file,
      });
      assert.equal(assistant.warnings.length, 1);
      assert.match(assistant.warnings[0]!, why);
      assert.match(assistant.warnings[0]!, /dev-fitted weights/);
      const { answer } = await assistant.ask({ question: "قم چند شهرک صنعتی دارد؟", history: [] });
      assert.equal(answer.short, "هفت شهرک صنعتی");
    }
  });

  it("are what `npm run train` learns again from ../shared/train, to the last digit", () => {
    const run = spawnSync(process.execPath, ["--import", "tsx", "eval/train.ts", "--check", "--model", "confidence"], {
      cwd: ROOT,
      encoding: "utf8",
    });
    assert.equal(run.status, 0, `${run.stdout}\n${run.stderr}`);
    assert.match(run.stdout, /confidence\.json is reproduced exactly/);
    assert.match(run.stdout, /PQuAD dev, \d+ answers/);
  });
});

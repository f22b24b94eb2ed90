import { readFile, writeFile } from "node:fs/promises";
import path from "node:path";
import { parseArgs } from "node:util";
import { trainReader } from "./train-reader.ts";
import { trainReranker } from "./train-reranker.ts";
import { trainConfidence } from "./train-confidence.ts";
import { evalDataDir } from "./sets.ts";
import { DEFAULT_RETRIEVAL } from "../answer/retrieve.ts";

/**
 * `npm run train [-- --model reader|reranker|confidence] [--check] [--out FILE]`: learns the shipped weights
 * from PQuAD's training questions (`../shared/train/pquad`, CC BY-SA 4.0; TRAIN_DATA_DIR points
 * elsewhere) and writes them to `answer/weights/`: the span reader's (`reader.json`,
 * eval/train-reader.ts), the re-ranker's (`reranker.json`, eval/train-reranker.ts) and the
 * confidence model's (`confidence.json`, eval/train-confidence.ts). PQuAD dev
 * chooses the regularisation and is printed; no test split is read, nothing is learned from
 * ParsiNLU. `--check` trains again and fails unless the shipped files are reproduced byte for
 * byte. Deterministic: full-batch optimisation in a fixed order, no randomness.
 */
const ROOT = path.resolve(import.meta.dirname, "..");
/** In this order: the confidence model learns from answers the other two helped give. */
const MODELS = ["reader", "reranker", "confidence"] as const;
type Model = (typeof MODELS)[number];

const { values } = parseArgs({
  options: {
    model: { type: "string" },
    check: { type: "boolean", default: false },
    // The re-ranker learned with the archive's term associations (RETRIEVAL_STAGES
    // associations), to measure them: they are off by default, and the shipped weights without.
    associations: { type: "boolean", default: false },
    out: { type: "string" },
    l2: { type: "string" },
    epochs: { type: "string" },
    prune: { type: "string", default: "0.01" },
    "min-count": { type: "string", default: "5" },
    "train-dir": { type: "string", default: path.resolve(ROOT, process.env.TRAIN_DATA_DIR ?? "../shared/train") },
  },
});

function fail(message: string): never {
  console.error(`train: ${message}`);
  process.exit(2);
}

const chosen: Model[] = values.model === undefined ? [...MODELS] : [values.model as Model];
if (!MODELS.includes(chosen[0]!)) fail(`--model must be one of ${MODELS.join(", ")}, not "${values.model}"`);
if (values.out !== undefined && chosen.length > 1) fail("--out writes one model's weights: give --model too");
for (const name of ["l2", "epochs", "prune", "min-count"] as const) {
  const v = values[name];
  if (v !== undefined && !(Number(v) >= 0)) fail(`--${name} must be a number ≥ 0, not "${v}"`);
}

/** Each model's defaults, chosen on PQuAD dev. */
const DEFAULTS: Record<Model, { l2: number; epochs: number }> = {
  reader: { l2: 0.03, epochs: 15 },
  reranker: { l2: 0, epochs: 3000 },
  confidence: { l2: 0.001, epochs: 4000 },
};

let failed = false;
for (const model of chosen) {
  const l2 = values.l2 !== undefined ? Number(values.l2) : DEFAULTS[model].l2;
  const epochs = values.epochs !== undefined ? Number(values.epochs) : DEFAULTS[model].epochs;
  const trainDir = values["train-dir"]!;
  const { json, lines } =
    model === "reader"
      ? await trainReader({ trainDir, l2, epochs, prune: Number(values.prune), minCount: Number(values["min-count"]) })
      : model === "reranker"
        ? await trainReranker({
            trainDir,
            evalDir: evalDataDir(),
            l2,
            epochs,
            ...(values.associations && { settings: { ...DEFAULT_RETRIEVAL, associations: true } }),
          })
        : await trainConfidence({ trainDir, evalDir: evalDataDir(), l2, epochs });
  for (const line of lines) console.log(line);
  const out = values.out ?? path.join(ROOT, `answer/weights/${model}.json`);
  const shown = path.relative(ROOT, out);
  if (values.check) {
    const shipped = await readFile(out, "utf8").catch(() => "");
    if (shipped !== json) {
      console.error(`${shown} differs from what training gives now: run npm run train`);
      failed = true;
    } else console.log(`${shown} is reproduced exactly`);
  } else {
    await writeFile(out, json);
    console.log(`wrote ${shown}`);
  }
}
if (failed) process.exit(1);

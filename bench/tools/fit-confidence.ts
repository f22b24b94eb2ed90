import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import path from "node:path";
import { parseArgs } from "node:util";
import { buildStore } from "../../ingest/store.ts";
import { openCorpus } from "../../core/corpus/open.ts";
import type { Corpus } from "../../core/corpus/corpus.ts";
import type { StoreSpec } from "../../core/config.ts";
import { Retriever } from "../../answer/retrieve.ts";
import { ExtractiveAnswerer } from "../../answer/extractive.ts";
import { withMaterials } from "../../answer/assistant.ts";
import { confidenceOf, FEATURE_NAMES, featureValue, WEIGHTS, type AnswerFeatures } from "../../answer/confidence.ts";
import { containsGold } from "../../eval/metrics.ts";
import { articlesDirOf } from "../../eval/run.ts";
import { loadSet, type EvalQuestion, type SetName } from "../../eval/sets.ts";

/**
 * Fits the extractive answerer's confidence model (answer/confidence.ts) on dev data:
 * `npx tsx bench/tools/fit-confidence.ts [--fit pquad] [--measure parsinlu]`.
 *
 * Each dev question is answered twice: with every passage, and with its answering passage taken
 * away (so it is unanswerable; an answer then is right only if it still contains the gold). The
 * chosen sentence's features and whether the answer is right are the training rows. Prints the
 * weights to paste into confidence.ts and, per threshold, the share answered and the precision
 * on the fitted set and on the measured one (ParsiNLU is non-commercial: it measures, it does not
 * train).
 */
interface Row {
  x: number[];
  y: number;
}

const { values } = parseArgs({
  options: { fit: { type: "string", default: "pquad" }, measure: { type: "string", default: "parsinlu" } },
});

async function rowsOf(name: SetName): Promise<Row[]> {
  const set = await loadSet(name, "dev");
  const work = await mkdtemp(path.join(tmpdir(), "goftogu-fit-"));
  let corpus: Corpus | undefined;
  try {
    const articlesDir = await articlesDirOf(set, work);
    const spec: StoreSpec = { kind: "embedded", searchThread: "off", lexicalThread: "off" };
    const embedder = { kind: "local" } as const;
    const indexDir = path.join(work, "index");
    await buildStore({ store: spec, articlesDir, indexDir, embedder, mode: "import", log: () => {} });
    corpus = await openCorpus(spec, indexDir, embedder);
    const retriever = new Retriever(corpus);
    // Every candidate that is not vetoed answers: the model, not the threshold, is being fitted.
    const answerer = new ExtractiveAnswerer({ threshold: 1e-9, maxCitations: 3 });
    const rows: Row[] = [];
    const ask = async (q: EvalQuestion, withoutGold: boolean) => {
      let passages = await retriever.search(q.question, { k: withoutGold ? 24 : 8 });
      if (withoutGold) passages = passages.filter((p) => p.chunk.articleId !== q.goldId).slice(0, 8);
      const { answer, features } = await answerer.choose(
        await withMaterials(corpus!, { question: q.question, history: [], passages }, "extractive"),
      );
      if (!answer.found || !features) return;
      const right = q.goldId !== undefined && !withoutGold ? containsGold(answer.answer, q.answers) : false;
      rows.push({ x: vector(features), y: right ? 1 : 0 });
    };
    for (const q of set.questions) {
      await ask(q, false);
      if (q.goldId) await ask(q, true);
    }
    return rows;
  } finally {
    await corpus?.close();
    await rm(work, { recursive: true, force: true });
  }
}

function vector(f: AnswerFeatures): number[] {
  return FEATURE_NAMES.map((n) => featureValue(f, n));
}

/** L2-regularised logistic regression by full-batch gradient descent: small data, deterministic. */
function fit(rows: Row[], epochs = 4000, rate = 0.5, l2 = 1e-3): number[] {
  const w = new Array(FEATURE_NAMES.length + 1).fill(0);
  for (let e = 0; e < epochs; e++) {
    const g = new Array(w.length).fill(0);
    for (const r of rows) {
      let z = w[0];
      r.x.forEach((v, i) => (z += w[i + 1] * v));
      const d = 1 / (1 + Math.exp(-z)) - r.y;
      g[0] += d;
      r.x.forEach((v, i) => (g[i + 1] += d * v));
    }
    for (let i = 0; i < w.length; i++) w[i] -= rate * (g[i] / rows.length + (i > 0 ? l2 * w[i] : 0));
  }
  return w.map((v) => Math.round(v * 1000) / 1000);
}

function table(rows: Row[], weights: readonly number[], label: string): void {
  console.log(`\n${label}: ${rows.length} answers, ${rows.filter((r) => r.y).length} right`);
  console.log("| threshold | answered | precision |\n|---|---|---|");
  for (const t of [0.3, 0.4, 0.5, 0.6, 0.7, 0.8]) {
    const given = rows.filter((r) => sigmoid(weights, r.x) >= t);
    const right = given.filter((r) => r.y).length;
    console.log(`| ${t} | ${given.length} | ${given.length ? (right / given.length).toFixed(3) : "—"} |`);
  }
}

function sigmoid(w: readonly number[], x: number[]): number {
  let z = w[0]!;
  x.forEach((v, i) => (z += w[i + 1]! * v));
  return 1 / (1 + Math.exp(-z));
}

const fitted = await rowsOf(values.fit as SetName);
const measured = await rowsOf(values.measure as SetName);
const weights = fit(fitted);
console.log(`features: ${FEATURE_NAMES.join(", ")}`);
console.log(`weights:  [${weights.join(", ")}]`);
table(fitted, WEIGHTS, `${values.fit} dev, shipped weights`);
table(fitted, weights, `${values.fit} dev, fitted weights`);
table(measured, weights, `${values.measure} dev, fitted weights`);
void confidenceOf;

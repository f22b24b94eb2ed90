import path from "node:path";
import { jsonl, withPassageIndex } from "./passage-index.ts";
import { DEFAULT_RETRIEVAL, DEFAULT_WEIGHTS, Retriever } from "../answer/retrieve.ts";
import { loadReranker } from "../answer/rerank.ts";
import { ExtractiveAnswerer } from "../answer/extractive.ts";
import { withMaterials } from "../answer/assistant.ts";
import {
  DEV_FITTED_WEIGHTS,
  FEATURE_NAMES,
  featureValue,
  FOUND_THRESHOLD,
  type AnswerFeatures,
  type ConfidenceWeights,
} from "../answer/confidence.ts";
import { containsGold } from "./metrics.ts";

/**
 * The confidence model (answer/confidence.ts), learned by `npm run train` (eval/train.ts): a
 * logistic regression, L2-regularised, fitted by full-batch gradient descent from zero
 * (deterministic), on rows from PQuAD train; PQuAD dev measures it against the dev-fitted
 * weights it replaces.
 *
 * The rows (answer/confidence.ts): each question answered twice by the
 * extractive answerer, with every passage and with its answering passage taken away (then it is
 * unanswerable, and an answer is right only if it still holds a gold answer). The chosen
 * sentence's features, and whether the answer holds a gold answer, are a row.
 */
export interface Row {
  x: number[];
  y: number;
}

interface Question {
  question: string;
  passage_id: string;
  answers: Array<string | { text: string }>;
}

export async function confidenceRows(passagesFile: string, questions: Question[]): Promise<Row[]> {
  return withPassageIndex(passagesFile, async (corpus) => {
    const retriever = new Retriever(corpus, DEFAULT_RETRIEVAL, DEFAULT_WEIGHTS, loadReranker());
    // Every candidate that is not vetoed answers: the model, not the threshold, is being fitted.
    // The weights only order near-equal rivals here; fixed ones keep the rows independent of
    // the file being learned.
    const answerer = new ExtractiveAnswerer({ threshold: 1e-9, maxCitations: 3, weights: DEV_FITTED_WEIGHTS });
    const rows: Row[] = [];
    for (const q of questions) {
      const golds = q.answers.map((a) => (typeof a === "string" ? a : a.text));
      const deep = await retriever.search(q.question, { k: 24 });
      for (const withoutGold of [false, true]) {
        const passages = withoutGold
          ? deep.filter((p) => p.chunk.articleId !== q.passage_id).slice(0, 8)
          : deep.slice(0, 8);
        const { answer, features } = await answerer.choose(
          await withMaterials(corpus, { question: q.question, history: [], passages }, "extractive"),
        );
        if (!answer.found || !features) continue;
        rows.push({ x: vector(features), y: containsGold(answer.answer, golds) ? 1 : 0 });
      }
    }
    return rows;
  });
}

function vector(f: AnswerFeatures): number[] {
  return FEATURE_NAMES.map((n) => featureValue(f, n));
}

/**
 * Features the learned model leaves at 0: how many content terms the question has says more
 * about PQuAD's long Wikipedia questions than about whether an answer is right, and readers ask
 * short ones («صادرات قم»); learned from PQuAD it refused them (the dev-fitted weights, with the
 * fixtures among their rows, weigh it little).
 */
const LEFT_OUT: ReadonlyArray<(typeof FEATURE_NAMES)[number]> = ["terms"];

/** L2-regularised logistic regression by full-batch gradient descent: small data, deterministic. */
export function fitLogistic(rows: Row[], epochs = 4000, rate = 0.5, l2 = 1e-3): number[] {
  const n = FEATURE_NAMES.length + 1;
  const w = new Array<number>(n).fill(0);
  const left = new Set(LEFT_OUT.map((name) => FEATURE_NAMES.indexOf(name) + 1));
  for (let e = 0; e < epochs; e++) {
    const g = new Array<number>(n).fill(0);
    for (const r of rows) {
      let z = w[0]!;
      r.x.forEach((v, i) => (z += w[i + 1]! * v));
      const d = 1 / (1 + Math.exp(-z)) - r.y;
      g[0]! += d;
      r.x.forEach((v, i) => (g[i + 1]! += d * v));
    }
    for (let i = 0; i < n; i++) if (!left.has(i)) w[i]! -= rate * (g[i]! / rows.length + (i > 0 ? l2 * w[i]! : 0));
  }
  return w.map((v) => Math.round(v * 1000) / 1000);
}

export function probability(w: readonly number[], x: number[]): number {
  let z = w[0]!;
  x.forEach((v, i) => (z += w[i + 1]! * v));
  return 1 / (1 + Math.exp(-z));
}

/** Answers given at the threshold, their precision, and the log loss of every row. */
function measure(rows: Row[], w: readonly number[]): string {
  const given = rows.filter((r) => probability(w, r.x) >= FOUND_THRESHOLD);
  const right = given.filter((r) => r.y).length;
  let loss = 0;
  for (const r of rows) {
    const p = Math.min(1 - 1e-9, Math.max(1e-9, probability(w, r.x)));
    loss -= r.y ? Math.log(p) : Math.log(1 - p);
  }
  return `${given.length} found, precision ${(right / Math.max(1, given.length)).toFixed(3)}, log loss ${(loss / Math.max(1, rows.length)).toFixed(3)}`;
}

export async function trainConfidence(options: {
  trainDir: string;
  evalDir: string;
  l2: number;
  epochs: number;
}): Promise<{ json: string; lines: string[] }> {
  const started = Date.now();
  const train = await confidenceRows(
    path.join(options.trainDir, "pquad/passages.jsonl"),
    await jsonl<Question>(path.join(options.trainDir, "pquad/train.jsonl")),
  );
  const dev = await confidenceRows(
    path.join(options.evalDir, "pquad/passages.jsonl"),
    await jsonl<Question>(path.join(options.evalDir, "pquad/dev.jsonl")),
  );
  const weights = fitLogistic(train, options.epochs, 0.5, options.l2);
  const model: ConfidenceWeights = {
    version: 1,
    trainedOn: "PQuAD train (CC BY-SA 4.0), ../shared/train/pquad",
    features: [...FEATURE_NAMES],
    weights,
  };
  const lines = [
    `confidence: ${train.length} answers to PQuAD train questions with and without their passage (${train.filter((r) => r.y).length} right); l2 ${options.l2}, ${options.epochs} epochs, in ${((Date.now() - started) / 1000).toFixed(1)} s`,
    `PQuAD dev, ${dev.length} answers (${dev.filter((r) => r.y).length} right), at ${FOUND_THRESHOLD}: dev-fitted ${measure(dev, DEV_FITTED_WEIGHTS)}; learned ${measure(dev, weights)}`,
  ];
  return { json: `${JSON.stringify(model)}\n`, lines };
}

import path from "node:path";
import { jsonl, withPassageIndex } from "./passage-index.ts";
import { DEFAULT_RETRIEVAL, Retriever, type RetrievalSettings } from "../answer/retrieve.ts";
import {
  Reranker,
  RERANK_FEATURES,
  rulesReranker,
  type RerankerWeights,
  type RerankFeature,
} from "../answer/rerank.ts";
import { DEFAULT_WEIGHTS } from "../answer/retrieve.ts";

/**
 * The learned re-ranker (answer/rerank.ts): a linear model over the retriever's candidate
 * features, fitted as a softmax over each question's first DEPTH fused candidates to put the
 * answering passage first (ListNet's top-one form, the conditional logit). PQuAD train's 3,111
 * questions are asked of an index of its 569 passages, whose many paragraphs per Wikipedia
 * article are the near misses that matter; PQuAD dev, asked of the eval index, chooses the
 * regularisation and is printed. Deterministic: full-batch gradient descent from zero.
 *
 * **NOTE:** linear rather than boosted trees: 13 features and 3,111 questions, a score whose
 * text features each add at most their weight (so the retriever's pruning bound still holds),
 * and weights a reader of the file can read.
 */
export const DEPTH = 30;

interface Question {
  question: string;
  passage_id: string;
}

export interface RankedQuestion {
  /** Feature vectors of the candidates, in fused order. */
  features: Float64Array[];
  /** Which candidates are of the answering passage. */
  gold: boolean[];
}

/** Every question asked of an index of `passagesFile`, with its candidates' features. */
export async function rankedQuestions(
  passagesFile: string,
  questions: Question[],
  settings: RetrievalSettings = DEFAULT_RETRIEVAL,
): Promise<RankedQuestion[]> {
  return withPassageIndex(passagesFile, async (corpus) => {
    const retriever = new Retriever(corpus, settings);
    const out: RankedQuestion[] = [];
    for (const q of questions) {
      const found = await retriever.features(q.question, DEPTH);
      out.push({
        features: found.map((c) => c.features),
        gold: found.map((c) => c.chunk.articleId === q.passage_id),
      });
    }
    return out;
  });
}

/** Minimises the softmax loss of the gold candidates (their summed probability) with an L2 penalty. */
export function fitReranker(questions: RankedQuestion[], l2: number, epochs: number): Float64Array {
  const n = RERANK_FEATURES.length;
  const usable = questions.filter((q) => q.gold.some(Boolean) && !q.gold.every(Boolean));
  // Every candidate's features in one array, question after question: the loop below runs
  // thousands of times over them.
  const starts = new Int32Array(usable.length + 1);
  usable.forEach((q, i) => (starts[i + 1] = starts[i]! + q.features.length));
  const x = new Float64Array(starts[usable.length]! * n);
  const gold = new Uint8Array(starts[usable.length]!);
  usable.forEach((q, i) =>
    q.features.forEach((f, c) => {
      x.set(f.subarray(0, n), (starts[i]! + c) * n);
      gold[starts[i]! + c] = q.gold[c] ? 1 : 0;
    }),
  );
  const w = new Float64Array(n);
  const z = new Float64Array(gold.length);
  const grad = new Float64Array(n);
  // AdaGrad on full-batch gradients: the features' scales differ (ranks, shares), one rate fits all.
  const g2 = new Float64Array(n).fill(1e-8);
  const rate = 1;
  for (let e = 0; e < epochs; e++) {
    grad.fill(0);
    for (let i = 0; i < usable.length; i++) {
      let max = -Infinity;
      for (let c = starts[i]!; c < starts[i + 1]!; c++) {
        let s = 0;
        for (let k = 0; k < n; k++) s += w[k]! * x[c * n + k]!;
        z[c] = s;
        if (s > max) max = s;
      }
      let total = 0;
      let goldMass = 0;
      for (let c = starts[i]!; c < starts[i + 1]!; c++) {
        z[c] = Math.exp(z[c]! - max);
        total += z[c]!;
        if (gold[c]) goldMass += z[c]!;
      }
      for (let c = starts[i]!; c < starts[i + 1]!; c++) {
        // d(−log Σgold p)/dz_c = p_c − [gold]·z_c/Σgold z
        const p = z[c]! / total - (gold[c] ? z[c]! / goldMass : 0);
        for (let k = 0; k < n; k++) grad[k]! += p * x[c * n + k]!;
      }
    }
    for (let k = 0; k < n; k++) {
      const g = grad[k]! / usable.length + l2 * w[k]!;
      g2[k]! += g * g;
      w[k]! -= (rate * g) / Math.sqrt(g2[k]!);
    }
  }
  return w;
}

export function rerankerModel(w: Float64Array): RerankerWeights & { trainedOn: string } {
  const weights: Partial<Record<RerankFeature, number>> = {};
  RERANK_FEATURES.forEach((name, i) => {
    const v = Math.round(w[i]! * 1000) / 1000;
    if (v !== 0) weights[name] = v;
  });
  return {
    version: 1,
    kind: "learned",
    depth: DEPTH,
    trainedOn: "PQuAD train (CC BY-SA 4.0), ../shared/train/pquad",
    weights,
  };
}

/** R@1 and MRR of a model over ranked questions, counting a question without its gold among the candidates as missed. */
export function rankQuality(model: Reranker, questions: RankedQuestion[]): { r1: number; mrr: number } {
  let r1 = 0;
  let mrr = 0;
  for (const q of questions) {
    const order = q.features.map((f, i) => ({ s: model.score(f), i })).sort((a, b) => b.s - a.s || a.i - b.i);
    const rank = order.findIndex((o) => q.gold[o.i]);
    if (rank === 0) r1++;
    if (rank >= 0) mrr += 1 / (rank + 1);
  }
  return { r1: r1 / questions.length, mrr: mrr / questions.length };
}

export interface RerankerTraining {
  json: string;
  lines: string[];
}

export async function trainReranker(options: {
  trainDir: string;
  evalDir: string;
  l2: number;
  epochs: number;
  /** The retrieval the features are read from: the product's default. */
  settings?: RetrievalSettings;
}): Promise<RerankerTraining> {
  const started = Date.now();
  const train = await rankedQuestions(
    path.join(options.trainDir, "pquad/passages.jsonl"),
    await jsonl<Question>(path.join(options.trainDir, "pquad/train.jsonl")),
    options.settings,
  );
  const dev = await rankedQuestions(
    path.join(options.evalDir, "pquad/passages.jsonl"),
    await jsonl<Question>(path.join(options.evalDir, "pquad/dev.jsonl")),
    options.settings,
  );
  const w = fitReranker(train, options.l2, options.epochs);
  const model = rerankerModel(w);
  const learned = new Reranker(model);
  const rules = rulesReranker(DEFAULT_WEIGHTS.rerank);
  const lines = [
    `re-ranker: ${train.length} PQuAD train questions, ${DEPTH} candidates each; l2 ${options.l2}, ${options.epochs} epochs, in ${((Date.now() - started) / 1000).toFixed(1)} s`,
  ];
  for (const [name, set] of [
    ["PQuAD train", train],
    ["PQuAD dev", dev],
  ] as const) {
    const a = rankQuality(rules, set);
    const b = rankQuality(learned, set);
    lines.push(
      `${name}, first chunk of the answering passage among ${DEPTH}: R@1 ${a.r1.toFixed(3)} → ${b.r1.toFixed(3)}, MRR ${a.mrr.toFixed(3)} → ${b.mrr.toFixed(3)} (hand-tuned → learned)`,
    );
  }
  return { json: `${JSON.stringify(model, null, 0).replace(/,"/g, ',\n"')}\n`, lines };
}

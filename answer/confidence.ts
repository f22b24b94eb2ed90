import path from "node:path";
import { loadWeightsFile, WEIGHTS_DIR } from "./weights-file.ts";

/**
 * How likely an extractive answer is right, from what the answerer saw when it chose it: a
 * logistic model over a few features. `found` is this probability against FOUND_THRESHOLD.
 *
 * **NOTE:** the shipped weights (`weights/confidence.json`) are learned by `npm run train` from
 * PQuAD train (CC BY-SA 4.0): its questions answered with and without their answering passage
 * (the second kind is unanswerable, so the model learns what a near miss looks like). PQuAD dev
 * chose the regularisation and the threshold; ParsiNLU dev measured the choice and taught
 * nothing that ships.
 */
export interface AnswerFeatures {
  /** Weighted share of the question's terms in the sentence (read with its context). */
  coverage: number;
  /** The same, in the sentence alone. */
  own: number;
  /** Share of the question's terms the sentence's context contains. */
  matchedShare: number;
  /** 1 when the sentence holds a span of the kind asked (an amount, a date, a name…). */
  typed: number;
  /** How well that span fits beyond its kind: the unit, the role asked. */
  fit: number;
  /** 1 when the span is only the words where the question has its question word. */
  generic: number;
  /** 1 when the question asks for a kind of span (amount, time, person). */
  needsType: number;
  /** Position of the sentence's passage among those retrieved (0 = first). */
  rank: number;
  /** The passage's retrieval score relative to the first passage's. */
  relPassage: number;
  /** How many content terms the question has. */
  terms: number;
  /** Weighted share of the question's terms in the whole passage. */
  chunkCoverage: number;
  /** 1 when the question's rarest term is not in the sentence or its context. */
  rareMissing: number;
  /** How far the sentence's score stands above the next sentence's. */
  margin: number;
}

export const FEATURE_NAMES = [
  "coverage",
  "own",
  "matchedShare",
  "typed",
  "fit",
  "generic",
  "needsType",
  "rank",
  "relPassage",
  "terms",
  "chunkCoverage",
  "rareMissing",
  "margin",
] as const satisfies ReadonlyArray<keyof AnswerFeatures>;

/**
 * Intercept first, then one weight per feature in FEATURE_NAMES order: the weights fitted on
 * PQuAD dev before they were learned from train, kept for when the learned file cannot be read
 * and for eval's hand-tuned row.
 */
export const DEV_FITTED_WEIGHTS: readonly number[] = [
  -6.031, 1.489, 0.435, 2.683, 0.085, -0.392, -0.089, 0.025, -1.658, -0.219, 1.008, 1.451, -0.519, 2.839,
];

export const FOUND_THRESHOLD = 0.5;

export function confidenceOf(f: AnswerFeatures, weights: readonly number[]): number {
  let z = weights[0]!;
  FEATURE_NAMES.forEach((name, i) => (z += weights[i + 1]! * featureValue(f, name)));
  return 1 / (1 + Math.exp(-z));
}

/** Features as the model reads them: rank and term count squashed to 0..1. */
export function featureValue(f: AnswerFeatures, name: (typeof FEATURE_NAMES)[number]): number {
  if (name === "rank") return Math.min(f.rank, 7) / 7;
  if (name === "terms") return Math.min(f.terms, 8) / 8;
  if (name === "margin") return Math.min(f.margin, 0.5) / 0.5;
  return f[name];
}

export interface ConfidenceWeights {
  version: 1;
  trainedOn: string;
  /** FEATURE_NAMES, in order: a file of other features is not this model's. */
  features: string[];
  /** Intercept first, then one weight per feature. */
  weights: number[];
}

export const CONFIDENCE_FILE = path.join(WEIGHTS_DIR, "confidence.json");
const loaded = new Map<string, readonly number[]>();

/** The learned confidence weights, read and checked once per file. Throws with the reason when unusable. */
export function loadConfidence(file = CONFIDENCE_FILE): readonly number[] {
  return loadWeightsFile(
    loaded,
    file,
    (parsed) => {
      const m = parsed as Partial<ConfidenceWeights> | null;
      const valid =
        m?.version === 1 &&
        Array.isArray(m.features) &&
        m.features.join() === FEATURE_NAMES.join() &&
        Array.isArray(m.weights) &&
        m.weights.length === FEATURE_NAMES.length + 1 &&
        m.weights.every((w) => typeof w === "number" && Number.isFinite(w));
      return valid ? Object.freeze([...m.weights!]) : undefined;
    },
    `the confidence model's weights (version 1, the features ${FEATURE_NAMES.join(", ")}, an intercept and one weight each)`,
  );
}

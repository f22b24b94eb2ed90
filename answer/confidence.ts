/**
 * How likely an extractive answer is right, from what the answerer saw when it chose it: a
 * logistic model over a few features. `found` is this probability against FOUND_THRESHOLD.
 *
 * **NOTE:** the weights and the threshold were fitted on dev data only: PQuAD dev (CC BY-SA)
 * questions asked with and without their answering passage (the second kind is unanswerable, so
 * the model learns what a near miss looks like) and the project's fixtures. ParsiNLU dev measured
 * the choice, and taught nothing that ships. Refit with `npx tsx bench/tools/fit-confidence.ts`.
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

/** Intercept first, then one weight per feature in FEATURE_NAMES order. */
export const WEIGHTS: readonly number[] = [
  -6.031, 1.489, 0.435, 2.683, 0.085, -0.392, -0.089, 0.025, -1.658, -0.219, 1.008, 1.451, -0.519, 2.839,
];

export const FOUND_THRESHOLD = 0.5;

export function confidenceOf(f: AnswerFeatures, weights: readonly number[] = WEIGHTS): number {
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

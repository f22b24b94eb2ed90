import { normalizeForMatch } from "../core/persian/normalize.ts";

/**
 * Retrieval and answer metrics, the standard definitions, over one relevant item per question
 * (the gold passage) and SQuAD-style answer matching with Persian normalisation.
 */

/** 1-based rank of the gold item, or undefined when it is not in the list. */
export function rankOf(ranked: string[], gold: string): number | undefined {
  const i = ranked.indexOf(gold);
  return i >= 0 ? i + 1 : undefined;
}

export function recallAt(rank: number | undefined, k: number): number {
  return rank !== undefined && rank <= k ? 1 : 0;
}

export function reciprocalRank(rank: number | undefined): number {
  return rank !== undefined ? 1 / rank : 0;
}

/** nDCG@k with a single relevant item: 1/log2(rank+1) when within k (the ideal DCG is 1). */
export function ndcgAt(rank: number | undefined, k: number): number {
  return rank !== undefined && rank <= k ? 1 / Math.log2(rank + 1) : 0;
}

/** Text as compared for answers: normalised letters and digits, no punctuation, single spaces. */
export function answerNormalize(text: string): string {
  return normalizeForMatch(text)
    .replace(/[\p{P}\p{S}]/gu, " ")
    .replace(/\s+/g, " ")
    .trim();
}

/** Does the answer (its first `limit` characters) contain any gold answer? */
export function containsGold(answer: string, golds: string[], limit = 300): boolean {
  const text = answerNormalize(answer.slice(0, limit));
  return golds.some((g) => {
    const gold = answerNormalize(g);
    return gold !== "" && text.includes(gold);
  });
}

/**
 * Does the whole answer contain any expected fragment? Editors' questions are judged so: an
 * answer that names two articles' figures has the second one past 300 characters.
 */
export function containsAnswer(answer: string, fragments: string[]): boolean {
  return containsGold(answer, fragments, Infinity);
}

/** SQuAD token F1 against the best-matching gold answer. */
export function tokenF1(prediction: string, golds: string[]): number {
  const pred = answerNormalize(prediction).split(" ").filter(Boolean);
  let best = 0;
  for (const g of golds) {
    const gold = answerNormalize(g).split(" ").filter(Boolean);
    if (pred.length === 0 || gold.length === 0) continue;
    const counts = new Map<string, number>();
    for (const t of gold) counts.set(t, (counts.get(t) ?? 0) + 1);
    let common = 0;
    for (const t of pred) {
      const n = counts.get(t) ?? 0;
      if (n > 0) {
        common++;
        counts.set(t, n - 1);
      }
    }
    if (common === 0) continue;
    const precision = common / pred.length;
    const recall = common / gold.length;
    best = Math.max(best, (2 * precision * recall) / (precision + recall));
  }
  return best;
}

/** The p-th percentile (0..100) by nearest rank. */
export function percentile(values: number[], p: number): number {
  if (values.length === 0) return 0;
  const sorted = [...values].sort((a, b) => a - b);
  const i = Math.min(sorted.length - 1, Math.max(0, Math.ceil((p / 100) * sorted.length) - 1));
  return sorted[i]!;
}

export function mean(values: number[]): number {
  return values.length === 0 ? 0 : values.reduce((a, b) => a + b, 0) / values.length;
}

/**
 * How a figure grows with the archive: k of value ∝ N^k, the least-squares slope of log value on
 * log size over the sizes measured (two at least). «N^1.0» is linear; an ingest time of N^1.1
 * from 1k to 100k puts 1M articles at about 10^1.1 ≈ 12.6 times the 100k time.
 */
export function growthExponent(points: Array<{ size: number; value: number }>): number | undefined {
  const usable = points.filter((p) => p.size > 0 && p.value > 0 && Number.isFinite(p.value));
  if (new Set(usable.map((p) => p.size)).size < 2) return undefined;
  const xs = usable.map((p) => Math.log(p.size));
  const ys = usable.map((p) => Math.log(p.value));
  const mx = xs.reduce((a, b) => a + b, 0) / xs.length;
  const my = ys.reduce((a, b) => a + b, 0) / ys.length;
  let sxy = 0;
  let sxx = 0;
  for (let i = 0; i < xs.length; i++) {
    sxy += (xs[i]! - mx) * (ys[i]! - my);
    sxx += (xs[i]! - mx) ** 2;
  }
  return sxy / sxx;
}

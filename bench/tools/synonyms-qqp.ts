import { readFile } from "node:fs/promises";
import path from "node:path";
import { coverage, matchTarget, weighTerms } from "../../answer/match.ts";
import { analyze } from "../../core/persian/tokens.ts";

/**
 * `npx tsx bench/tools/synonyms-qqp.ts [FILE]`: does the synonym table (core/persian/synonyms.ts)
 * tell paraphrases from other questions better than the question's own words? Over ParsiNLU's
 * query-paraphrase pairs (`../shared/train/parsinlu/qqp-train.jsonl`), each pair is scored by how
 * much of one question the other covers (answer/match.ts `coverage`, both ways, averaged), with
 * and without synonyms, and the two scores are compared by ROC AUC and by the mean score of
 * paraphrases and of other pairs.
 *
 * **NOTE:** ParsiNLU is licensed for non-commercial use: it measures the table here, and nothing
 * of it is shipped or learned into it.
 */
const file = path.resolve(
  process.argv[2] ?? path.join(import.meta.dirname, "../../../shared/train/parsinlu/qqp-train.jsonl"),
);
const pairs = (await readFile(file, "utf8"))
  .split("\n")
  .filter((l) => l.trim() !== "")
  .map((l) => JSON.parse(l) as { q1: string; q2: string; paraphrase: boolean });

// Rarity from the questions themselves, so common words weigh less, as they do against an index.
const df = new Map<string, number>();
for (const p of pairs) for (const t of new Set([...analyze(p.q1), ...analyze(p.q2)])) df.set(t, (df.get(t) ?? 0) + 1);
const n = pairs.length * 2;
const stats = { idf: (t: string) => Math.log(1 + (n - (df.get(t) ?? 0) + 0.5) / ((df.get(t) ?? 0) + 0.5)) };

function score(a: string, b: string, synonyms: boolean): number {
  const ab = coverage(weighTerms(a, stats, { synonyms }), matchTarget(b));
  const ba = coverage(weighTerms(b, stats, { synonyms }), matchTarget(a));
  return (ab + ba) / 2;
}

function auc(scored: Array<{ s: number; y: boolean }>): number {
  const sorted = [...scored].sort((x, y) => x.s - y.s);
  let rank = 0;
  let positives = 0;
  let sum = 0;
  for (let i = 0; i < sorted.length;) {
    let j = i;
    while (j < sorted.length && sorted[j]!.s === sorted[i]!.s) j++;
    const mid = (i + 1 + j) / 2; // ties share the mean rank
    for (let k = i; k < j; k++) if (sorted[k]!.y) ((sum += mid), positives++);
    rank = j;
    i = j;
  }
  const negatives = rank - positives;
  return (sum - (positives * (positives + 1)) / 2) / (positives * negatives);
}

const mean = (xs: number[]) => xs.reduce((a, b) => a + b, 0) / Math.max(1, xs.length);
console.log(
  `${pairs.length} pairs, ${pairs.filter((p) => p.paraphrase).length} paraphrases (${path.basename(file)})\n`,
);
console.log("| scoring            | ROC AUC | mean, paraphrases | mean, others | pairs changed |");
console.log("|--------------------|---------|-------------------|--------------|---------------|");
const without = pairs.map((p) => ({ s: score(p.q1, p.q2, false), y: p.paraphrase }));
for (const synonyms of [false, true]) {
  const scored = synonyms ? pairs.map((p) => ({ s: score(p.q1, p.q2, true), y: p.paraphrase })) : without;
  const changed = scored.filter((x, i) => Math.abs(x.s - without[i]!.s) > 1e-9).length;
  console.log(
    `| ${(synonyms ? "own words+synonyms" : "own words").padEnd(18)} | ${auc(scored).toFixed(3)}   | ${mean(
      scored.filter((x) => x.y).map((x) => x.s),
    )
      .toFixed(3)
      .padStart(17)} | ${mean(scored.filter((x) => !x.y).map((x) => x.s))
      .toFixed(3)
      .padStart(12)} | ${String(changed).padStart(13)} |`,
  );
}

import path from "node:path";
import type { Association } from "../core/corpus/associations.ts";
import type { AnalyzedToken } from "../core/persian/tokens.ts";
import { termMatch, type MatchTarget, type WeightedTerm } from "./match.ts";
import { loadWeightsFile, WEIGHTS_DIR } from "./weights-file.ts";

/**
 * The re-ranker: one score per retrieved candidate from what the retriever knows of it. The
 * hand-tuned scorer and the learned one are the same kind of model, a weighted sum of features
 * each between 0 and 1, so both share one code path and one pruning bound (retrieve.ts); they
 * differ in their weights, and in that the learned score is a log-probability (see `outputOf`).
 *
 * **NOTE:** the learned weights (`weights/reranker.json`) are learned from PQuAD (CC BY-SA 4.0)
 * by `npm run train`; see `weights/LICENSE`. Nothing in them is learned from ParsiNLU.
 */

/** Known before a candidate's text is read: its fusion and its two rankings. */
export const CHEAP_FEATURES = ["fused", "dense", "lexical", "denseRank", "lexicalRank"] as const;
/** Read from the candidate's analyzed text and title; each adds at most its weight. */
export const TEXT_FEATURES = [
  "coverage",
  "phrase",
  "numbers",
  "title",
  "share",
  "rarest",
  "window",
  "windowNumber",
  "coverage2",
  "complete",
  "coverWindow",
  "lead",
  "associated",
] as const;
export const RERANK_FEATURES = [...CHEAP_FEATURES, ...TEXT_FEATURES] as const;
export type RerankFeature = (typeof RERANK_FEATURES)[number];

/** What a candidate's features are read from: the question, analyzed once per search. */
export interface RerankQuestion {
  weighted: WeightedTerm[];
  /** The question's adjacent term pairs, and the same as first term → second terms. */
  pairList: string[];
  pairs: Map<string, Set<string>>;
  numbers: string[];
  /** Each of the question's terms and their synonyms → the index of its weighted term. */
  termIndex: Map<string, number>;
  /** The index of the rarest weighted term. */
  rarest: number;
  /** The question asks for an amount, a date or an ordinal: a number near its words fits. */
  wantsNumber: boolean;
  /** Each weighted term's associated terms in the archive (none without associations). */
  associates: ReadonlyArray<readonly string[]>;
}

/** The question read for re-ranking: its weighted terms, and its analyzed tokens in order. */
export function rerankQuestion(
  weighted: WeightedTerm[],
  tokens: readonly AnalyzedToken[],
  wantsNumber: boolean,
  associated?: Map<string, readonly Association[]>,
): RerankQuestion {
  // Pairs of terms the question writes side by side (no stopword between them).
  const pairList: string[] = [];
  const pairs = new Map<string, Set<string>>();
  tokens.forEach((t, i) => {
    const next = tokens[i + 1];
    if (t.next === undefined || !next) return;
    pairList.push(`${t.term} ${next.term}`);
    pairs.set(t.term, (pairs.get(t.term) ?? new Set<string>()).add(next.term));
  });
  const termIndex = new Map<string, number>();
  weighted.forEach((t, i) => {
    for (const alt of t.alternatives ?? []) if (!termIndex.has(alt)) termIndex.set(alt, i);
  });
  weighted.forEach((t, i) => termIndex.set(t.term, i));
  let rarest = 0;
  weighted.forEach((t, i) => {
    if (t.weight > weighted[rarest]!.weight) rarest = i;
  });
  return {
    weighted,
    pairList,
    pairs,
    numbers: tokens.filter((t) => /^[0-9]/.test(t.term)).map((t) => t.term),
    termIndex,
    rarest,
    wantsNumber,
    associates: weighted.map((t) => (associated?.get(t.term) ?? []).map(([a]) => a)),
  };
}

/** Content terms a window of the text holds: about a sentence of Persian news or Wikipedia. */
const WINDOW = 16;

/**
 * The text features of a candidate into `out` (indexed as RERANK_FEATURES), given its analyzed
 * whole (title and body) and title. `needed` says which to compute: a feature whose weight is 0
 * is not worth reading the text for.
 */
export function textFeatures(
  q: RerankQuestion,
  whole: MatchTarget & { termList: readonly string[] },
  title: MatchTarget & { termList: readonly string[] },
  /** The chunk's place in its article: 0 for the first, whose opening is the lead. */
  position: number,
  needed: ReadonlySet<RerankFeature>,
  out: Float64Array,
): void {
  let total = 0;
  let hit = 0;
  let exact = 0;
  const matches = new Float64Array(q.weighted.length);
  q.weighted.forEach((t, i) => {
    const m = termMatch(t, whole);
    matches[i] = m;
    total += t.weight;
    hit += t.weight * m;
    if (m === 1) exact++;
  });
  out[at.coverage] = total > 0 ? hit / total : 0;
  out[at.share] = q.weighted.length > 0 ? exact / q.weighted.length : 0;
  out[at.rarest] = q.weighted.length > 0 ? matches[q.rarest]! : 0;
  out[at.phrase] = q.pairList.length > 0 ? phrasesFound(q, whole.termList) / q.pairList.length : 0;
  out[at.numbers] = q.numbers.length > 0 ? q.numbers.filter((n) => whole.terms.has(n)).length / q.numbers.length : 0;
  if (needed.has("title")) {
    let titleHit = 0;
    for (const t of q.weighted) titleHit += t.weight * termMatch(t, title);
    out[at.title] = total > 0 ? titleHit / total : 0;
  }
  if (needed.has("window") || needed.has("windowNumber") || needed.has("coverWindow")) {
    const best = bestWindow(q, whole.termList, total);
    out[at.window] = best.share;
    out[at.windowNumber] = q.wantsNumber && best.number ? 1 : 0;
  }
  // The article's opening names what it is about: a question about that is answered there
  // (a Wikipedia article's first lines, a news story's lead).
  out[at.lead] =
    position === 0 && needed.has("lead")
      ? bestWindow(q, whole.termList.slice(title.termList.length, title.termList.length + WINDOW), total).share
      : 0;
  // The words the archive uses with the question's: a chunk on the same subject in other words.
  if (needed.has("associated")) {
    let near = 0;
    q.weighted.forEach((t, i) => {
      if (q.associates[i]!.some((a) => whole.terms.has(a))) near += t.weight;
    });
    out[at.associated] = total > 0 ? near / total : 0;
  }
  // Interactions a linear score cannot make of its own: near-complete coverage counts more than
  // its share, and most when the words stand together.
  out[at.coverage2] = out[at.coverage]! * out[at.coverage]!;
  out[at.complete] = q.weighted.length > 0 && exact === q.weighted.length ? 1 : 0;
  out[at.coverWindow] = out[at.coverage]! * out[at.window]!;
}

/**
 * The densest stretch of WINDOW content terms: the weighted share of the question's terms it
 * holds, and whether it holds a number. A passage that answers says the question's words
 * together; one that only mentions them says them apart.
 */
function bestWindow(q: RerankQuestion, terms: readonly string[], total: number): { share: number; number: boolean } {
  if (total === 0) return { share: 0, number: false };
  const counts = new Int32Array(q.weighted.length);
  let mass = 0;
  let numbers = 0;
  let best = 0;
  let number = false;
  const indexOf = (t: string) => q.termIndex.get(t);
  for (let i = 0; i < terms.length; i++) {
    const t = terms[i]!;
    const j = indexOf(t);
    if (j !== undefined && counts[j]!++ === 0) mass += q.weighted[j]!.weight;
    if (/^[0-9]/.test(t) && j === undefined) numbers++;
    if (i >= WINDOW) {
      const old = terms[i - WINDOW]!;
      const k = indexOf(old);
      if (k !== undefined && --counts[k]! === 0) mass -= q.weighted[k]!.weight;
      if (/^[0-9]/.test(old) && k === undefined) numbers--;
    }
    if (mass > best + 1e-12 || (Math.abs(mass - best) <= 1e-12 && numbers > 0 && !number)) {
      best = mass;
      number = numbers > 0;
    }
  }
  return { share: best / total, number };
}

/** How many of the question's term pairs the text has side by side. */
function phrasesFound(q: RerankQuestion, terms: readonly string[]): number {
  if (q.pairList.length === 0) return 0;
  const found = new Set<string>();
  for (let i = 0; i + 1 < terms.length; i++) {
    if (q.pairs.get(terms[i]!)?.has(terms[i + 1]!)) found.add(`${terms[i]} ${terms[i + 1]}`);
  }
  return found.size === 0 ? 0 : q.pairList.filter((pair) => found.has(pair)).length;
}

/** Each feature's position in a feature vector. */
export const at = Object.fromEntries(RERANK_FEATURES.map((name, i) => [name, i])) as Record<RerankFeature, number>;

export interface RerankerWeights {
  version: 1;
  /** `rules` (hand-tuned) or `learned` (a log-probability: `outputOf` turns it into a share of the best). */
  kind: "rules" | "learned";
  weights: Partial<Record<RerankFeature, number>>;
  /**
   * Learned: how many candidates, best fused first, it was trained to order. Those after them
   * are not read (the reader's article's excepted) and follow in fused order.
   */
  depth?: number;
}

/** A linear re-ranker over RERANK_FEATURES. */
export class Reranker {
  readonly kind: RerankerWeights["kind"];
  /** The text features with a weight: the others are not computed. */
  readonly needed: ReadonlySet<RerankFeature>;
  private readonly w: Float64Array;
  /** The most the text features can add to a candidate's cheap score. */
  readonly gain: number;
  readonly depth: number;

  constructor(model: RerankerWeights) {
    this.kind = model.kind;
    this.depth = model.depth ?? Infinity;
    this.w = new Float64Array(RERANK_FEATURES.map((n) => model.weights[n] ?? 0));
    this.needed = new Set(TEXT_FEATURES.filter((n) => (model.weights[n] ?? 0) !== 0));
    this.gain = TEXT_FEATURES.reduce((s, n) => s + Math.max(0, model.weights[n] ?? 0), 0);
  }

  /** The score of the features known before reading the text. */
  cheap(f: Float64Array): number {
    let z = 0;
    for (let i = 0; i < CHEAP_FEATURES.length; i++) z += this.w[i]! * f[i]!;
    return z;
  }

  score(f: Float64Array): number {
    let z = 0;
    for (let i = 0; i < this.w.length; i++) z += this.w[i]! * f[i]!;
    return z;
  }

  /**
   * The score passages carry, from the model's score and the best one's: the hand-tuned score
   * as it is; the learned one as its probability relative to the best candidate's, 0..1, so that
   * the article boost and the answerer's comparisons between passages read the same scale.
   */
  outputOf(z: number, top: number): number {
    return this.kind === "learned" ? Math.exp(z - top) : z;
  }
}

/** The hand-tuned re-ranker of `RetrievalWeights.rerank`. */
export function rulesReranker(w: {
  fused: number;
  coverage: number;
  phrase: number;
  numbers: number;
  title: number;
}): Reranker {
  return new Reranker({ version: 1, kind: "rules", weights: { ...w } });
}

export const RERANKER_FILE = path.join(WEIGHTS_DIR, "reranker.json");
const loaded = new Map<string, Reranker>();

/** The learned re-ranker's weights, read and checked once per file. Throws with the reason when unusable. */
export function loadReranker(file = RERANKER_FILE): Reranker {
  return loadWeightsFile(
    loaded,
    file,
    (parsed) => {
      const m = parsed as Partial<RerankerWeights> | null;
      const valid =
        m?.version === 1 &&
        m.kind === "learned" &&
        Number.isInteger(m.depth) &&
        m.depth! > 0 &&
        typeof m.weights === "object" &&
        m.weights !== null &&
        Object.entries(m.weights).every(
          ([n, w]) => Object.hasOwn(at, n) && typeof w === "number" && Number.isFinite(w),
        );
      return valid ? new Reranker(m as RerankerWeights) : undefined;
    },
    `a re-ranker's weights (version 1, kind "learned", a depth, feature → number)`,
  );
}

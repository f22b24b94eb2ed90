import type { TermWeights } from "../core/corpus/bm25.ts";
import { normalizeForMatch } from "../core/persian/normalize.ts";
import { rewritePhrases, synonymsOf } from "../core/persian/synonyms.ts";
import { analyzeTokens, isContentToken, term, tokenize } from "../core/persian/tokens.ts";

/**
 * How much of a question a piece of text covers, with each question term weighted by its rarity
 * in the corpus. A term counts fully when the text has it after analysis; partly when the text
 * writes it as a compound the other way («دانش بنیان» ↔ «دانشبنیان»), or has a longer word that
 * starts with it. Compound matches must start where a word of the text starts, so «نفت» is not
 * found in «غیرنفتی». A synonym of the term (core/persian/synonyms.ts) counts as `SYNONYM`: a
 * sentence saying «مشکل» covers a question's «گرفتاری».
 */
export interface WeightedTerm {
  term: string;
  weight: number;
  /** Surface forms to look for in the text written without spaces: the token, and the token joined with its neighbours. */
  forms: string[];
  /**
   * Other terms that say the same (analyzed: `synonymsOf`), of the term and of the compound it
   * makes with a neighbour («راه اندازی» → «افتتاح»). Empty when it has none, or when
   * `weighTerms` was asked for none; optional for a term made by hand.
   */
  alternatives?: readonly string[];
}

export interface WeighOptions {
  /** Rewrite phrases and look up synonyms (`rewritePhrases`, `synonymsOf`); on unless false. */
  synonyms?: boolean;
}

/** What a synonym of a question's term counts for in a text: chosen on the dev splits of `npm run eval`. */
export const SYNONYM = 0.8;

/**
 * The content terms of a reader's text, weighted by rarity. The text is read as its phrases and
 * spoken forms say it in writing first (`rewritePhrases`: «به خارج فرستاد» → «صادرات»), so
 * give it the reader's words, not an article's.
 */
export function weighTerms(text: string, stats: TermWeights, options: WeighOptions = {}): WeightedTerm[] {
  const synonyms = options.synonyms !== false;
  const byTerm = new Map<string, WeightedTerm>();
  for (const t of analyzeTokens(synonyms ? rewritePhrases(normalizeForMatch(text)) : text)) {
    const entry = byTerm.get(t.term) ?? { term: t.term, weight: stats.idf(t.term), forms: [], alternatives: NONE };
    const joined = [
      t.next !== undefined ? t.token + t.next : undefined,
      t.prev !== undefined ? t.prev + t.token : undefined,
    ];
    for (const form of [t.token, t.term, ...joined]) {
      if (form !== undefined && form.length >= 3 && !/^[0-9]/.test(form) && !entry.forms.includes(form))
        entry.forms.push(form);
    }
    if (synonyms && !/^[0-9]/.test(t.term)) {
      for (const word of [t.term, ...joined.map((j) => (j === undefined ? undefined : term(j)))]) {
        if (word === undefined) continue;
        const known = entry.alternatives ?? NONE;
        const more = synonymsOf(word).filter((s) => s !== t.term && !known.includes(s));
        if (more.length > 0) entry.alternatives = [...known, ...more];
      }
    }
    byTerm.set(t.term, entry);
  }
  return [...byTerm.values()];
}

const NONE: readonly string[] = Object.freeze([]);

/** Pre-analyzed text, so scoring many questions against one sentence analyses it once. */
export interface MatchTarget {
  terms: Set<string>;
  /**
   * The text's tokens (`tokenize`): joined without spaces, they are the text as compound
   * matches read it, with a word starting at each token.
   */
  tokens: readonly string[];
  /** Made by `termMatch` once the target has been asked often (see TargetIndex); undefined until then. */
  lookups?: TargetIndex | undefined;
  /** How often `termMatch` has looked for a term the text lacks, until `lookups` are made. */
  asked?: number | undefined;
}

export function matchTarget(text: string): MatchTarget {
  return matchTargetOfTokens(tokenize(text));
}

/**
 * The target of text already tokenised (`tokenize`), as an index stores each chunk: the text is
 * not read again. `termList` is its content terms in order (given when known: `contentTerms`).
 */
export function matchTargetOfTokens(
  tokens: readonly string[],
  contentTerms?: readonly string[],
): MatchTarget & { termList: readonly string[] } {
  const termList = contentTerms ?? tokens.filter(isContentToken).map(term);
  return { terms: new Set(termList), termList, tokens, lookups: undefined, asked: 0 };
}

/** The target of several texts read together, from their targets: no text is analyzed again. */
export function mergeTargets(...targets: MatchTarget[]): MatchTarget {
  const terms = new Set<string>();
  const tokens: string[] = [];
  for (const t of targets) {
    for (const term of t.terms) terms.add(term);
    for (const token of t.tokens) tokens.push(token);
  }
  return { terms, tokens, lookups: undefined, asked: 0 };
}

/** 0..1: the weighted share of question terms found in the text. */
export function coverage(question: WeightedTerm[], target: MatchTarget): number {
  let total = 0;
  let hit = 0;
  for (const t of question) {
    total += t.weight;
    hit += t.weight * termMatch(t, target);
  }
  return total > 0 ? hit / total : 0;
}

/**
 * 1 for the same term, 0.8 for a compound written another way, `SYNONYM` for a synonym, 0.6 for
 * a prefix, else 0.
 *
 * **NOTE:** a synonym is looked up in the target's set of terms, before the slower look-ups
 * (`alternatives` is the term's own array, read without copying): a term with synonyms that
 * the text has costs a few set look-ups more, one without costs nothing more.
 */
export function termMatch(t: WeightedTerm, target: MatchTarget): number {
  if (target.terms.has(t.term)) return 1;
  if (/^[0-9]/.test(t.term)) return 0;
  // SYNONYM (0.8) is no less than any match looked up after it, so it is returned at once.
  const alternatives = t.alternatives;
  if (alternatives !== undefined)
    for (let i = 0; i < alternatives.length; i++) if (target.terms.has(alternatives[i]!)) return SYNONYM;
  const index = lookupsOf(target);
  for (const form of t.forms)
    if (index ? occursAtWordStartIn(form, target.tokens, index) : occursAtWordStart(form, target.tokens)) return 0.8;
  if (t.term.length >= 4 && (index ? sharesStemIn(t.term, target.terms, index) : sharesStem(t.term, target.terms)))
    return 0.6;
  return 0;
}

/**
 * What the slower look-ups of `termMatch` (a term the text lacks) read in a target asked often,
 * instead of visiting each of its tokens and words.
 *
 * **NOTE:** made only once a target has been asked `REUSED` times. Re-scoring asks this of the
 * terms each of a hundred candidates lacks, and chunks' targets are kept between searches
 * (retrieve.ts): on a small archive the same chunks come back search after search, and with
 * their look-ups made, re-scoring took 2.9 ms of a 5.2 ms search at p50 on the bench's
 * 1k-article corpus instead of 3.6 of 6.1 (three alternating runs of 300 questions). On a large
 * one most candidates are new to each search, and making look-ups for each made re-scoring
 * slower (1.4 ms against 1.0 at 100k).
 */
export interface TargetIndex {
  /** The words of 4 letters or more, in code-unit order. */
  sorted: string[];
  /** Each token's first UTF-16 unit, in token order ("\0" for an empty token, which no form starts with). */
  firsts: string;
}
const REUSED = 32;

function lookupsOf(target: MatchTarget): TargetIndex | undefined {
  if (target.lookups) return target.lookups;
  target.asked = (target.asked ?? 0) + 1;
  if (target.asked < REUSED) return undefined;
  return (target.lookups = {
    sorted: [...target.terms].filter((w) => w.length >= 4).sort(),
    firsts: target.tokens.map((t) => t[0] ?? "\0").join(""),
  });
}

/**
 * Whether the text has a word of 4 letters or more that starts with `term`, or that `term`
 * starts with (`term` itself excepted, which `termMatch` has looked for).
 */
function sharesStem(term: string, words: ReadonlySet<string>): boolean {
  for (const w of words) if (w.length >= 4 && (w.startsWith(term) || term.startsWith(w))) return true;
  return false;
}

/** `sharesStem` with the target's look-ups. */
function sharesStemIn(term: string, words: ReadonlySet<string>, index: TargetIndex): boolean {
  // A longer word that starts with the term: words with that start sort together, from the
  // first word not below the term.
  const sorted = index.sorted;
  let lo = 0;
  let hi = sorted.length;
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    if (sorted[mid]! < term) lo = mid + 1;
    else hi = mid;
  }
  if (lo < sorted.length && sorted[lo]!.startsWith(term)) return true;
  // A shorter word the term starts with: one of the term's own beginnings.
  for (let n = 4; n < term.length; n++) if (words.has(term.slice(0, n))) return true;
  return false;
}

/**
 * Whether the text, its tokens joined without spaces, has `form` starting where a token starts.
 *
 * **NOTE:** read from the tokens, without joining them: re-scoring checks the forms of a
 * question's missing terms in a hundred candidates, and building each one's joined text and
 * set of word starts was most of what a search allocated.
 */
function occursAtWordStart(form: string, tokens: readonly string[]): boolean {
  const first = form.charCodeAt(0);
  for (let p = 0; p < tokens.length; p++) {
    // An empty token starts where the next one does, which is checked next.
    if (tokens[p]!.charCodeAt(0) === first && startsAt(tokens, p, form)) return true;
  }
  return false;
}

/** `occursAtWordStart` with the target's look-ups: the tokens that begin with the form's first letter, by `indexOf`. */
function occursAtWordStartIn(form: string, tokens: readonly string[], index: TargetIndex): boolean {
  const first = form[0]!;
  for (let p = index.firsts.indexOf(first); p >= 0; p = index.firsts.indexOf(first, p + 1)) {
    if (startsAt(tokens, p, form)) return true;
  }
  return false;
}

/** Whether the tokens from `p` on, joined, start with `form`. */
function startsAt(tokens: readonly string[], p: number, form: string): boolean {
  let i = 0;
  for (let q = p; i < form.length; q++) {
    if (q >= tokens.length) return false;
    const token = tokens[q]!;
    const n = Math.min(token.length, form.length - i);
    for (let c = 0; c < n; c++) if (token.charCodeAt(c) !== form.charCodeAt(i + c)) return false;
    i += n;
  }
  return true;
}

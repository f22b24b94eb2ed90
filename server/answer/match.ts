import type { TermWeights } from "../../core/lexical.ts";
import { analyzeTokens, isContentToken, term, tokenize } from "../../core/persian/tokens.ts";

/**
 * How much of a question a piece of text covers, with each question term weighted by its rarity
 * in the corpus. A term counts fully when the text has it after analysis; partly when the text
 * writes it as a compound the other way («دانش بنیان» ↔ «دانشبنیان»), or has a longer word that
 * starts with it. Compound matches must start where a word of the text starts, so «نفت» is not
 * found in «غیرنفتی».
 */
export interface WeightedTerm {
  term: string;
  weight: number;
  /** Surface forms to look for in the text written without spaces: the token, and the token joined with its neighbours. */
  forms: string[];
}

export function weighTerms(text: string, stats: TermWeights): WeightedTerm[] {
  const byTerm = new Map<string, WeightedTerm>();
  for (const t of analyzeTokens(text)) {
    const entry = byTerm.get(t.term) ?? { term: t.term, weight: stats.idf(t.term), forms: [] };
    const joined = [t.next !== undefined ? t.token + t.next : undefined, t.prev !== undefined ? t.prev + t.token : undefined];
    for (const form of [t.token, t.term, ...joined]) {
      if (form !== undefined && form.length >= 3 && !/^[0-9]/.test(form) && !entry.forms.includes(form)) entry.forms.push(form);
    }
    byTerm.set(t.term, entry);
  }
  return [...byTerm.values()];
}

/** Pre-analysed text, so scoring many questions against one sentence analyses it once. */
export interface MatchTarget {
  terms: Set<string>;
  /**
   * The text's tokens (`tokenize`): joined without spaces, they are the text as compound
   * matches read it, with a word starting at each token.
   */
  tokens: readonly string[];
}

export function matchTarget(text: string): MatchTarget {
  return matchTargetOfTokens(tokenize(text));
}

/**
 * The target of text already tokenised (`tokenize`), as an index stores each chunk: the text is
 * not read again. `termList` is its content terms in order (given when known: `contentTerms`).
 */
export function matchTargetOfTokens(tokens: readonly string[], contentTerms?: readonly string[]): MatchTarget & { termList: readonly string[] } {
  const termList = contentTerms ?? tokens.filter(isContentToken).map(term);
  return { terms: new Set(termList), termList, tokens };
}

/** The target of several texts read together, from their targets: no text is analysed again. */
export function mergeTargets(...targets: MatchTarget[]): MatchTarget {
  const terms = new Set<string>();
  const tokens: string[] = [];
  for (const t of targets) {
    for (const term of t.terms) terms.add(term);
    for (const token of t.tokens) tokens.push(token);
  }
  return { terms, tokens };
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

/** 1 for the same term, 0.8 for a compound written another way, 0.6 for a prefix, else 0. */
export function termMatch(t: WeightedTerm, target: MatchTarget): number {
  if (target.terms.has(t.term)) return 1;
  if (/^[0-9]/.test(t.term)) return 0;
  for (const form of t.forms) if (occursAtWordStart(form, target)) return 0.8;
  if (t.term.length >= 4) {
    for (const w of target.terms) if (w.length >= 4 && (w.startsWith(t.term) || t.term.startsWith(w))) return 0.6;
  }
  return 0;
}

/**
 * Whether the text, its tokens joined without spaces, has `form` starting where a token starts.
 *
 * **NOTE:** read from the tokens, without joining them: re-scoring checks the forms of a
 * question's missing terms in a hundred candidates, and building each one's joined text and
 * set of word starts was most of what a search allocated.
 */
function occursAtWordStart(form: string, target: MatchTarget): boolean {
  const tokens = target.tokens;
  const first = form.charCodeAt(0);
  for (let p = 0; p < tokens.length; p++) {
    // An empty token starts where the next one does, which is checked next.
    if (tokens[p]!.charCodeAt(0) === first && startsAt(tokens, p, form)) return true;
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

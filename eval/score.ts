import type { Answer } from "../answer/types.ts";
import { containsAnswer, containsGold, mean, percentile, tokenF1 } from "./metrics.ts";
import type { EvalQuestion } from "./questions.ts";
import type { EvalSet } from "./sets.ts";

/**
 * How one answer is judged (`verdict`), and an answerer's answers to a set added up into its
 * row of figures (`AnswerTally`): the answer metrics, found precision and recall, and the
 * reliability table of its confidence.
 */

/** One question, its answer, and the verdict, as the JSON and the HTML report show it. */
export interface QuestionResult {
  answerer: string;
  id: string;
  question: string;
  expected: string[];
  expectedArticle?: string;
  scope?: string;
  answerable: boolean;
  type?: string;
  tags: string[];
  answer: string;
  short?: string;
  found: boolean;
  confidence?: number;
  cited: string[];
  pass: boolean;
  /** Why it passed or failed, in a few words: «not found», «cited 003_x, not 002_y». */
  why: string;
  /** Reading sets: the same question asked without its gold passage, which must be refused. */
  heldOut?: { found: boolean; confidence?: number };
}

export interface ReliabilityBucket {
  /** «0.0–0.2» … «0.8–1.0», or «none» for answers without a confidence. */
  bucket: string;
  count: number;
  /** Share answered correctly: found, and passing (a held-out or unanswerable question never is). */
  correct: number;
  /** Share answered with found: true. */
  found: number;
  /** Share of questions the articles answer (held-out and unanswerable ones do not). */
  answerable: number;
}

export interface TagRow {
  /** A tag, or `type:amount` for a question type. */
  tag: string;
  questions: number;
  passed: number;
}

export interface AnswerRow {
  /** extractive, or llm:MODEL */
  answerer: string;
  /** Answerable questions only. */
  answerable: number;
  /** Share of answerable questions answered with a gold answer in it (the first 300 characters for reading sets). */
  containsGold: number;
  /** SQuAD token F1 of the short answer, or of the first quote when there is none; 0 when not found. */
  tokenF1: number;
  /** The same, of the short answer alone (0 when the answer has none): what the API's `short` is worth. */
  shortF1?: number;
  /** Share of answerable questions answered with found: true. */
  foundRate: number;
  /** Unanswerable questions of the set (fixtures and own questions). */
  unanswerable: number;
  /** Share of unanswerable questions refused with found: false. */
  refusedRate: number;
  /**
   * Of the answers given (found: true), the share that is right: a pass for fixtures and own
   * questions, a gold answer for reading sets, where an answer to a held-out question is wrong
   * unless another passage gave a gold answer.
   * 1 when nothing was answered.
   */
  foundPrecision: number;
  /** Of the answerable questions, the share answered right. */
  foundRecall: number;
  /** Reading sets: every question asked again without its gold passage; the share refused. */
  heldOut?: { questions: number; refusedRate: number };
  /** Answers (held-out ones too) by confidence: is a confident answer right as often as it says? */
  reliability: ReliabilityBucket[];
  /** Fixtures and own questions with tags or types: passes per tag. */
  byTag?: TagRow[];
  /** Share of answers whose every [n] has its citation and every quote is verbatim article text. */
  citationValidity: number;
  /** Mean LLM-judged groundedness of the answers given, when a model is configured. */
  groundedness?: number;
  p50ms: number;
  p95ms: number;
}

/** Whether the answer is right for the question, and why not when it is not. */
export function verdict(grading: EvalSet["grading"], q: EvalQuestion, answer: Answer): { pass: boolean; why: string } {
  if (!q.answerable)
    return answer.found ? { pass: false, why: "answered an unanswerable question" } : { pass: true, why: "passed" };
  if (!answer.found) return { pass: false, why: "not found" };
  const expected = `«${q.answers.join("» or «")}»`;
  if (grading === "reading") {
    // The SQuAD-style figure: a long answer does not earn a match by quoting the whole passage.
    if (!containsGold(answer.answer, q.answers))
      return { pass: false, why: `expected ${expected} not in first 300 characters` };
    return { pass: true, why: "passed" };
  }
  if (!containsAnswer(answer.answer, q.answers)) return { pass: false, why: `expected ${expected} not in answer` };
  const cited = [...new Set(answer.citations.map((c) => c.articleId))];
  if (q.goldId && !cited.includes(q.goldId))
    return { pass: false, why: `cited ${cited.length > 0 ? cited.join(", ") : "nothing"}, not ${q.goldId}` };
  return { pass: true, why: "passed" };
}

const EDGES = [0.2, 0.4, 0.6, 0.8] as const;
const BUCKETS = ["0.0–0.2", "0.2–0.4", "0.4–0.6", "0.6–0.8", "0.8–1.0", "none"] as const;

/** One answer as the reliability table counts it. */
export interface Scored {
  confidence?: number;
  found: boolean;
  correct: boolean;
  answerable: boolean;
}

/** The answers by confidence bucket; empty buckets are kept, so every table has the same rows. */
export function reliability(answers: Scored[]): ReliabilityBucket[] {
  const groups = BUCKETS.map(() => [] as Scored[]);
  for (const a of answers) {
    const i = a.confidence === undefined ? BUCKETS.length - 1 : EDGES.filter((edge) => a.confidence! >= edge).length;
    groups[i]!.push(a);
  }
  return BUCKETS.map((bucket, i) => {
    const g = groups[i]!;
    return {
      bucket,
      count: g.length,
      correct: mean(g.map((a) => (a.correct ? 1 : 0))),
      found: mean(g.map((a) => (a.found ? 1 : 0))),
      answerable: mean(g.map((a) => (a.answerable ? 1 : 0))),
    };
  });
}

export class AnswerTally {
  readonly results: QuestionResult[] = [];
  private readonly scored: Scored[] = [];
  private readonly f1: number[] = [];
  private readonly shortF1: number[] = [];
  private readonly valid: number[] = [];
  private readonly grounded: number[] = [];
  private readonly ms: number[] = [];
  private heldOutFound = 0;
  private heldOutAsked = 0;
  private heldOutRight = 0;

  constructor(
    readonly answerer: string,
    private readonly grading: EvalSet["grading"],
  ) {}

  add(q: EvalQuestion, answer: Answer, ms: number, valid: boolean, grounded?: number): QuestionResult {
    this.ms.push(ms);
    if (answer.found) this.valid.push(valid ? 1 : 0);
    if (grounded !== undefined) this.grounded.push(grounded);
    if (q.answerable) {
      this.f1.push(answer.found ? tokenF1(answer.short ?? answer.citations[0]?.quote ?? "", q.answers) : 0);
      this.shortF1.push(answer.found && answer.short !== undefined ? tokenF1(answer.short, q.answers) : 0);
    }
    const { pass, why } = verdict(this.grading, q, answer);
    this.scored.push({
      ...(answer.confidence !== undefined && { confidence: answer.confidence }),
      found: answer.found,
      correct: answer.found && pass,
      answerable: q.answerable,
    });
    const result: QuestionResult = {
      answerer: this.answerer,
      id: q.id,
      question: q.question,
      expected: q.answers,
      ...(q.goldId && { expectedArticle: q.goldId }),
      ...(q.scope && { scope: q.scope }),
      answerable: q.answerable,
      ...(q.type && { type: q.type }),
      tags: q.tags,
      answer: answer.answer,
      ...(answer.short !== undefined && { short: answer.short }),
      found: answer.found,
      ...(answer.confidence !== undefined && { confidence: answer.confidence }),
      cited: [...new Set(answer.citations.map((c) => c.articleId))],
      pass,
      why,
    };
    this.results.push(result);
    return result;
  }

  /**
   * The answer to `result`'s question with its gold passage held out, which should be refused.
   * An answer that still holds a gold answer is right, not wrong: reading sets cut one article
   * into many passages, and another passage often states the same fact.
   */
  addHeldOut(result: QuestionResult, answer: Answer): void {
    this.heldOutAsked++;
    const right = answer.found && containsGold(answer.answer, result.expected);
    if (answer.found) this.heldOutFound++;
    if (right) this.heldOutRight++;
    this.scored.push({
      ...(answer.confidence !== undefined && { confidence: answer.confidence }),
      found: answer.found,
      correct: right,
      answerable: right,
    });
    result.heldOut = { found: answer.found, ...(answer.confidence !== undefined && { confidence: answer.confidence }) };
  }

  row(): AnswerRow {
    const main = this.results;
    const answerable = main.filter((r) => r.answerable);
    const unanswerable = main.filter((r) => !r.answerable);
    const given = main.filter((r) => r.found);
    const right = given.filter((r) => r.pass).length;
    const asked = given.length + this.heldOutFound;
    return {
      answerer: this.answerer,
      answerable: answerable.length,
      containsGold: mean(answerable.map((r) => (r.found && this.contains(r) ? 1 : 0))),
      tokenF1: mean(this.f1),
      shortF1: mean(this.shortF1),
      foundRate: mean(answerable.map((r) => (r.found ? 1 : 0))),
      unanswerable: unanswerable.length,
      refusedRate: mean(unanswerable.map((r) => (r.found ? 0 : 1))),
      foundPrecision: asked > 0 ? (right + this.heldOutRight) / asked : 1,
      foundRecall: mean(answerable.map((r) => (r.pass ? 1 : 0))),
      ...(this.heldOutAsked > 0 && {
        heldOut: { questions: this.heldOutAsked, refusedRate: 1 - this.heldOutFound / this.heldOutAsked },
      }),
      reliability: reliability(this.scored),
      ...(this.grading === "editorial" && main.some((r) => r.tags.length > 0 || r.type) && { byTag: byTag(main) }),
      citationValidity: this.valid.length > 0 ? mean(this.valid) : 1,
      ...(this.grounded.length > 0 && { groundedness: mean(this.grounded) }),
      p50ms: percentile(this.ms, 50),
      p95ms: percentile(this.ms, 95),
    };
  }

  /** The expected fragment is in the answer (a citation may still be missing: that is a pass matter). */
  private contains(r: QuestionResult): boolean {
    return this.grading === "reading" ? containsGold(r.answer, r.expected) : containsAnswer(r.answer, r.expected);
  }
}

function byTag(results: QuestionResult[]): TagRow[] {
  const rows = new Map<string, TagRow>();
  for (const r of results)
    for (const tag of [...(r.type ? [`type:${r.type}`] : []), ...r.tags]) {
      const row = rows.get(tag) ?? { tag, questions: 0, passed: 0 };
      row.questions++;
      if (r.pass) row.passed++;
      rows.set(tag, row);
    }
  return [...rows.values()].sort((a, b) => a.tag.localeCompare(b.tag));
}

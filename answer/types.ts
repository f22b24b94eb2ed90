import type { Article, Chunk } from "../core/article.ts";
import type { TermWeights } from "../core/corpus/bm25.ts";

/** A retrieved chunk and its fused relevance score (higher is better). */
export interface Passage {
  chunk: Chunk;
  score: number;
}

export interface Turn {
  role: "user" | "assistant";
  content: string;
}

/** One source of an answer: `[n]` in the answer text points here. */
export interface Citation {
  n: number;
  articleId: string;
  title: string;
  url?: string;
  /** Exact text of the cleaned article: `article.text.slice(start, end)`. */
  quote: string;
  start: number;
  end: number;
  score: number;
}

export interface Answer {
  answer: string;
  /** False when the articles do not answer the question; the answer then says so and cites nothing. */
  found: boolean;
  mode: "extractive" | "llm";
  citations: Citation[];
  /** The core of the answer alone, when the answerer found one: a figure with its unit, a name, a date. */
  short?: string;
  /**
   * 0..1: how likely the answer is right, as the answerer estimates it; `found` is this score
   * against a threshold chosen on dev data. Absent for refusals that had no candidate at all.
   */
  confidence?: number;
  /** Set when the configured model failed and the extractive answer stands in. */
  warning?: string;
}

export interface AnswerRequest {
  question: string;
  /** The article the reader is looking at: preferred, not exclusive. */
  articleId?: string;
  history: Turn[];
  /** Words of earlier turns a follow-up leans on (see followup.ts); they count for less. */
  context?: string;
  passages: Passage[];
  /** The passages' articles and the reader's current one: titles, sources, the text quotes come from. */
  articles: ReadonlyMap<string, Article>;
  /** How rare the question's (and context's, and for a model the passages') terms are in the corpus. */
  terms: TermWeights;
  /** Aborted when the client goes away: an upstream model call stops too. */
  signal?: AbortSignal;
}

/** What a streamed answer is made of: pieces of text as they come, then the whole answer. */
export type AnswerEvent = { type: "token"; text: string } | { type: "done"; answer: Answer };

/** The seam between retrieval and answer writing: extractive by default, an LLM when configured. */
export interface Answerer {
  readonly id: string;
  readonly mode: Answer["mode"];
  /** A follow-up rewritten as a standalone question for retrieval (answerers with a model). */
  rewrite?(question: string, history: Turn[], signal?: AbortSignal): Promise<string>;
  answer(request: AnswerRequest): Promise<Answer>;
  /** The same answer as it is written; the tokens add up to the final `answer` text. */
  stream(request: AnswerRequest): AsyncIterable<AnswerEvent>;
}

/** Streams an answer that is already complete, a few words at a time. */
export async function* streamWhole(answer: Answer): AsyncIterable<AnswerEvent> {
  for (const piece of answer.answer.match(/\S+\s*/gu) ?? []) yield { type: "token", text: piece };
  yield { type: "done", answer };
}

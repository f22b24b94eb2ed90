import type { Chunk } from "../../core/article.ts";

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
  /** Set when the configured model failed and the extractive answer stands in. */
  warning?: string;
}

export interface AnswerRequest {
  question: string;
  /** The article the reader is looking at: preferred, not exclusive. */
  articleId?: string;
  history: Turn[];
  passages: Passage[];
  /** Aborted when the client goes away: an upstream model call stops too. */
  signal?: AbortSignal;
}

/** The seam between retrieval and answer writing: extractive by default, an LLM when configured. */
export interface Answerer {
  readonly id: string;
  readonly mode: Answer["mode"];
  answer(request: AnswerRequest): Promise<Answer>;
}

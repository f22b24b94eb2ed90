import type { Config } from "../core/config.ts";
import type { LoadedIndex } from "../core/index-store.ts";
import { ExtractiveAnswerer } from "./answer/extractive.ts";
import { LlmAnswerer } from "./answer/llm.ts";
import type { Answer, Answerer, Turn } from "./answer/types.ts";
import { ApiError } from "./errors.ts";
import { DEFAULT_RETRIEVAL, Retriever } from "./retrieve.ts";

/** What the routes work with: the loaded index, retrieval and the configured answerer. */
export interface Services {
  index: LoadedIndex;
  retriever: Retriever;
  answerer: Answerer;
}

/** Passages handed to the answerer: enough for a multi-part question, few enough to read closely. */
const CHAT_PASSAGES = 8;

export function createServices(index: LoadedIndex, config: Pick<Config, "answerer"> & Partial<Pick<Config, "retrieval">>): Services {
  const extractive = new ExtractiveAnswerer(index.articles, index.lexical);
  const answerer = config.answerer.kind === "llm" ? new LlmAnswerer(config.answerer, index.articles, index.lexical, extractive) : extractive;
  return { index, retriever: new Retriever(index, config.retrieval ?? DEFAULT_RETRIEVAL), answerer };
}

export interface Question {
  question: string;
  articleId?: string;
  history: Turn[];
}

/** Retrieval and answer for one question: the whole of `POST /api/chat` but the transport. */
export async function ask(services: Services, q: Question, signal?: AbortSignal): Promise<Answer> {
  requireArticle(services, q.articleId);
  const passages = await services.retriever.search(q.question, { k: CHAT_PASSAGES, ...(q.articleId && { articleId: q.articleId }) });
  return services.answerer.answer({ question: q.question, history: q.history, passages, ...(q.articleId && { articleId: q.articleId }), ...(signal && { signal }) });
}

export function requireArticle(services: Services, articleId: string | undefined): void {
  if (articleId !== undefined && !services.index.articles.has(articleId)) {
    throw new ApiError(404, "article_not_found", `No article with id "${articleId}"`);
  }
}

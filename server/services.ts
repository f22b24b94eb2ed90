import { newestFirst, type Article } from "../core/article.ts";
import type { Config } from "../core/config.ts";
import type { LoadedIndex } from "../core/index-store.ts";
import { ExtractiveAnswerer } from "./answer/extractive.ts";
import { LlmAnswerer } from "./answer/llm.ts";
import { combine, splitParts } from "./answer/compare.ts";
import { contextualize } from "./answer/followup.ts";
import { streamWhole, type Answer, type Answerer, type AnswerEvent, type AnswerRequest, type Passage, type Turn } from "./answer/types.ts";
import { ApiError } from "./errors.ts";
import { DEFAULT_RETRIEVAL, Retriever } from "./retrieve.ts";

/** What the routes work with: the loaded index, retrieval and the configured answerer. */
export interface Services {
  index: LoadedIndex;
  retriever: Retriever;
  answerer: Answerer;
  /**
   * The article's suggested questions that Goftogu itself answers: asked as a reader on that
   * article would, each must come back `found` and cite the article. Checked on the first call
   * for an article, then cached. The check always uses the extractive answerer (same retrieval,
   * no model calls), so it is cheap and deterministic even when a chat model writes the answers.
   * Throws a 404 ApiError for an unknown article.
   */
  checkedSuggestions(articleId: string): Promise<string[]>;
  /** All articles, newest first; recomputed only after a change. */
  newestFirst(): Article[];
  /** Tells the caches that these articles were added, replaced or removed. */
  changed(articleIds: string[]): void;
}

/** Passages handed to the answerer: enough for a multi-part question, few enough to read closely. */
const CHAT_PASSAGES = 8;

export function createServices(index: LoadedIndex, config: Pick<Config, "answerer"> & Partial<Pick<Config, "retrieval">>): Services {
  const extractive = new ExtractiveAnswerer(index.articles, index.lexical);
  const answerer = config.answerer.kind === "llm" ? new LlmAnswerer(config.answerer, index.articles, index.lexical, extractive) : extractive;
  const checked = new Map<string, Promise<SuggestionCheck>>();
  let sorted: Article[] | undefined;
  const services: Services = {
    newestFirst() {
      sorted ??= [...index.articles.values()].sort(newestFirst);
      return sorted;
    },
    changed(articleIds) {
      sorted = undefined;
      for (const id of articleIds) checked.delete(id);
    },
    index,
    retriever: new Retriever(index, config.retrieval ?? DEFAULT_RETRIEVAL),
    answerer,
    checkedSuggestions(articleId) {
      requireArticle(services, articleId);
      let check = checked.get(articleId);
      if (!check) {
        check = checkSuggestions({ ...services, answerer: extractive }, articleId);
        checked.set(articleId, check);
        // A question that failed (rather than went unanswered) is asked again next time.
        check.then((c) => !c.complete && checked.delete(articleId), () => checked.delete(articleId));
      }
      return check.then((c) => c.questions);
    },
  };
  return services;
}

interface SuggestionCheck {
  questions: string[];
  /** False when asking some question failed: the result is then not cached. */
  complete: boolean;
}

/** Asks each suggested question on its article; keeps those answered from that article. */
async function checkSuggestions(services: Services, articleId: string): Promise<SuggestionCheck> {
  const article = services.index.articles.get(articleId)!;
  const verdicts = await Promise.all(
    article.suggestedQuestions.map(async (question) => {
      try {
        const answer = await ask(services, { question, articleId, history: [] });
        return answer.found && answer.citations.some((c) => c.articleId === articleId);
      } catch {
        return undefined;
      }
    }),
  );
  return { questions: article.suggestedQuestions.filter((_, i) => verdicts[i] === true), complete: !verdicts.includes(undefined) };
}

export interface Question {
  question: string;
  articleId?: string;
  history: Turn[];
}

/** Retrieval and answer for one question: the whole of `POST /api/chat` but the transport. */
export async function ask(services: Services, q: Question, signal?: AbortSignal): Promise<Answer> {
  return (await compared(services, q, signal)) ?? services.answerer.answer(await prepare(services, q, signal));
}

/** The same, streamed: tokens as the answer is written, then the whole answer. */
export async function* askStream(services: Services, q: Question, signal?: AbortSignal): AsyncIterable<AnswerEvent> {
  const side = await compared(services, q, signal);
  if (side) yield* streamWhole(side);
  else yield* services.answerer.stream(await prepare(services, q, signal));
}

/**
 * A question about two things («صادرات قزوین و قم را مقایسه کن») answered part by part, when the
 * answerer is extractive (a model compares from the merged passages by itself) and both parts
 * are answered; otherwise undefined and the question is answered whole.
 */
async function compared(services: Services, q: Question, signal?: AbortSignal): Promise<Answer | undefined> {
  if (services.answerer.mode !== "extractive") return undefined;
  const parts = splitParts(q.question);
  if (!parts) return undefined;
  requireArticle(services, q.articleId);
  const answers = await Promise.all(parts.map(async (p) => services.answerer.answer(await prepare(services, { ...q, question: p.question }, signal))));
  return combine(parts, answers);
}

/**
 * Reads the question with the conversation (a follow-up is rewritten by the model when there is
 * one, else read with the previous turn) and retrieves its passages.
 */
async function prepare(services: Services, q: Question, signal?: AbortSignal): Promise<AnswerRequest> {
  requireArticle(services, q.articleId);
  const read = contextualize(q.question, q.history);
  let retrievalQuery = read.retrievalQuery;
  if (q.history.length > 0 && services.answerer.rewrite) {
    retrievalQuery = await services.answerer.rewrite(q.question, q.history, signal).catch(() => read.retrievalQuery);
  }
  const scope = { k: CHAT_PASSAGES, ...(q.articleId && { articleId: q.articleId }) };
  let passages = await services.retriever.search(retrievalQuery, scope);
  if (retrievalQuery !== q.question) {
    // Read with the conversation and alone: a question may also change the subject.
    passages = mergePassages(passages, await services.retriever.search(q.question, scope));
  }
  return {
    question: read.question,
    history: q.history,
    passages,
    ...(read.context && { context: read.context }),
    ...(q.articleId && { articleId: q.articleId }),
    ...(signal && { signal }),
  };
}

function mergePassages(a: Passage[], b: Passage[]): Passage[] {
  const byId = new Map<string, Passage>();
  for (const p of [...a, ...b]) {
    const seen = byId.get(p.chunk.id);
    if (!seen || seen.score < p.score) byId.set(p.chunk.id, p);
  }
  return [...byId.values()].sort((x, y) => y.score - x.score);
}

export function requireArticle(services: Services, articleId: string | undefined): void {
  if (articleId !== undefined && !services.index.articles.has(articleId)) {
    throw new ApiError(404, "article_not_found", `No article with id "${articleId}"`);
  }
}

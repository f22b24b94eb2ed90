import { createHash } from "node:crypto";
import type { Article } from "../core/article.ts";
import { DEFAULT_ANSWER_CACHE_SIZE, type Config } from "../core/config.ts";
import { asCorpus } from "../core/corpus/hnswlib.ts";
import type { Corpus } from "../core/corpus/index.ts";
import type { LoadedIndex } from "../core/index-store.ts";
import { normalizeForMatch } from "../core/persian/normalize.ts";
import { analyzeTokens } from "../core/persian/tokens.ts";
import { ExtractiveAnswerer } from "./answer/extractive.ts";
import { LlmAnswerer } from "./answer/llm.ts";
import { combine, splitParts } from "./answer/compare.ts";
import { contextualize } from "./answer/followup.ts";
import { questionContent } from "./answer/question.ts";
import { streamWhole, type Answer, type Answerer, type AnswerEvent, type AnswerRequest, type Passage, type Turn } from "./answer/types.ts";
import { ApiError } from "./errors.ts";
import { DEFAULT_RETRIEVAL, Retriever } from "./retrieve.ts";
import { SharedAnswer } from "./shared-answer.ts";
import { StampedCache } from "./stamped-cache.ts";

/** What the routes work with: the corpus, retrieval and the configured answerer. */
export interface Services {
  corpus: Corpus;
  retriever: Retriever;
  answerer: Answerer;
  /**
   * The article's suggested questions that Goftogu itself answers: asked as a reader on that
   * article would, each must come back `found` and cite the article. Checked on the first call
   * for a version of an article, then cached. The check always uses the extractive answerer
   * (same retrieval, no model calls), so it is cheap and deterministic even when a chat model
   * writes the answers.
   */
  checkedSuggestions(article: Article): Promise<string[]>;
  /**
   * Answers already given, by answerer, question, article and conversation, each stamped with
   * the corpus's revision: a change to the articles (here, or by another server sharing the
   * database) makes every one of them stale at once.
   */
  answers: StampedCache<Answer>;
  /**
   * Answers a chat model is writing, by the same key as kept ones and the corpus's revision:
   * readers who ask alike meanwhile share the one being written (see `answered`).
   */
  writing: Map<string, SharedAnswer>;
}

/** Passages handed to the answerer: enough for a multi-part question, few enough to read closely. */
const CHAT_PASSAGES = 8;
/** Articles whose checked suggestions are remembered; the least recently asked go first. */
const CHECKED_ARTICLES = 10_000;

/** Services over a corpus: any backend, or an embedded index opened with `openIndex`. */
export function createServices(source: Corpus | LoadedIndex, config: Pick<Config, "answerer"> & Partial<Pick<Config, "retrieval" | "answerCacheSize">>): Services {
  const corpus = asCorpus(source);
  const extractive = new ExtractiveAnswerer();
  const answerer = config.answerer.kind === "llm" ? new LlmAnswerer(config.answerer, extractive) : extractive;
  // Keyed by the article's content: a version replaced since, here or by another server sharing
  // the database, is checked anew.
  const checked = new Map<string, Promise<SuggestionCheck>>();
  const services: Services = {
    corpus,
    retriever: new Retriever(corpus, config.retrieval ?? DEFAULT_RETRIEVAL),
    answerer,
    answers: new StampedCache<Answer>(config.answerCacheSize ?? DEFAULT_ANSWER_CACHE_SIZE),
    writing: new Map(),
    checkedSuggestions(article) {
      const key = versionOf(article);
      let check = checked.get(key);
      checked.delete(key);
      if (!check) {
        check = checkSuggestions({ ...services, answerer: extractive }, article);
        // A question that failed (rather than went unanswered) is asked again next time.
        check.then((c) => !c.complete && checked.delete(key), () => checked.delete(key));
      }
      checked.set(key, check);
      if (checked.size > CHECKED_ARTICLES) checked.delete(checked.keys().next().value!);
      return check.then((c) => c.questions);
    },
  };
  return services;
}

function versionOf(article: Article): string {
  return createHash("sha256").update(article.id).update("\0").update(article.text).update("\0").update(article.suggestedQuestions.join("\n")).digest("base64");
}

interface SuggestionCheck {
  questions: string[];
  /** False when asking some question failed: the result is then not cached. */
  complete: boolean;
}

/** Asks each suggested question on its article; keeps those answered from that article. */
async function checkSuggestions(services: Services, article: Article): Promise<SuggestionCheck> {
  const verdicts = await Promise.all(
    article.suggestedQuestions.map(async (question) => {
      try {
        const answer = await ask(services, { question, articleId: article.id, history: [] });
        return answer.found && answer.citations.some((c) => c.articleId === article.id);
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
  return (await answered(services, q, signal)).answer;
}

/**
 * The same, and whether the answer was given before, to the same question on the same article
 * after the same conversation, with the articles as they are now (then it is that answer), or is
 * shared with readers who asked so meanwhile.
 *
 * **NOTE:** a news site's readers ask alike: every reader of an article is offered the same
 * suggested questions, and the suggestions' check (`checkedSuggestions`) has asked them all
 * before the first reader does. With a chat model, that check is extractive: the first readers
 * to click a suggestion all ask before its answer is written, and share it.
 */
export async function answered(services: Services, q: Question, signal?: AbortSignal, options: Reuse = {}): Promise<{ answer: Answer; reused: Reused }> {
  const { kept, keep, key } = await recall(services, q, options);
  if (kept) return { answer: kept, reused: "hit" };
  const write = async (signal?: AbortSignal) => (await compared(services, q, signal)) ?? (await services.answerer.answer(await prepare(services, q, signal)));
  const shared = sharing(services, key, keep, write, options);
  if (shared) return { answer: await shared.writing.answer(signal), reused: shared.joined ? "shared" : "miss" };
  const answer = await write(signal);
  keep(answer);
  return { answer, reused: "miss" };
}

/**
 * The answer as events (tokens as it is written, then the whole answer), and whether it was
 * given before (see `answered`): a kept answer's tokens come all at once, a shared one's from
 * the first as they come.
 */
export async function streamed(services: Services, q: Question, signal?: AbortSignal, options: Reuse = {}): Promise<{ events: AsyncIterable<AnswerEvent>; reused: Reused }> {
  const { kept, keep, key } = await recall(services, q, options);
  if (kept) return { events: streamWhole(kept), reused: "hit" };
  const shared = sharing(services, key, keep, (signal) => fresh(services, q, signal), options);
  if (shared) return { events: shared.writing.follow(signal), reused: shared.joined ? "shared" : "miss" };
  return { events: keeping(fresh(services, q, signal), keep), reused: "miss" };
}

/**
 * `hit`: an answer kept from before; `shared`: the one being written for a reader who asked the
 * same meanwhile; `miss`: written for this request.
 */
export type Reused = "hit" | "shared" | "miss";

export interface Reuse {
  /** False to write the answer anew even when one is kept (the new one is then kept instead). */
  reuse?: boolean;
}

/** The answer kept for this question, if any and still current, how to keep a new one, and the key of both. */
async function recall(services: Services, q: Question, options: Reuse): Promise<{ kept: Answer | undefined; keep: (answer: Answer) => void; key: string }> {
  // Hashed: a conversation can be long. Normalised as every stage reads the question, so a
  // reader who types «ي» or «ك», Arabic or Latin digits, a ZWNJ or none, or extra spaces asks the
  // question another reader asked.
  const conversation = q.history.map((turn) => [turn.role, normalizeForMatch(turn.content)]);
  const key = createHash("sha256").update(JSON.stringify([services.answerer.id, normalizeForMatch(q.question), q.articleId ?? null, conversation])).digest("base64");
  // Read before the answer is written: one written while the corpus changes is kept under the old revision, so it is not used.
  const revision = await services.corpus.revision();
  return {
    kept: options.reuse === false ? undefined : services.answers.peek(key, revision),
    // An answer the model could not write (`warning`) is not kept: the next reader gets the model's.
    keep: (answer) => {
      if (answer.warning === undefined) services.answers.set(key, revision, answer);
    },
    key: `${String(revision)} ${key}`,
  };
}

/**
 * The answer being written under `key`, joined, or one started for others to join; undefined
 * when answers are not shared. They are with a chat model only: an extractive answer takes
 * milliseconds, the CPU that readers asking at the same moment would save. With no answers kept
 * (ANSWER_CACHE_SIZE=0), none is given to another request.
 */
function sharing(
  services: Services,
  key: string,
  keep: (answer: Answer) => void,
  write: (signal: AbortSignal) => AsyncIterable<AnswerEvent> | Promise<Answer>,
  options: Reuse,
): { writing: SharedAnswer; joined: boolean } | undefined {
  if (services.answerer.mode !== "llm" || !services.answers.enabled) return undefined;
  const being = options.reuse === false ? undefined : services.writing.get(key);
  if (being) return { writing: being, joined: true };
  const writing: SharedAnswer = new SharedAnswer(write, {
    written: keep,
    // A request with no-cache writes its own, which readers after it join in place of the older.
    closed: () => services.writing.get(key) === writing && services.writing.delete(key),
  });
  services.writing.set(key, writing);
  return { writing, joined: false };
}

/** The answer written now, as events. */
async function* fresh(services: Services, q: Question, signal?: AbortSignal): AsyncIterable<AnswerEvent> {
  const side = await compared(services, q, signal);
  if (side) yield* streamWhole(side);
  else yield* services.answerer.stream(await prepare(services, q, signal));
}

/** The events as they come, keeping the whole answer when it does. */
async function* keeping(events: AsyncIterable<AnswerEvent>, keep: (answer: Answer) => void): AsyncIterable<AnswerEvent> {
  for await (const event of events) {
    if (event.type === "done") keep(event.answer);
    yield event;
  }
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
  await requireArticle(services, q.articleId);
  const answers = await Promise.all(parts.map(async (p) => services.answerer.answer(await prepare(services, { ...q, question: p.question }, signal))));
  return combine(parts, answers);
}

/**
 * Reads the question with the conversation (a follow-up is rewritten by the model when there is
 * one, else read with the previous turn) and retrieves its passages.
 */
async function prepare(services: Services, q: Question, signal?: AbortSignal): Promise<AnswerRequest> {
  await requireArticle(services, q.articleId);
  const read = contextualize(q.question, q.history);
  let retrievalQuery = read.retrievalQuery;
  if (q.history.length > 0 && services.answerer.rewrite) {
    retrievalQuery = await services.answerer.rewrite(q.question, q.history, signal).catch(() => read.retrievalQuery);
  }
  const scope = { k: CHAT_PASSAGES, ...(q.articleId && { articleId: q.articleId }) };
  const gather = async () => {
    let passages = await services.retriever.search(retrievalQuery, scope);
    if (retrievalQuery !== q.question) {
      // Read with the conversation and alone: a question may also change the subject.
      passages = mergePassages(passages, await services.retriever.search(q.question, scope));
    }
    return withMaterials(
      services.corpus,
      {
        question: read.question,
        history: q.history,
        passages,
        ...(read.context && { context: read.context }),
        ...(q.articleId && { articleId: q.articleId }),
        ...(signal && { signal }),
      },
      services.answerer.mode,
    );
  };
  // Gathered again when the articles changed meanwhile (a publication went live between its
  // searches, or before its articles were fetched): an answer must not put passages of an
  // article's previous version beside its new text.
  for (let attempt = 1; ; attempt++) {
    const revision = await services.corpus.revision();
    const request = await gather();
    if (attempt === GATHER_ATTEMPTS || (await services.corpus.revision()) === revision) return request;
  }
}

/** Publications go live one at a time, each at one moment: a second reading all but always sees none. */
const GATHER_ATTEMPTS = 3;

/**
 * The request completed with what an answerer reads besides the passages, fetched for this
 * request only: the articles they come from and the reader's own (titles, sources, whole text
 * to quote), and how rare the words are that it weighs. A model's answer is weighed against
 * its sources when it cites them, so their words come too.
 */
export async function withMaterials(corpus: Corpus, request: Omit<AnswerRequest, "articles" | "terms">, mode: Answer["mode"]): Promise<AnswerRequest> {
  const ids = new Set(request.passages.map((p) => p.chunk.articleId));
  if (request.articleId) ids.add(request.articleId);
  const texts = [request.question, questionContent(request.question), request.context ?? ""];
  if (mode === "llm") for (const { chunk } of request.passages) texts.push(chunk.title, chunk.text);
  const [articles, terms] = await Promise.all([corpus.articles(ids), corpus.termStats(texts.flatMap((t) => analyzeTokens(t).map((x) => x.term)))]);
  return { ...request, articles, terms };
}

function mergePassages(a: Passage[], b: Passage[]): Passage[] {
  const byId = new Map<string, Passage>();
  for (const p of [...a, ...b]) {
    const seen = byId.get(p.chunk.id);
    if (!seen || seen.score < p.score) byId.set(p.chunk.id, p);
  }
  return [...byId.values()].sort((x, y) => y.score - x.score);
}

export async function requireArticle(services: Services, articleId: string | undefined): Promise<void> {
  if (articleId !== undefined && !(await services.corpus.hasArticle(articleId))) {
    throw new ApiError(404, "article_not_found", `No article with id "${articleId}"`);
  }
}

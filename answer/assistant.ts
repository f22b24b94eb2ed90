import { availableParallelism } from "node:os";
import type { Article } from "../core/article.ts";
import { DEFAULT_ANSWER_CACHE_SIZE, type Config } from "../core/config.ts";
import type { Corpus } from "../core/corpus/corpus.ts";
import { analyzeTokens } from "../core/persian/tokens.ts";
import { AnswerThreads } from "./answer-threads.ts";
import { combine, splitParts, splitQuestions } from "./compare.ts";
import { ArticleNotFound } from "./errors.ts";
import { DEFAULT_EXTRACTIVE, ExtractiveAnswerer } from "./extractive.ts";
import { DEV_FITTED_WEIGHTS, loadConfidence } from "./confidence.ts";
import { contextualize } from "./followup.ts";
import { LlmAnswerer } from "./llm.ts";
import { questionContent } from "./question.ts";
import { loadReader, type SpanReader } from "./reader.ts";
import { DEFAULT_RETRIEVAL, DEFAULT_WEIGHTS, Retriever, type SearchOptions } from "./retrieve.ts";
import { loadReranker, rulesReranker, type Reranker } from "./rerank.ts";
import { AnswerReuse, keepingWhole, type Question, type Reused, type ReuseOptions } from "./reuse.ts";
import { SuggestionCheck } from "./suggestions.ts";
import {
  streamWhole,
  type Answer,
  type Answerer,
  type AnswerEvent,
  type AnswerRequest,
  type Passage,
} from "./types.ts";

export type { Question, Reused, ReuseOptions } from "./reuse.ts";

export type AssistantConfig = Pick<Config, "answerer"> &
  Partial<
    Pick<
      Config,
      | "retrieval"
      | "answerCacheSize"
      | "spanReader"
      | "spanReaderWeights"
      | "reranker"
      | "rerankerWeights"
      | "confidenceWeights"
    >
  > & {
    /**
     * Threads that write extractive answers (answer-threads.ts): "auto" for one a core but the
     * main thread's (`autoWorkers`); 0 or absent, on the calling thread.
     */
    workers?: Config["workers"];
    /**
     * Whose confidence weights decide `found`: learned from PQuAD train (the default), or the
     * ones fitted on dev before them (eval's hand-tuned row).
     */
    confidence?: "learned" | "dev-fitted";
  };

export interface AskOptions extends ReuseOptions {
  signal?: AbortSignal;
}

/** Passages handed to the answerer: enough for a multi-part question, few enough to read closely. */
const CHAT_PASSAGES = 8;
/** With a scoped question, the search reads this many times deeper, for the reader's article's chunks. */
const SCOPED_DEPTH = 3;
/** The reader's article's best chunks always handed to the answerer. */
const SCOPED_PASSAGES = 3;
/** Publications go live one at a time, each at one moment: a second reading all but always sees none. */
const GATHER_ATTEMPTS = 3;

/**
 * Answers readers' questions from a corpus, with its sources: retrieval, the configured answerer
 * (extractive, or a chat model), follow-ups, comparisons, and answers kept or shared (reuse.ts).
 * The whole of `POST /api/chat` but the transport; eval and bench use the same parts.
 */
export class Assistant {
  readonly retriever: Retriever;
  readonly answerer: Answerer;
  /** The extractive answerer: on threads of its own (WORKERS), or this one. */
  private readonly extractive: Answerer;
  private readonly threads: AnswerThreads | undefined;
  private readonly reuse: AnswerReuse;
  private readonly suggestions: SuggestionCheck;
  /** What was wrong with the configuration the assistant could do without, to be logged at start. */
  readonly warnings: string[] = [];

  constructor(
    readonly corpus: Corpus,
    config: AssistantConfig,
  ) {
    const reader = this.spanReader(config);
    const weights = this.confidenceWeights(config);
    const local = new ExtractiveAnswerer({ ...DEFAULT_EXTRACTIVE, reader, weights });
    const threads = config.workers === "auto" ? autoWorkers() : config.workers;
    this.threads =
      threads && threads > 0
        ? AnswerThreads.start(local, threads, {
            // The same weights as `local`'s: the file it read, or the rules when it read none.
            readerWeights: reader === null ? null : config.spanReaderWeights,
            confidenceWeights: weights,
          })
        : undefined;
    this.extractive = this.threads ?? local;
    this.answerer =
      config.answerer.kind === "llm" ? new LlmAnswerer(config.answerer, this.extractive) : this.extractive;
    this.retriever = new Retriever(
      corpus,
      config.retrieval ?? DEFAULT_RETRIEVAL,
      DEFAULT_WEIGHTS,
      this.reranker(config),
    );
    this.reuse = new AnswerReuse(corpus, config.answerCacheSize ?? DEFAULT_ANSWER_CACHE_SIZE);
    // Always extractive: see SuggestionCheck.
    this.suggestions = new SuggestionCheck(
      async (question, articleId) =>
        (await this.answerWith(this.extractive, { question, articleId, history: [] })).answer,
    );
  }

  /**
   * The learned span reader, or null for the rules alone: asked for (SPAN_READER=rules), or
   * because its weights cannot be read. A damaged weights file costs short answers some quality,
   * not the service: the rules stand in and the reason is logged.
   */
  private spanReader(config: AssistantConfig): SpanReader | null {
    if (config.spanReader === "rules") return null;
    try {
      return loadReader(config.spanReaderWeights);
    } catch (err) {
      this.warnings.push(
        `span reader: ${(err as Error).message}; short answers come from the rules alone (as with SPAN_READER=rules)`,
      );
      return null;
    }
  }

  /**
   * The learned confidence weights, or the dev-fitted ones: asked for, or because the learned
   * file cannot be read (the reason is logged; `found` then errs the way it did before).
   */
  private confidenceWeights(config: AssistantConfig): readonly number[] {
    if (config.confidence === "dev-fitted") return DEV_FITTED_WEIGHTS;
    try {
      return loadConfidence(config.confidenceWeights);
    } catch (err) {
      this.warnings.push(`confidence: ${(err as Error).message}; found is decided by the dev-fitted weights`);
      return DEV_FITTED_WEIGHTS;
    }
  }

  /**
   * The learned re-ranker, or the hand-tuned one: asked for (RERANKER=rules), or because the
   * learned weights cannot be read (the reason is logged, the service goes on).
   */
  private reranker(config: AssistantConfig): Reranker {
    const rules = rulesReranker(DEFAULT_WEIGHTS.rerank);
    if (config.reranker === "rules") return rules;
    try {
      return loadReranker(config.rerankerWeights);
    } catch (err) {
      this.warnings.push(
        `re-ranker: ${(err as Error).message}; passages are ordered by the hand-tuned weights (as with RERANKER=rules)`,
      );
      return rules;
    }
  }

  /** How many threads write extractive answers (0: the calling thread), once they have started. */
  async answerThreads(): Promise<number> {
    return this.threads ? await this.threads.started() : 0;
  }

  /** Stops the answer threads; answers are then written on the calling thread. */
  async close(): Promise<void> {
    await this.threads?.close();
  }

  /** Which re-ranker orders the passages: `learned` or `rules`. */
  get rerankerKind(): Reranker["kind"] {
    return this.retriever.rerankerKind;
  }

  /**
   * The answer, and whether it was given before, to the same question on the same article after
   * the same conversation, with the articles as they are now (then it is that answer), or is
   * shared with readers who asked so meanwhile.
   *
   * **NOTE:** a news site's readers ask alike: every reader of an article is offered the same
   * suggested questions, and their check (`suggestedQuestions`) has asked them all before the
   * first reader does. With a chat model, that check is extractive: the first readers to click a
   * suggestion all ask before its answer is written, and share it.
   */
  ask(q: Question, options: AskOptions = {}): Promise<{ answer: Answer; reused: Reused }> {
    return this.answerWith(this.answerer, q, options);
  }

  /**
   * The answer as events (tokens as it is written, then the whole answer), and whether it was
   * given before (see `ask`): a kept answer's tokens come all at once, a shared one's from the
   * first as they come.
   */
  async stream(q: Question, options: AskOptions = {}): Promise<{ events: AsyncIterable<AnswerEvent>; reused: Reused }> {
    const answerer = this.answerer;
    const recalled = await this.reuse.recall(answerer, q, options);
    if (recalled.kept) return { events: streamWhole(recalled.kept), reused: "hit" };
    const shared = this.reuse.share(answerer, recalled, (signal) => this.written(answerer, q, signal), options);
    if (shared) return { events: shared.writing.follow(options.signal), reused: shared.joined ? "shared" : "miss" };
    return { events: keepingWhole(this.written(answerer, q, options.signal), recalled.keep), reused: "miss" };
  }

  /** The passages that best match a query, best first; throws `ArticleNotFound` for an unknown article. */
  async search(query: string, options: SearchOptions): Promise<Passage[]> {
    await this.requireArticle(options.articleId);
    return this.retriever.search(query, options);
  }

  /** The article's suggested questions that this assistant answers from it (see SuggestionCheck). */
  suggestedQuestions(article: Article): Promise<string[]> {
    return this.suggestions.questions(article);
  }

  /** Throws `ArticleNotFound` unless the corpus has the article (or none is named). */
  async requireArticle(articleId: string | undefined): Promise<void> {
    if (articleId !== undefined && !(await this.corpus.hasArticle(articleId))) throw new ArticleNotFound(articleId);
  }

  private async answerWith(
    answerer: Answerer,
    q: Question,
    options: AskOptions = {},
  ): Promise<{ answer: Answer; reused: Reused }> {
    const recalled = await this.reuse.recall(answerer, q, options);
    if (recalled.kept) return { answer: recalled.kept, reused: "hit" };
    const write = async (signal?: AbortSignal) =>
      (await this.compared(answerer, q, signal)) ?? (await answerer.answer(await this.prepare(answerer, q, signal)));
    const shared = this.reuse.share(answerer, recalled, write, options);
    if (shared)
      return { answer: await shared.writing.answer(options.signal), reused: shared.joined ? "shared" : "miss" };
    const answer = await write(options.signal);
    recalled.keep(answer);
    return { answer, reused: "miss" };
  }

  /** The answer written now, as events. */
  private async *written(answerer: Answerer, q: Question, signal?: AbortSignal): AsyncIterable<AnswerEvent> {
    const side = await this.compared(answerer, q, signal);
    if (side) yield* streamWhole(side);
    else yield* answerer.stream(await this.prepare(answerer, q, signal));
  }

  /**
   * A question about two things («صادرات قزوین و قم را مقایسه کن») answered part by part, when the
   * answerer is extractive (a model compares from the merged passages by itself) and both parts
   * are answered; otherwise undefined and the question is answered whole.
   */
  private async compared(answerer: Answerer, q: Question, signal?: AbortSignal): Promise<Answer | undefined> {
    if (answerer.mode !== "extractive") return undefined;
    const parts = splitParts(q.question) ?? splitQuestions(q.question);
    if (!parts) return undefined;
    await this.requireArticle(q.articleId);
    const answers = await Promise.all(
      parts.map(async (p) => answerer.answer(await this.prepare(answerer, { ...q, question: p.question }, signal))),
    );
    return combine(parts, answers);
  }

  /**
   * Reads the question with the conversation (a follow-up is rewritten by the model when there is
   * one, else read with the previous turn) and retrieves its passages.
   */
  private async prepare(answerer: Answerer, q: Question, signal?: AbortSignal): Promise<AnswerRequest> {
    await this.requireArticle(q.articleId);
    const read = contextualize(q.question, q.history);
    let retrievalQuery = read.retrievalQuery;
    if (q.history.length > 0 && answerer.rewrite) {
      retrievalQuery = await answerer.rewrite(q.question, q.history, signal).catch(() => read.retrievalQuery);
    }
    const scope = {
      k: q.articleId ? CHAT_PASSAGES * SCOPED_DEPTH : CHAT_PASSAGES,
      ...(q.articleId && { articleId: q.articleId }),
    };
    const gather = async () => {
      let passages = withScoped(await this.retriever.search(retrievalQuery, scope), q.articleId);
      if (retrievalQuery !== q.question) {
        // Read with the conversation and alone: a question may also change the subject.
        passages = mergePassages(passages, withScoped(await this.retriever.search(q.question, scope), q.articleId));
      }
      return withMaterials(
        this.corpus,
        {
          question: read.question,
          history: q.history,
          passages,
          ...(read.context && { context: read.context }),
          ...(q.articleId && { articleId: q.articleId }),
          ...(signal && { signal }),
        },
        answerer.mode,
      );
    };
    // Gathered again when the articles changed meanwhile (a publication went live between its
    // searches, or before its articles were fetched): an answer must not put passages of an
    // article's previous version beside its new text.
    for (let attempt = 1; ; attempt++) {
      const revision = await this.corpus.revision();
      const request = await gather();
      if (attempt === GATHER_ATTEMPTS || (await this.corpus.revision()) === revision) return request;
    }
  }
}

/**
 * WORKERS=auto: a thread for every core but the main thread's, which parses every request,
 * retrieves and fuses. On two cores one answer thread serves more chat requests than two, and
 * two more than none (docs/benchmarks.md, "Answer threads"): threads beyond the cores only take
 * turns with the main thread.
 */
export function autoWorkers(cores = availableParallelism()): number {
  return Math.max(0, cores - 1);
}

/**
 * The request completed with what an answerer reads besides the passages, fetched for this
 * request only: the articles they come from and the reader's own (titles, sources, whole text
 * to quote), and how rare the words are that it weighs. A model's answer is weighed against
 * its sources when it cites them, so their words come too.
 */
export async function withMaterials(
  corpus: Corpus,
  request: Omit<AnswerRequest, "articles" | "terms">,
  mode: Answer["mode"],
): Promise<AnswerRequest> {
  const ids = new Set(request.passages.map((p) => p.chunk.articleId));
  if (request.articleId) ids.add(request.articleId);
  const texts = [request.question, questionContent(request.question), request.context ?? ""];
  if (mode === "llm") for (const { chunk } of request.passages) texts.push(chunk.title, chunk.text);
  const [articles, terms] = await Promise.all([
    corpus.articles(ids),
    corpus.termStats(texts.flatMap((t) => analyzeTokens(t).map((x) => x.term))),
  ]);
  return { ...request, articles, terms };
}

/**
 * The best passages, and the reader's article's best ones among them even when other articles
 * rank higher: its answer is preferred (extractive.ts), so it must be read. «استاندار قزوین کیست؟»
 * asked on an article of 2019 is about that article's governor, though newer articles say the
 * words more often.
 */
function withScoped(ranked: Passage[], articleId: string | undefined): Passage[] {
  if (!articleId) return ranked;
  const top = ranked.slice(0, CHAT_PASSAGES);
  const own = ranked.filter((p) => p.chunk.articleId === articleId).slice(0, SCOPED_PASSAGES);
  return mergePassages(top, own);
}

function mergePassages(a: Passage[], b: Passage[]): Passage[] {
  const byId = new Map<string, Passage>();
  for (const p of [...a, ...b]) {
    const seen = byId.get(p.chunk.id);
    if (!seen || seen.score < p.score) byId.set(p.chunk.id, p);
  }
  return [...byId.values()].sort((x, y) => y.score - x.score);
}

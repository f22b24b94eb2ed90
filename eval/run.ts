import { copyFile, mkdir, mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import path from "node:path";
import type { BuildSummary } from "../ingest/build.ts";
import { buildStore } from "../ingest/store.ts";
import type { Article } from "../core/article.ts";
import type { AnswererSpec, StoreSpec } from "../core/config.ts";
import type { Corpus } from "../core/corpus/corpus.ts";
import { openCorpus } from "../core/corpus/open.ts";
import { DEFAULT_SCHEMA, dropSchema } from "../core/corpus/pgvector/schema.ts";
import { startInProcessPostgres } from "./pglite.ts";
import type { Answer } from "../answer/types.ts";
import { GroundednessJudge } from "./judge.ts";
import { DEFAULT_RETRIEVAL, DEFAULT_WEIGHTS, Retriever, type RetrievalSettings } from "../answer/retrieve.ts";
import { loadReranker, rulesReranker } from "../answer/rerank.ts";
import { Assistant, withMaterials } from "../answer/assistant.ts";
import { contextualize } from "../answer/followup.ts";
import { naiveBm25, naiveTokens } from "./baseline.ts";
import { mean, ndcgAt, percentile, rankOf, recallAt, reciprocalRank } from "./metrics.ts";
import { QuestionFileError } from "./questions.ts";
import { AnswerTally, type AnswerRow, type QuestionResult } from "./score.ts";
import type { EvalSet } from "./sets.ts";
import { evaluateSuggestions, type SuggestionRow } from "./suggestions.ts";

export type { AnswerRow, QuestionResult, ReliabilityBucket } from "./score.ts";

/** One retrieval pipeline of the comparison: the baseline, the full pipeline, or an ablation. */
export interface Pipeline {
  name: string;
  settings?: RetrievalSettings;
  /** Who re-ranks: the hand-tuned weights or the learned ones; the configured one (RERANKER) if not said. */
  reranker?: "rules" | "learned";
}

const FULL = DEFAULT_RETRIEVAL;

/** The baseline, each stage alone, the full pipeline less one stage, the alternatives, and the full pipeline last. */
export const PIPELINES: Pipeline[] = [
  { name: "bm25-naive (baseline)" },
  { name: "bm25 (Persian analysis)", settings: { ...FULL, dense: false, rerank: false } },
  { name: "dense (local embedder)", settings: { ...FULL, lexical: false, rerank: false } },
  { name: "full − rescore", settings: { ...FULL, rerank: false } },
  { name: "full − dense", settings: { ...FULL, dense: false } },
  { name: "full − lexical", settings: { ...FULL, lexical: false } },
  { name: "full, rrf fusion", settings: { ...FULL, fusion: "rrf" } },
  { name: "full + feedback", settings: { ...FULL, expand: true } },
  { name: "full + associations", settings: { ...FULL, associations: true } },
  { name: "full, hand-tuned re-ranker", settings: FULL, reranker: "rules" },
  { name: "full, learned re-ranker", settings: FULL, reranker: "learned" },
  { name: "full (default)", settings: FULL },
];

export interface RetrievalRow {
  pipeline: string;
  questions: number;
  r1: number;
  r5: number;
  r10: number;
  mrr: number;
  ndcg10: number;
  p50ms: number;
  p95ms: number;
}

export interface EvalResult {
  set: string;
  kind: EvalSet["kind"];
  grading: EvalSet["grading"];
  split: string;
  /** Where the index was: the embedded one, or PostgreSQL with pgvector. */
  store: Store;
  createdAt: string;
  corpus: { articles: number; chunks: number; indexSeconds: number };
  retrieval: RetrievalRow[];
  answers: AnswerRow[];
  /** Every question's answer and verdict, for each answerer (the `answerer` field). */
  questions: QuestionResult[];
  /** The suggested questions of the articles the questions are about (extractive, as offered). */
  suggestions?: SuggestionRow;
}

/** Which backend holds the index (VECTOR_STORE). */
export type Store = Corpus["kind"];

export interface EvalOptions {
  log?: (line: string) => void;
  /**
   * `pgvector`: the index goes to PostgreSQL with pgvector, started in this process (PGlite over
   * the wire protocol, see eval/pglite.ts) and queried through the `pg` driver as a
   * server would. `embedded` by default.
   */
  store?: Store;
  /**
   * With `pgvector`: a PostgreSQL server to use instead of the one in process. The index goes to
   * a schema of its own, dropped afterwards; nothing else in the database is touched.
   */
  databaseUrl?: string;
  /** Also answer with this model (and judge groundedness with it). */
  llm?: Extract<AnswererSpec, { kind: "llm" }>;
  /** Reading sets: ask each question again without its gold passage (on by default). */
  heldOut?: boolean;
  /** Who marks the extractive short answers (SPAN_READER): the learned reader by default. */
  spanReader?: "learned" | "rules";
  /** Who re-ranks the full pipeline's candidates (RERANKER): the learned re-ranker by default. */
  reranker?: "learned" | "rules";
  /**
   * Also answer with everything hand-tuned (the rules' re-ranker and span marking), as a second
   * answers row "extractive, hand-tuned": what the learned parts add, in one run.
   */
  handTuned?: boolean;
}

/** How deep a pipeline's ranking is read: enough chunks to fill 10 distinct passages. */
const DEPTH = 40;
const ANSWER_PASSAGES = 8;

/**
 * Builds an index from the set's corpus with the product's own ingest code, in a temporary
 * directory, then asks every question of every pipeline (retrieval alone), and answers it
 * through the `Assistant` as `POST /api/chat` does: with the reader's article (`scope`), the
 * conversation, comparisons and follow-ups. Reading sets' questions are asked a second time
 * without their gold passage, which must be refused.
 */
export async function runEval(set: EvalSet, options: EvalOptions = {}): Promise<EvalResult> {
  const log = options.log ?? (() => {});
  const work = await mkdtemp(path.join(tmpdir(), "goftogu-eval-"));
  const closers: Array<() => Promise<void>> = [];
  try {
    const articlesDir = await articlesDirOf(set, work);
    const store = options.store ?? "embedded";
    const { corpus, build, close } = await indexed(store, articlesDir, work, log, options.databaseUrl);
    closers.push(close);
    log(`indexed ${build.articles} passages as ${build.chunks} chunks in ${build.seconds} s (${store})`);
    if (set.grading === "editorial") await requireArticles(set, corpus, articlesDir);

    const baseline = await naiveBm25(set.corpus);
    const configured = options.reranker ?? "learned";
    const rerankers = { rules: rulesReranker(DEFAULT_WEIGHTS.rerank), learned: loadReranker() };
    const retrievers = PIPELINES.map((p) =>
      p.settings ? new Retriever(corpus, p.settings, DEFAULT_WEIGHTS, rerankers[p.reranker ?? configured]) : undefined,
    );
    const assistants: Array<{ label: string; assistant: Assistant }> = [
      {
        label: "extractive",
        assistant: new Assistant(corpus, {
          answerer: { kind: "extractive" },
          spanReader: options.spanReader ?? "learned",
          reranker: configured,
        }),
      },
    ];
    if (options.handTuned)
      assistants.push({
        label: "extractive, hand-tuned",
        assistant: new Assistant(corpus, {
          answerer: { kind: "extractive" },
          spanReader: "rules",
          reranker: "rules",
          confidence: "dev-fitted",
        }),
      });
    if (options.llm)
      assistants.push({
        label: "llm",
        assistant: new Assistant(corpus, { answerer: options.llm, reranker: configured }),
      });
    const judge = options.llm ? new GroundednessJudge(options.llm) : undefined;
    const heldOut = set.grading === "reading" && options.heldOut !== false;

    const ranks = PIPELINES.map(() => [] as Array<number | undefined>);
    const times = PIPELINES.map(() => [] as number[]);
    const tallies = assistants.map(
      (a) => new AnswerTally(a.label === "llm" ? a.assistant.answerer.id : a.label, set.grading),
    );

    for (const [qi, q] of set.questions.entries()) {
      // A follow-up («چه کسی این را گفت؟») is searched with the turn before it, as the assistant searches it.
      const query = contextualize(q.question, q.history).retrievalQuery;
      for (const pi of PIPELINES.keys()) {
        const started = performance.now();
        let ranked: string[];
        const retriever = retrievers[pi];
        if (!retriever) {
          ranked = baseline.search(naiveTokens(query), 10).map((h) => h.id);
        } else {
          const deep = await retriever.search(query, { k: DEPTH });
          ranked = [...new Set(deep.map((p) => p.chunk.articleId))];
        }
        times[pi]!.push(performance.now() - started);
        if (q.goldId) ranks[pi]!.push(rankOf(ranked.slice(0, 10), q.goldId));
      }
      for (const [ai, { assistant }] of assistants.entries()) {
        const started = performance.now();
        // Not reused: a question asked twice in a set is answered twice, and timed so.
        const { answer } = await assistant.ask(
          { question: q.question, history: q.history, ...(q.scope && { articleId: q.scope }) },
          { reuse: false },
        );
        const ms = performance.now() - started;
        const grounded =
          judge && answer.found
            ? await judge
                .score(
                  answer.answer,
                  answer.citations.map((c) => c.quote),
                )
                .catch(() => undefined)
            : undefined;
        const valid = citationsValid(answer, await corpus.articles(answer.citations.map((c) => c.articleId)));
        const result = tallies[ai]!.add(q, answer, ms, valid, grounded);
        if (heldOut && q.goldId) {
          // The assistant's own deep ranking less the gold passage is what its answerer would
          // read if the corpus did not have it.
          const deep = await assistant.retriever.search(q.question, { k: DEPTH });
          const passages = deep.filter((p) => p.chunk.articleId !== q.goldId).slice(0, ANSWER_PASSAGES);
          const answerer = assistant.answerer;
          const held = await answerer.answer(
            await withMaterials(corpus, { question: q.question, history: [], passages }, answerer.mode),
          );
          tallies[ai]!.addHeldOut(result, held);
        }
      }
      if ((qi + 1) % 100 === 0) log(`${qi + 1}/${set.questions.length} questions`);
    }

    const about = set.questions.flatMap((q) => [q.goldId ?? q.scope ?? []].flat());
    const suggestions = await evaluateSuggestions(assistants[0]!.assistant, corpus, about);
    log(`suggested questions of ${suggestions.articles} articles checked`);

    const retrieval = PIPELINES.map((p, i): RetrievalRow => ({
      pipeline: p.name,
      questions: ranks[i]!.length,
      r1: mean(ranks[i]!.map((r) => recallAt(r, 1))),
      r5: mean(ranks[i]!.map((r) => recallAt(r, 5))),
      r10: mean(ranks[i]!.map((r) => recallAt(r, 10))),
      mrr: mean(ranks[i]!.map(reciprocalRank)),
      ndcg10: mean(ranks[i]!.map((r) => ndcgAt(r, 10))),
      p50ms: percentile(times[i]!, 50),
      p95ms: percentile(times[i]!, 95),
    }));
    return {
      set: set.name,
      kind: set.kind,
      grading: set.grading,
      split: set.split,
      store,
      createdAt: new Date().toISOString(),
      corpus: { articles: build.articles, chunks: build.chunks, indexSeconds: build.seconds },
      retrieval,
      answers: tallies.map((t) => t.row()),
      questions: tallies.flatMap((t) => t.results),
      suggestions,
    };
  } finally {
    for (const close of closers.reverse()) await close();
    await rm(work, { recursive: true, force: true });
  }
}

/**
 * The directory ingest reads a set's corpus from: the set's own articles, or, for a reading set,
 * its passages JSONL copied alone into a directory under `work`.
 */
export async function articlesDirOf(set: EvalSet, work: string): Promise<string> {
  if (!("jsonl" in set.corpus)) return set.corpus.dir;
  const dir = path.join(work, "articles");
  await mkdir(dir);
  await copyFile(set.corpus.jsonl, path.join(dir, "passages.jsonl"));
  return dir;
}

/**
 * Every article a question names is in the corpus: a question citing an article of another
 * site, or a typo in an id, would otherwise fail every run for no fault of the answers.
 */
async function requireArticles(set: EvalSet, corpus: Corpus, articlesDir: string): Promise<void> {
  const named = set.questions.flatMap((q) => [
    ...(q.goldId ? [{ q, field: "articleId", id: q.goldId }] : []),
    ...(q.scope ? [{ q, field: "scope", id: q.scope }] : []),
  ]);
  const found = await corpus.articles(new Set(named.map((n) => n.id)));
  const missing = named.filter((n) => !found.has(n.id));
  if (missing.length > 0)
    throw new QuestionFileError(
      missing.map((n) => `${n.q.at ?? n.q.id}: ${n.field} «${n.id}» is no article in ${articlesDir}`),
    );
}

/**
 * The set's corpus indexed and opened as a server does it: `buildStore` (ingest/store.ts) and
 * `openCorpus` (core/corpus/open.ts), in the chosen store.
 */
async function indexed(
  store: Store,
  articlesDir: string,
  work: string,
  log: (line: string) => void,
  databaseUrl?: string,
): Promise<{ corpus: Corpus; build: BuildSummary; close: () => Promise<void> }> {
  const indexDir = path.join(work, "index");
  const embedder = { kind: "local" } as const;
  if (store === "embedded") {
    // One question at a time: search threads would only add a message hop to each search.
    const spec: StoreSpec = { kind: "embedded", searchThread: "off", lexicalThread: "off" };
    const build = await buildStore({ store: spec, articlesDir, indexDir, embedder, mode: "import", log });
    const corpus = await openCorpus(spec, indexDir, embedder);
    return { corpus, build, close: () => corpus.close() };
  }
  const postgres = databaseUrl ? undefined : await startInProcessPostgres();
  const database = databaseUrl
    ? { url: databaseUrl, schema: `goftogu_eval_${process.pid}_${Date.now()}` }
    : { url: postgres!.url, schema: DEFAULT_SCHEMA };
  const stop = async () => {
    if (databaseUrl) await dropSchema(database);
    await postgres?.stop();
  };
  try {
    const spec: StoreSpec = { kind: "pgvector", database };
    const build = await buildStore({ store: spec, articlesDir, indexDir, embedder, mode: "import", log });
    const corpus = await openCorpus(spec, indexDir, embedder);
    return { corpus, build, close: async () => (await corpus.close(), await stop()) };
  } catch (err) {
    await stop();
    throw err;
  }
}

/** Every `[n]` of the answer has its citation, and every quote is the article's own text there. */
export function citationsValid(answer: Answer, articles: ReadonlyMap<string, Article>): boolean {
  const numbers = new Set(answer.citations.map((c) => c.n));
  for (const m of answer.answer.matchAll(/\[(\d+)\]/g)) if (!numbers.has(Number(m[1]))) return false;
  return answer.citations.every((c) => articles.get(c.articleId)?.text.slice(c.start, c.end) === c.quote);
}

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
import { ExtractiveAnswerer } from "../answer/extractive.ts";
import { LlmAnswerer } from "../answer/llm.ts";
import type { Answer, Answerer } from "../answer/types.ts";
import { GroundednessJudge } from "./judge.ts";
import { DEFAULT_RETRIEVAL, Retriever, type RetrievalSettings } from "../answer/retrieve.ts";
import { withMaterials } from "../answer/assistant.ts";
import { naiveBm25, naiveTokens } from "./baseline.ts";
import { containsGold, mean, ndcgAt, percentile, rankOf, recallAt, reciprocalRank, tokenF1 } from "./metrics.ts";
import type { EvalQuestion, EvalSet } from "./sets.ts";

/** One retrieval pipeline of the comparison: the baseline, the full pipeline, or an ablation. */
export interface Pipeline {
  name: string;
  settings?: RetrievalSettings;
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

export interface AnswerRow {
  /** extractive, or llm:MODEL */
  answerer: string;
  /** Answerable questions only. */
  answerable: number;
  containsGold: number;
  tokenF1: number;
  /** Share of answerable questions answered with found: true. */
  foundRate: number;
  /** Unanswerable questions (fixtures only). */
  unanswerable: number;
  /** Share of unanswerable questions refused with found: false. */
  refusedRate: number;
  /** Of the answers given (found: true), the share to answerable questions. */
  foundPrecision: number;
  /** Share of answers whose every [n] has its citation and every quote is verbatim article text. */
  citationValidity: number;
  /** Mean LLM-judged groundedness of the answers given, when a model is configured. */
  groundedness?: number;
  p50ms: number;
  p95ms: number;
}

export interface EvalResult {
  set: string;
  split: string;
  /** Where the index was: the embedded one, or PostgreSQL with pgvector. */
  store: Store;
  createdAt: string;
  corpus: { articles: number; chunks: number; indexSeconds: number };
  retrieval: RetrievalRow[];
  answers: AnswerRow[];
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
}

/** How deep a pipeline's ranking is read: enough chunks to fill 10 distinct passages. */
const DEPTH = 40;
const ANSWER_PASSAGES = 8;

/**
 * Builds an index from the set's corpus with the product's own ingest code, in a temporary
 * directory, then asks every question of every pipeline and answers with the full one.
 */
export async function runEval(set: EvalSet, options: EvalOptions = {}): Promise<EvalResult> {
  const log = options.log ?? (() => {});
  const work = await mkdtemp(path.join(tmpdir(), "goftogu-eval-"));
  const closers: Array<() => Promise<void>> = [];
  try {
    let articlesDir: string;
    if ("jsonl" in set.corpus) {
      articlesDir = path.join(work, "articles");
      await mkdir(articlesDir);
      await copyFile(set.corpus.jsonl, path.join(articlesDir, "passages.jsonl"));
    } else {
      articlesDir = set.corpus.dir;
    }
    const store = options.store ?? "embedded";
    const { corpus, build, close } = await indexed(store, articlesDir, work, log, options.databaseUrl);
    closers.push(close);
    log(`indexed ${build.articles} passages as ${build.chunks} chunks in ${build.seconds} s (${store})`);

    const baseline = await naiveBm25(set.corpus);
    const retrievers = PIPELINES.map((p) => (p.settings ? new Retriever(corpus, p.settings) : undefined));
    const extractive = new ExtractiveAnswerer();
    const answerers: Answerer[] = [extractive];
    if (options.llm) answerers.push(new LlmAnswerer(options.llm, extractive));
    const judge = options.llm ? new GroundednessJudge(options.llm) : undefined;
    const full = retrievers[retrievers.length - 1]!;

    const ranks = PIPELINES.map(() => [] as Array<number | undefined>);
    const times = PIPELINES.map(() => [] as number[]);
    const tallies = answerers.map(() => new AnswerTally());

    for (const [qi, q] of set.questions.entries()) {
      for (const pi of PIPELINES.keys()) {
        const started = performance.now();
        let ranked: string[];
        const retriever = retrievers[pi];
        if (!retriever) {
          ranked = baseline.search(naiveTokens(q.question), 10).map((h) => h.id);
        } else {
          const passages = await retriever.search(q.question, { k: DEPTH });
          ranked = [...new Set(passages.map((p) => p.chunk.articleId))];
        }
        times[pi]!.push(performance.now() - started);
        if (q.goldId) ranks[pi]!.push(rankOf(ranked.slice(0, 10), q.goldId));
      }
      const searched = performance.now();
      const passages = await full.search(q.question, { k: ANSWER_PASSAGES });
      const searchMs = performance.now() - searched;
      for (const [ai, answerer] of answerers.entries()) {
        const started = performance.now();
        const answer = await answerer.answer(
          await withMaterials(corpus, { question: q.question, history: [], passages }, answerer.mode),
        );
        const ms = searchMs + performance.now() - started;
        const grounded =
          judge && answer.found
            ? await judge
                .score(
                  answer.answer,
                  answer.citations.map((c) => c.quote),
                )
                .catch(() => undefined)
            : undefined;
        tallies[ai]!.add(
          q,
          answer,
          ms,
          citationsValid(answer, await corpus.articles(answer.citations.map((c) => c.articleId))),
          grounded,
        );
      }
      if ((qi + 1) % 100 === 0) log(`${qi + 1}/${set.questions.length} questions`);
    }

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
      split: set.split,
      store,
      createdAt: new Date().toISOString(),
      corpus: { articles: build.articles, chunks: build.chunks, indexSeconds: build.seconds },
      retrieval,
      answers: answerers.map((a, i) => tallies[i]!.row(a.id)),
    };
  } finally {
    for (const close of closers.reverse()) await close();
    await rm(work, { recursive: true, force: true });
  }
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

class AnswerTally {
  private contains: number[] = [];
  private f1: number[] = [];
  private found: number[] = [];
  private refused: number[] = [];
  private falseAnswers = 0;
  private valid: number[] = [];
  private grounded: number[] = [];
  private ms: number[] = [];

  add(q: EvalQuestion, answer: Answer, ms: number, valid: boolean, grounded: number | undefined): void {
    this.ms.push(ms);
    if (answer.found) this.valid.push(valid ? 1 : 0);
    if (grounded !== undefined) this.grounded.push(grounded);
    if (q.goldId) {
      this.found.push(answer.found ? 1 : 0);
      this.contains.push(answer.found && containsGold(answer.answer, q.answers) ? 1 : 0);
      const short = answer.short ?? answer.citations[0]?.quote ?? "";
      this.f1.push(answer.found ? tokenF1(short, q.answers) : 0);
    } else {
      this.refused.push(answer.found ? 0 : 1);
      if (answer.found) this.falseAnswers++;
    }
  }

  row(answerer: string): AnswerRow {
    const given = this.found.reduce((a, b) => a + b, 0);
    return {
      answerer,
      answerable: this.found.length,
      containsGold: mean(this.contains),
      tokenF1: mean(this.f1),
      foundRate: mean(this.found),
      unanswerable: this.refused.length,
      refusedRate: mean(this.refused),
      foundPrecision: given + this.falseAnswers > 0 ? given / (given + this.falseAnswers) : 1,
      citationValidity: this.valid.length > 0 ? mean(this.valid) : 1,
      ...(this.grounded.length > 0 && { groundedness: mean(this.grounded) }),
      p50ms: percentile(this.ms, 50),
      p95ms: percentile(this.ms, 95),
    };
  }
}

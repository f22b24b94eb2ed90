import { copyFile, mkdir, mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import path from "node:path";
import { openIndex } from "../core/index-store.ts";
import { buildIndex } from "../ingest/build.ts";
import { ExtractiveAnswerer } from "../server/answer/extractive.ts";
import { DEFAULT_RETRIEVAL, Retriever, type RetrievalSettings } from "../server/retrieve.ts";
import { naiveBm25, naiveTokens } from "./baseline.ts";
import { containsGold, mean, ndcgAt, percentile, rankOf, recallAt, reciprocalRank, tokenF1 } from "./metrics.ts";
import type { EvalSet } from "./sets.ts";

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
  pipeline: string;
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
  p50ms: number;
  p95ms: number;
}

export interface EvalResult {
  set: string;
  split: string;
  createdAt: string;
  corpus: { articles: number; chunks: number; indexSeconds: number };
  retrieval: RetrievalRow[];
  answers: AnswerRow;
}

/** How deep a pipeline's ranking is read: enough chunks to fill 10 distinct passages. */
const DEPTH = 40;
const ANSWER_PASSAGES = 8;

/**
 * Builds an index from the set's corpus with the product's own ingest code, in a temporary
 * directory, then asks every question of every pipeline and answers with the full one.
 */
export async function runEval(set: EvalSet, log: (line: string) => void = () => {}): Promise<EvalResult> {
  const work = await mkdtemp(path.join(tmpdir(), "goftogu-eval-"));
  try {
    let articlesDir: string;
    if ("jsonl" in set.corpus) {
      articlesDir = path.join(work, "articles");
      await mkdir(articlesDir);
      await copyFile(set.corpus.jsonl, path.join(articlesDir, "passages.jsonl"));
    } else {
      articlesDir = set.corpus.dir;
    }
    const build = await buildIndex({ articlesDir, indexDir: path.join(work, "index"), embedder: { kind: "local" }, log });
    const index = await openIndex(path.join(work, "index"), { kind: "local" });
    log(`indexed ${build.articles} passages as ${build.chunks} chunks in ${build.seconds} s`);

    const baseline = await naiveBm25(set.corpus);
    const retrievers = PIPELINES.map((p) => (p.settings ? new Retriever(index, p.settings) : undefined));
    const answerer = new ExtractiveAnswerer(index.articles, index.lexical);
    const full = retrievers[retrievers.length - 1]!;

    const ranks = PIPELINES.map(() => [] as Array<number | undefined>);
    const times = PIPELINES.map(() => [] as number[]);
    const answerRows = { contains: [] as number[], f1: [] as number[], found: [] as number[], refused: [] as number[], ms: [] as number[] };

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
      const started = performance.now();
      const passages = await full.search(q.question, { k: ANSWER_PASSAGES });
      const answer = await answerer.answer({ question: q.question, history: [], passages });
      answerRows.ms.push(performance.now() - started);
      if (q.goldId) {
        answerRows.found.push(answer.found ? 1 : 0);
        answerRows.contains.push(answer.found && containsGold(answer.answer, q.answers) ? 1 : 0);
        const short = answer.short ?? answer.citations[0]?.quote ?? "";
        answerRows.f1.push(answer.found ? tokenF1(short, q.answers) : 0);
      } else {
        answerRows.refused.push(answer.found ? 0 : 1);
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
      createdAt: new Date().toISOString(),
      corpus: { articles: build.articles, chunks: build.chunks, indexSeconds: build.seconds },
      retrieval,
      answers: {
        pipeline: "full + extractive",
        answerable: answerRows.found.length,
        containsGold: mean(answerRows.contains),
        tokenF1: mean(answerRows.f1),
        foundRate: mean(answerRows.found),
        unanswerable: answerRows.refused.length,
        refusedRate: mean(answerRows.refused),
        p50ms: percentile(answerRows.ms, 50),
        p95ms: percentile(answerRows.ms, 95),
      },
    };
  } finally {
    await rm(work, { recursive: true, force: true });
  }
}

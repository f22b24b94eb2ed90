import type { Chunk } from "../../core/article.ts";
import type { Corpus } from "../../core/corpus/corpus.ts";
import { DEFAULT_RETRIEVAL, DEFAULT_WEIGHTS, Retriever } from "../../answer/retrieve.ts";
import { loadReranker, rulesReranker, type Reranker } from "../../answer/rerank.ts";
import type { BenchQuestion } from "../../test/support/corpus.ts";
import { exactTopK, type Neighbour, type VectorTable } from "./exact-search.ts";
import type { RetrievalProbeResult } from "./probe-results.ts";
import { percentiles } from "./probe.ts";

/**
 * What both retrieval probes (retrieval-probe.ts for the embedded index, pg-retrieval-probe.ts
 * for PostgreSQL) measure alike, over whichever corpus they opened: hybrid retrieval as the API
 * runs it, and the same again with exact vector search in its place.
 */
const K = 10;

/** The server's re-ranker: the learned one unless RERANKER=rules. */
export function benchReranker(): Reranker {
  return process.env.RERANKER === "rules" ? rulesReranker(DEFAULT_WEIGHTS.rerank) : loadReranker();
}

/**
 * Retriever.search (k = 10) for every question, after a warm-up pass (JIT, the re-scorer's
 * caches): latency, whether an answering article is ranked first or in the top 10, by kind of
 * question, and each question's top 10 chunk ids.
 */
export async function measureHybrid(
  corpus: Corpus,
  reranker: Reranker,
  questions: BenchQuestion[],
): Promise<{ hybrid: RetrievalProbeResult["hybrid"]; top: string[][] }> {
  const retriever = new Retriever(corpus, DEFAULT_RETRIEVAL, DEFAULT_WEIGHTS, reranker);
  for (const q of questions.slice(0, 50)) await retriever.search(q.question, { k: K });
  const ms: number[] = [];
  const byKind: Record<string, { questions: number; hit1: number; hit10: number }> = {};
  let hit1 = 0;
  let hit10 = 0;
  const top: string[][] = [];
  for (const q of questions) {
    const started = performance.now();
    const passages = await retriever.search(q.question, { k: K });
    ms.push(performance.now() - started);
    top.push(passages.map((p) => p.chunk.id));
    const { first, any } = answering(passages, q);
    const kind = (byKind[q.kind] ??= { questions: 0, hit1: 0, hit10: 0 });
    kind.questions++;
    if (first) (hit1++, kind.hit1++);
    if (any) (hit10++, kind.hit10++);
  }
  for (const kind of Object.values(byKind))
    Object.assign(kind, { hit1: kind.hit1 / kind.questions, hit10: kind.hit10 / kind.questions });
  const n = questions.length;
  return {
    hybrid: { questions: n, latency: percentiles(ms), hit1: hit1 / n, hit10: hit10 / n, byKind },
    top,
  };
}

/**
 * What the vector index's missed neighbours cost a reader: the same hybrid retrieval, with every
 * whole-corpus vector search answered by exact cosine over `table` (one brute-force sweep a
 * question); `top` is the hybrid run's top 10s, to count the questions whose top 10 is the same.
 */
export async function measureHybridExact(
  corpus: Corpus,
  reranker: Reranker,
  questions: BenchQuestion[],
  table: VectorTable,
  labelToChunk: Map<number, Chunk>,
  top: string[][],
): Promise<RetrievalProbeResult["hybridExact"]> {
  const retriever = new Retriever(
    withExactNearest(corpus, table, labelToChunk),
    DEFAULT_RETRIEVAL,
    DEFAULT_WEIGHTS,
    reranker,
  );
  let hit1 = 0;
  let hit10 = 0;
  let sameTop10 = 0;
  for (const [i, q] of questions.entries()) {
    const passages = await retriever.search(q.question, { k: K });
    const { first, any } = answering(passages, q);
    if (first) hit1++;
    if (any) hit10++;
    if (passages.map((p) => p.chunk.id).join("\n") === top[i]!.join("\n")) sameTop10++;
  }
  const n = questions.length;
  return { hit1: hit1 / n, hit10: hit10 / n, sameTop10: sameTop10 / n };
}

/**
 * Vector search alone, as the corpus runs it for retrieval: each question embedded once (timed),
 * then `corpus.nearest` (k = 10) on its vector (timed). `labelOf` names each chunk found as the
 * exact search's table does, for recall; `hit10` is how often an answering article is found.
 */
export async function measureDense(corpus: Corpus, questions: BenchQuestion[], labelOf: (id: string) => number) {
  const embedder = await corpus.embedder();
  const embedMs: number[] = [];
  const vectors: number[][] = [];
  for (const q of questions) {
    const started = performance.now();
    vectors.push(await embedder.embedQuery(q.question));
    embedMs.push(performance.now() - started);
  }
  const ms: number[] = [];
  const found: Neighbour[][] = [];
  let hits = 0;
  for (const [i, vector] of vectors.entries()) {
    const started = performance.now();
    const nearest = await corpus.nearest(vector, K);
    ms.push(performance.now() - started);
    found.push(nearest.map((f) => ({ label: labelOf(f.chunk.id), similarity: f.score })));
    const gold = new Set(questions[i]!.answerArticles);
    if (nearest.some((f) => gold.has(f.chunk.articleId))) hits++;
  }
  return {
    vectors,
    embedQuery: percentiles(embedMs),
    latency: percentiles(ms),
    found,
    hit10: hits / Math.max(1, vectors.length),
  };
}

/** Whether an answering article is ranked first, and whether it is among the passages at all. */
function answering(
  passages: ReadonlyArray<{ chunk: Chunk }>,
  question: BenchQuestion,
): { first: boolean; any: boolean } {
  const gold = new Set(question.answerArticles);
  return {
    first: passages[0] !== undefined && gold.has(passages[0].chunk.articleId),
    any: passages.some((p) => gold.has(p.chunk.articleId)),
  };
}

/**
 * The corpus, but with whole-corpus vector searches answered by exact cosine over `table`
 * (one article's chunks are compared exactly by the corpus already).
 */
function withExactNearest(inner: Corpus, table: VectorTable, labelToChunk: Map<number, Chunk>): Corpus {
  const nearest: Corpus["nearest"] = async (vector, k, articleId) => {
    if (articleId !== undefined) return inner.nearest(vector, k, articleId);
    const [found = []] = exactTopK(table, [Float32Array.from(vector)], k);
    return found.flatMap(({ label, similarity }) => {
      const chunk = labelToChunk.get(label);
      return chunk ? [{ chunk, score: similarity }] : [];
    });
  };
  return new Proxy(inner, {
    get(target, key) {
      if (key === "nearest") return nearest;
      const value: unknown = Reflect.get(target, key, target);
      return typeof value === "function" ? value.bind(target) : value;
    },
  });
}

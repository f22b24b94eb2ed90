import type { Chunk } from "../core/article.ts";
import { KLargest } from "../core/top-k.ts";
import type { Association } from "../core/corpus/associations.ts";
import type { AnalyzedText, Corpus, LexicalQuery, ScoredChunk, TermStats } from "../core/corpus/corpus.ts";
import { answeredBy, rewritePhrases, synonymsOf } from "../core/persian/synonyms.ts";
import { analyzeTokens, term, tokenize } from "../core/persian/tokens.ts";
import { matchTargetOfTokens, weighTerms, type MatchTarget } from "./match.ts";
import { analyzeQuestion, questionContent, type QuestionKind } from "./question.ts";
import {
  at,
  rerankQuestion,
  RERANK_FEATURES,
  rulesReranker,
  TEXT_FEATURES,
  textFeatures,
  type Reranker,
  type RerankFeature,
  type RerankQuestion,
} from "./rerank.ts";
import type { Passage } from "./types.ts";
import { StampedCache } from "./stamped-cache.ts";

/**
 * Which retrieval stages run. Each can be switched off (RETRIEVAL_STAGES, RETRIEVAL_FUSION) so
 * that `npm run eval` can show what it adds. The shape of `RetrievalConfig` in core/config.ts.
 */
export interface RetrievalSettings {
  /** Nearest neighbours of the question's embedding in the HNSW index. */
  dense: boolean;
  /** BM25F over analyzed title and body terms. */
  lexical: boolean;
  /** Re-scoring of the fused candidates: weighted term coverage, phrases, numbers, title. */
  rerank: boolean;
  /** How dense and lexical rankings are combined: reciprocal ranks, or normalised scores. */
  fusion: "rrf" | "weighted";
  /** Pseudo-relevance feedback: the lexical query is widened with terms of its best hits. */
  expand?: boolean;
  /**
   * The question's phrases and spoken forms read as written (`rewritePhrases`), and its words'
   * synonyms (`synonymsOf`) searched and matched at a lower weight. On unless false.
   */
  synonyms?: boolean;
  /**
   * The terms the archive uses together with the question's (core/corpus/associations.ts):
   * searched at a low weight, and a re-ranking feature. Off unless true.
   */
  associations?: boolean;
}

/**
 * Chosen on the dev splits: with the local embedder, whose dense ranking is weaker than BM25,
 * weighted fusion beats RRF (RRF gives the weaker list an equal vote); feedback widens R@10 on
 * ParsiNLU but costs R@1, so it is off by default.
 */
export const DEFAULT_RETRIEVAL: RetrievalSettings = {
  dense: true,
  lexical: true,
  rerank: true,
  fusion: "weighted",
  expand: false,
  synonyms: true,
};

export interface SearchOptions {
  k: number;
  /** The reader's current article: its chunks are boosted, others still compete. */
  articleId?: string;
}

/** Candidates taken from each ranking before fusion, as a multiple of k (and at least MIN_POOL). */
const OVERFETCH = 5;
const MIN_POOL = 50;
/** The numbers of fusion and re-scoring, chosen on the dev splits of `npm run eval`. */
export interface RetrievalWeights {
  /** Reciprocal-rank-fusion constant: larger flattens the head so neither list dominates. */
  rrfK: number;
  /** Share of the dense ranking in fusion (RRF) or of the dense similarity (weighted); the rest is lexical. */
  denseShare: number;
  /** Re-scoring: weight of the fused score and of each cheap feature. */
  rerank: { fused: number; coverage: number; phrase: number; numbers: number; title: number };
  /** The current article's best chunk gets this boost, each further one half the one before. */
  scopeBoost: number;
  /** Feedback: hits read, terms added, and their weight relative to the reader's own terms. */
  feedback: { docs: number; terms: number; weight: number; share: number };
  /**
   * Synonyms in the lexical query, relative to the reader's own terms: of a word no chunk has
   * (`unknown`), of a word the corpus has fewer than `rareShare` times as often as the synonym
   * (`rare`), of any other (`known`; 0 leaves them out), and the words a one-way rule says
   * answer a term («صادرات» → «صادر», `answered`), whatever the corpus has.
   */
  synonyms: { unknown: number; rare: number; rareShare: number; known: number; answered: number };
  /**
   * Associated terms in the lexical query: how many of each question term's, the least PMI
   * taken, and the weight of one at `fullPmi` or more relative to the reader's own terms.
   */
  associations: { perTerm: number; minPmi: number; fullPmi: number; weight: number };
}

export const DEFAULT_WEIGHTS: RetrievalWeights = {
  rrfK: 60,
  denseShare: 0.3,
  rerank: { fused: 1, coverage: 0.5, phrase: 0.15, numbers: 0.1, title: 0.1 },
  scopeBoost: 0.1,
  feedback: { docs: 3, terms: 10, weight: 0.3, share: 0.5 },
  synonyms: { unknown: 0.6, rare: 0.3, rareShare: 0.1, known: 0, answered: 1 },
  associations: { perTerm: 3, minPmi: 2, fullPmi: 4, weight: 0.2 },
};

interface Candidate {
  chunk: Chunk;
  dense?: number;
  lexical?: number;
  /** BM25 of the feedback-expanded query. */
  expanded?: number;
  denseRank?: number;
  lexicalRank?: number;
  score: number;
  /** The re-ranker's features (RERANK_FEATURES order): the cheap ones set at fusion, the text ones when read. */
  features: Float64Array;
}

/** Questions that ask for a number: an amount, a date, an ordinal. */
const NUMBER_KINDS: ReadonlySet<QuestionKind> = new Set<QuestionKind>(["quantity", "time"]);
const ALL_TEXT_FEATURES: ReadonlySet<RerankFeature> = new Set(TEXT_FEATURES);

/**
 * Finds the chunks that answer a question: dense nearest neighbours and BM25F hits, fused, then
 * re-ranked on their features (answer/rerank.ts), with the reader's current article preferred.
 * The Assistant gives it the configured re-ranker (RERANKER, learned by default); without one it
 * uses the hand-tuned weights.
 */
export class Retriever {
  /** Analyzed chunk text, computed on first use and shared by every retriever of the corpus. */
  private readonly targets: StampedCache<MatchTarget>;

  constructor(
    private readonly corpus: Corpus,
    private readonly settings: RetrievalSettings = DEFAULT_RETRIEVAL,
    private readonly weights: RetrievalWeights = DEFAULT_WEIGHTS,
    /** The hand-tuned re-ranker of `weights.rerank` unless given (RERANKER). */
    private readonly reranker: Reranker = rulesReranker(weights.rerank),
  ) {
    let targets = TARGETS.get(corpus);
    if (!targets) TARGETS.set(corpus, (targets = new StampedCache<MatchTarget>(TARGET_CACHE_SIZE)));
    this.targets = targets;
  }

  /** Which re-ranker orders the candidates: `learned` or `rules`. */
  get rerankerKind(): Reranker["kind"] {
    return this.reranker.kind;
  }

  async search(query: string, options: SearchOptions): Promise<Passage[]> {
    const gathered = await this.gather(query, options);
    if (!gathered) return [];
    const { ranked, question, total } = gathered;
    const top = this.settings.rerank && question ? this.rescore(ranked, question, options, total) : ranked;
    if (options.articleId) boostArticle(top, options.articleId, this.weights.scopeBoost);
    return top.slice(0, options.k).map((c) => ({ chunk: c.chunk, score: round(c.score) }));
  }

  /**
   * The fused candidates of a search, the first `depth` of them with every re-ranking feature
   * (RERANK_FEATURES order), best fused first: what `npm run train` learns the re-ranker from.
   */
  async features(query: string, depth: number): Promise<Array<{ chunk: Chunk; features: Float64Array }>> {
    const gathered = await this.gather(query, { k: depth });
    if (!gathered) return [];
    const { ranked, question, total } = gathered;
    return ranked.slice(0, depth).map((c) => {
      if (question) this.read(c, question, total, ALL_TEXT_FEATURES);
      return { chunk: c.chunk, features: c.features };
    });
  }

  /** The candidates of both rankings, fused, with the question read for re-ranking (none when it has no content terms). */
  private async gather(
    query: string,
    options: SearchOptions,
  ): Promise<{ ranked: Candidate[]; question: RerankQuestion | undefined; total: number } | undefined> {
    const synonyms = this.settings.synonyms !== false;
    const content = synonyms ? rewritePhrases(questionContent(query)) : questionContent(query);
    const tokens = analyzeTokens(content);
    // A compound the reader split («ال جی») that the corpus writes as one word («ال‌جی») is
    // searched as that word too; the compounds' and the question's rarity come in one look-up.
    const joined = tokens.flatMap((t) =>
      t.next === undefined || /^[0-9]/.test(t.term) ? [] : [term(t.token + t.next)],
    );
    const own = [...tokens.map((t) => t.term), ...joined];
    const alternatives = synonyms ? own.map((t) => synonymsOf(t)) : [];
    const associated =
      this.settings.associations && this.corpus.associations
        ? this.corpus.associations(own.filter((t) => !/^[0-9]/.test(t)))
        : undefined;
    const [{ chunks: total }, stats] = await Promise.all([
      this.corpus.stats(),
      this.corpus.termStats([...own, ...alternatives.flat()]),
    ]);
    if (total === 0) return undefined;
    const pool = Math.min(total, Math.max(options.k * OVERFETCH, MIN_POOL));
    const candidates = new Map<string, Candidate>();
    const { dense, lexical } = this.settings;
    const terms: LexicalQuery = [...tokens.map((t) => t.term), ...joined.filter((j) => stats.df(j) > 0)];
    if (synonyms) terms.push(...this.synonymTerms(own, alternatives, stats));
    if (associated) terms.push(...associationTerms(own, associated, this.weights.associations));
    await Promise.all([
      dense || !lexical ? this.denseCandidates(query, pool, options.articleId, candidates) : undefined,
      lexical ? this.lexicalCandidates(terms, pool, options.articleId, candidates) : undefined,
    ]);
    const weighted = weighTerms(content, stats, { synonyms });
    const kind = analyzeQuestion(query).kind;
    const question =
      weighted.length > 0 ? rerankQuestion(weighted, tokens, NUMBER_KINDS.has(kind), associated) : undefined;
    return { ranked: this.fuse([...candidates.values()]), question, total };
  }

  private async denseCandidates(
    query: string,
    pool: number,
    articleId: string | undefined,
    into: Map<string, Candidate>,
  ): Promise<void> {
    const vector = await (await this.corpus.embedder()).embedQuery(query);
    const lists = await Promise.all([
      this.corpus.nearest(vector, pool),
      ...(articleId ? [this.corpus.nearest(vector, pool, articleId)] : []),
    ]);
    lists.forEach((list, i) =>
      list.forEach(({ chunk, score }, rank) => {
        const c = getOrAdd(into, chunk);
        c.dense = Math.max(c.dense ?? -1, score);
        if (i === 0) c.denseRank = rank + 1;
      }),
    );
  }

  private async lexicalCandidates(
    terms: LexicalQuery,
    pool: number,
    articleId: string | undefined,
    into: Map<string, Candidate>,
  ): Promise<void> {
    // When BM25 runs on this thread and the corpus searches vectors on another, let the dense
    // side embed the question and send its search off first: the two then run at once.
    // (Otherwise the wait would only add a turn of the event loop to every search.)
    if (this.settings.dense && this.corpus.searchesVectorsAside && !this.corpus.searchesTermsAside)
      await new Promise(setImmediate);
    const lists = await Promise.all([
      this.corpus.lexical(terms, pool),
      ...(articleId ? [this.corpus.lexical(terms, pool, articleId)] : []),
    ]);
    lists.forEach((list, i) =>
      list.forEach(({ chunk, score }, rank) => {
        const c = getOrAdd(into, chunk);
        c.lexical = Math.max(c.lexical ?? 0, score);
        if (i === 0) c.lexicalRank = rank + 1;
      }),
    );
    if (this.settings.expand) {
      // The expanded query brings in candidates and a separate score; the reader's own terms
      // keep deciding the lexical score, so feedback widens recall without drifting the top.
      const query = [
        ...terms,
        ...(await this.feedbackTerms(
          lists[0]!.slice(0, this.weights.feedback.docs),
          new Set(terms.map((t) => (typeof t === "string" ? t : t.term))),
        )),
      ];
      for (const { chunk, score } of await this.corpus.lexical(query, pool)) getOrAdd(into, chunk).expanded = score;
    }
  }

  /**
   * The synonyms of the question's terms (`alternatives[i]` of `own[i]`) that the lexical query
   * adds, each at a weight below the reader's own words: higher the less the corpus uses the
   * reader's word. A synonym no chunk has, or one that is the reader's own word, is left out.
   */
  private synonymTerms(
    own: string[],
    alternatives: ReadonlyArray<readonly string[]>,
    stats: TermStats,
  ): Array<{ term: string; weight: number }> {
    const w = this.weights.synonyms;
    const asked = new Set(own);
    const added = new Map<string, number>();
    own.forEach((t, i) => {
      const df = stats.df(t);
      for (const s of alternatives[i]!) {
        const sdf = stats.df(s);
        if (sdf === 0 || asked.has(s)) continue;
        const weight = Math.max(
          df === 0 ? w.unknown : df < sdf * w.rareShare ? w.rare : w.known,
          answeredBy(t).includes(s) ? w.answered : 0,
        );
        if (weight > (added.get(s) ?? 0)) added.set(s, weight);
      }
    });
    return [...added].map(([term, weight]) => ({ term, weight }));
  }

  /**
   * RM3-style feedback: the terms that weigh most in the first hits (frequency × rarity, each
   * hit weighted by its score), added to the query with a lower weight. It reaches passages
   * that say the same thing in words the reader did not use.
   */
  private async feedbackTerms(
    hits: ScoredChunk[],
    known: Set<string>,
  ): Promise<Array<{ term: string; weight: number }>> {
    const top = hits[0]?.score ?? 0;
    if (top === 0) return [];
    // Three hits: made afresh from stored tokens, cached otherwise (see `analyzed`).
    const termLists = hits.map((hit) => this.analyzed(hit.chunk, Infinity).whole.termList);
    const stats = await this.corpus.termStats(termLists.flat());
    const mass = new Map<string, number>();
    hits.forEach((hit, i) => {
      const terms = termLists[i]!;
      for (const t of terms) {
        if (known.has(t) || /^[0-9]/.test(t)) continue;
        mass.set(t, (mass.get(t) ?? 0) + ((hit.score / top) * stats.idf(t)) / terms.length);
      }
    });
    const best = [...mass].sort((a, b) => b[1] - a[1]).slice(0, this.weights.feedback.terms);
    const max = best[0]?.[1] ?? 1;
    return best.map(([term, m]) => ({ term, weight: this.weights.feedback.weight * (m / max) }));
  }

  /** One score per candidate from the dense and lexical evidence, scaled so the best is 1. */
  private fuse(candidates: Candidate[]): Candidate[] {
    const maxLexical = Math.max(0, ...candidates.map((c) => c.lexical ?? 0));
    const maxExpanded = Math.max(0, ...candidates.map((c) => c.expanded ?? 0));
    const fb = this.settings.expand ? this.weights.feedback.share : 0;
    const { dense, lexical } = this.settings;
    const share = dense && lexical ? this.weights.denseShare : dense ? 1 : 0;
    for (const c of candidates) {
      if (this.settings.fusion === "rrf") {
        // A candidate found only by the scoped (article) search ranks just after the pool.
        const rank = (r: number | undefined, has: boolean) =>
          has ? 1 / (this.weights.rrfK + (r ?? MIN_POOL * OVERFETCH)) : 0;
        c.score =
          share * rank(c.denseRank, c.dense !== undefined) + (1 - share) * rank(c.lexicalRank, c.lexical !== undefined);
        if (fb > 0 && maxExpanded > 0)
          c.score += ((1 - share) * fb * ((c.expanded ?? 0) / maxExpanded)) / (this.weights.rrfK + 1);
      } else {
        const lex = maxLexical > 0 ? (c.lexical ?? 0) / maxLexical : 0;
        const expanded = maxExpanded > 0 ? (c.expanded ?? 0) / maxExpanded : 0;
        c.score = share * (c.dense ?? 0) + ((1 - share) * (lex + fb * expanded)) / (1 + fb);
      }
    }
    const top = Math.max(...candidates.map((c) => c.score), 0);
    const maxDense = Math.max(0, ...candidates.map((c) => c.dense ?? 0));
    for (const c of candidates) {
      c.score = top > 0 ? c.score / top : 0;
      const f = c.features;
      f[at.fused] = c.score;
      f[at.dense] = maxDense > 0 ? Math.max(0, c.dense ?? 0) / maxDense : 0;
      f[at.lexical] = maxLexical > 0 ? (c.lexical ?? 0) / maxLexical : 0;
      f[at.denseRank] = c.denseRank ? 1 / c.denseRank : 0;
      f[at.lexicalRank] = c.lexicalRank ? 1 / c.lexicalRank : 0;
    }
    return candidates.sort((a, b) => b.score - a.score || a.chunk.id.localeCompare(b.chunk.id));
  }

  /**
   * Re-ranking on top of fusion: the re-ranker's score of each candidate's features, the cheap
   * ones (fusion, the two rankings) and those read from its text (how much of the question it
   * covers, terms weighted by rarity; its phrases; its numbers; its title; the densest window of
   * the question's words). Returns the candidates that can still be among the best `k`,
   * re-scored and best first.
   *
   * **NOTE:** each text feature adds at most its weight, so a candidate whose cheap score plus
   * every weight falls below the k-th re-scored candidate cannot reach the top k and is not
   * analyzed (on an archive, analyzing a hundred candidates was most of a search). The reader's
   * article's chunks are always re-scored: the article boost that follows ranks them among
   * themselves.
   */
  private rescore(
    ranked: Candidate[],
    question: RerankQuestion,
    options: SearchOptions,
    archiveChunks: number,
  ): Candidate[] {
    const model = this.reranker;
    const best = new KLargest(options.k);
    const kept: Candidate[] = [];
    const unread: Candidate[] = [];
    const depth = Math.max(model.depth, options.k);
    // A learned model's cheap score need not fall along the fused order: the bound is checked
    // against each candidate, the order only makes it tighten early.
    ranked.forEach((c, i) => {
      const ofArticle = options.articleId !== undefined && c.chunk.articleId === options.articleId;
      if (!ofArticle && i >= depth) return unread.push(c);
      if (!ofArticle && best.full && model.cheap(c.features) + model.gain < best.min) return;
      this.read(c, question, archiveChunks, model.needed);
      c.score = model.score(c.features);
      best.push(c.score);
      kept.push(c);
    });
    kept.sort((a, b) => b.score - a.score || a.chunk.id.localeCompare(b.chunk.id));
    const top = kept[0]?.score ?? 0;
    for (const c of kept) c.score = model.outputOf(c.score, top);
    // Beyond the learned model's depth, candidates keep their fused order, below every one read.
    for (const c of unread) c.score = 0;
    return [...kept, ...unread];
  }

  /** A candidate's text features, read from its analyzed text into its feature vector. */
  private read(
    c: Candidate,
    question: RerankQuestion,
    archiveChunks: number,
    needed: ReadonlySet<RerankFeature>,
  ): void {
    const { whole, title } = this.analyzed(c.chunk, archiveChunks);
    textFeatures(question, whole, title, c.chunk.position, needed, c.features);
  }

  /**
   * A candidate analyzed for re-scoring: its article's title with its body (`whole`), and the
   * title alone. Read as the corpus stored their tokens at ingest, or tokenised now when it did
   * not (a chunk published since).
   */
  private analyzed(chunk: Chunk, archiveChunks: number): { whole: ChunkTarget; title: ChunkTarget } {
    // **NOTE:** from a corpus that stores chunks' tokens (the embedded index) and holds more
    // chunks than the cache, targets are made each time. A cache that keeps turning over, as an
    // archive's questions reach ever other chunks, kept each new target alive long enough to be
    // copied out of V8's young generation: every scavenge took 6–12 ms and one fell in every
    // tenth search (p95 14.1 → 11.1 ms at 100k articles without it). When every chunk fits, the
    // cache stops turning over and saves the ~40 µs a target costs (a 1k-article site's searches
    // took twice as long without it).
    const stored = archiveChunks > TARGET_CACHE_SIZE ? this.stored(chunk) : undefined;
    if (stored)
      return {
        whole: matchTargetOfTokens(stored.whole.tokens, stored.whole.terms),
        title: matchTargetOfTokens(stored.title.tokens, stored.title.terms),
      };
    const title = this.titleTarget(chunk);
    // A corpus that stores tokens hands out one object per chunk for as long as it is indexed:
    // the cache checks that object, not the chunk's decoded text.
    const whole = this.targets.get(
      `chunk:${chunk.id}`,
      this.corpus.chunkTokens ? chunk : `${chunk.title}\n${chunk.text}`,
      () => {
        const s = this.corpus.chunkTokens?.(chunk, "whole");
        return s
          ? matchTargetOfTokens(s.tokens, s.terms)
          : matchTargetOfTokens([...title.tokens, ...tokenize(chunk.text)]);
      },
    );
    return { whole, title };
  }

  /** A title analyzed, cached per article. */
  private titleTarget(chunk: Chunk): ChunkTarget & { tokens: readonly string[] } {
    return this.targets.get(`title:${chunk.articleId}`, chunk.title, () => {
      const tokens = this.corpus.chunkTokens?.(chunk, "title")?.tokens ?? tokenize(chunk.title);
      return { ...matchTargetOfTokens(tokens), tokens };
    });
  }

  /** A chunk's title with its body, and its title, as the corpus stored them at ingest, if it did. */
  private stored(chunk: Chunk): { whole: AnalyzedText; title: AnalyzedText } | undefined {
    const whole = this.corpus.chunkTokens?.(chunk, "whole");
    const title = whole && this.corpus.chunkTokens!(chunk, "title");
    return title && { whole: whole!, title };
  }
}

type ChunkTarget = MatchTarget & { termList: readonly string[] };

/**
 * Enough for the chunks a busy site's questions keep reaching (each analyzed chunk holds a few
 * KB), bounded so that a large archive does not end up analyzed in memory.
 */
const TARGET_CACHE_SIZE = 20_000;

const TARGETS = new WeakMap<Corpus, StampedCache<MatchTarget>>();

/**
 * The terms the archive uses together with the question's own, for the lexical query: a few of
 * each, weighted by how far above chance they go together, none the question already has.
 */
function associationTerms(
  own: readonly string[],
  associated: Map<string, readonly Association[]>,
  w: RetrievalWeights["associations"],
): Array<{ term: string; weight: number }> {
  const asked = new Set(own);
  const added = new Map<string, number>();
  for (const t of own) {
    for (const [term, pmi] of (associated.get(t) ?? []).slice(0, w.perTerm)) {
      if (asked.has(term) || pmi < w.minPmi) continue;
      const weight = w.weight * Math.min(1, pmi / w.fullPmi);
      if (weight > (added.get(term) ?? 0)) added.set(term, weight);
    }
  }
  return [...added].map(([term, weight]) => ({ term, weight }));
}

function getOrAdd(into: Map<string, Candidate>, chunk: Chunk): Candidate {
  let c = into.get(chunk.id);
  if (!c) {
    c = { chunk, score: 0, features: new Float64Array(RERANK_FEATURES.length) };
    into.set(chunk.id, c);
  }
  return c;
}

/**
 * The reader's article is preferred, not exclusive: its best chunk gets the full boost and each
 * further one half the one before, so a long article cannot push every related article off.
 */
function boostArticle(ranked: Candidate[], articleId: string, firstBoost: number): void {
  let boost = firstBoost;
  for (const c of ranked) {
    if (c.chunk.articleId !== articleId) continue;
    c.score += boost;
    boost /= 2;
  }
  ranked.sort((a, b) => b.score - a.score || a.chunk.id.localeCompare(b.chunk.id));
}

function round(x: number): number {
  return Math.round(x * 10000) / 10000;
}

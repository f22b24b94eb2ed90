import type { Chunk } from "../core/article.ts";
import { chunkFromDocument, type LoadedIndex } from "../core/index-store.ts";
import { coverage, matchTarget, weighTerms, type MatchTarget } from "./answer/match.ts";
import { questionContent } from "./answer/question.ts";
import type { Passage } from "./answer/types.ts";

export interface SearchOptions {
  k: number;
  /** The reader's current article: its chunks are boosted, others still compete. */
  articleId?: string;
}

/** Weights of the fused score; see `search`. */
const DENSE_WEIGHT = 0.55;
const LEXICAL_WEIGHT = 0.45;
const SCOPE_BOOST = 0.1;
/** Candidates fetched from HNSW before re-scoring, as a multiple of k. */
const OVERFETCH = 4;
const MIN_FETCH = 40;

/**
 * Finds the chunks that answer a query: nearest neighbours in the HNSW index, re-scored with
 * weighted term coverage (exact Persian terms matter: a figure, a place name), with the reader's
 * current article boosted.
 */
export class Retriever {
  /** Analysed chunk text, computed on first use. */
  private readonly targets = new Map<string, MatchTarget>();

  constructor(private readonly index: LoadedIndex) {}

  async search(query: string, options: SearchOptions): Promise<Passage[]> {
    const { store, manifest, chunkCounts, terms } = this.index;
    const total = manifest.counts.chunks;
    if (total === 0) return [];
    const vector = await this.index.embedder.embedQuery(query);
    const fetchK = Math.min(total, Math.max(options.k * OVERFETCH, MIN_FETCH));
    // hnswlib's default ef (10) is below fetchK; a larger ef keeps recall up.
    store.index.setEf(Math.max(fetchK, 64));
    const hits = await store.similaritySearchVectorWithScore(vector, fetchK);
    const scopeCount = options.articleId ? (chunkCounts.get(options.articleId) ?? 0) : 0;
    if (options.articleId && scopeCount > 0) {
      // **NOTE:** a filtered HNSW search loses recall; asking for all of the article's chunks
      // (articles have tens, not thousands) makes sure each can be found.
      const id = options.articleId;
      hits.push(...(await store.similaritySearchVectorWithScore(vector, Math.min(scopeCount, total), (doc) => doc.metadata.articleId === id)));
    }

    const weighted = weighTerms(questionContent(query), terms);
    const byId = new Map<string, Passage>();
    for (const [doc, distance] of hits) {
      const chunk = chunkFromDocument(doc);
      if (byId.has(chunk.id)) continue;
      // HNSWLib returns cosine distance (lower is better); turn it into similarity.
      const dense = 1 - distance;
      const lexical = weighted.length > 0 ? coverage(weighted, this.target(chunk)) : 0;
      byId.set(chunk.id, { chunk, score: DENSE_WEIGHT * dense + LEXICAL_WEIGHT * lexical });
    }
    const ranked = [...byId.values()].sort((a, b) => b.score - a.score);
    if (options.articleId) {
      // The reader's article is preferred, not exclusive: its best chunk gets the full boost and
      // each further one half the one before, so a long article cannot push every related
      // article off the list.
      let boost = SCOPE_BOOST;
      for (const p of ranked) {
        if (p.chunk.articleId !== options.articleId) continue;
        p.score += boost;
        boost /= 2;
      }
      ranked.sort((a, b) => b.score - a.score);
    }
    return ranked.slice(0, options.k).map((p) => ({ ...p, score: round(p.score) }));
  }

  private target(chunk: Chunk): MatchTarget {
    let t = this.targets.get(chunk.id);
    if (!t) {
      t = matchTarget(`${chunk.title}\n${chunk.text}`);
      this.targets.set(chunk.id, t);
    }
    return t;
  }
}

function round(x: number): number {
  return Math.round(x * 10000) / 10000;
}

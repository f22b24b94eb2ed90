import type { Article, Chunk } from "../core/article.ts";
import { LocalEmbeddings, type FeatureCountsSummary } from "../core/embeddings/local.ts";
import type { LexicalDoc } from "../core/lexical.ts";
import { analyzeTokens, type AnalyzedToken } from "../core/persian/tokens.ts";
import { chunkArticle, DEFAULT_CHUNKING } from "./chunk.ts";

export interface AnalysedArticles {
  chunks: Chunk[];
  /** Per chunk, in order: its terms for the lexical index. */
  lexical: LexicalDoc[];
  /** The local embedder's feature counts over the chunks, when it is the embedder. */
  counts?: FeatureCountsSummary;
}

/**
 * Chunks articles and analyses each chunk once for both indexes: the local embedder reads the
 * tokens of the title and the text together (`embeddingText`), and the lexical index reads the
 * same tokens split into title and body. A title is analysed once per article, not per chunk.
 * Analysis is most of ingest's time, so doing it once instead of three times matters at an
 * archive's scale.
 */
export function analyseArticles(articles: Article[], countFeatures: boolean): AnalysedArticles {
  const chunks: Chunk[] = [];
  const lexical: LexicalDoc[] = [];
  const joined: AnalyzedToken[][] = [];
  for (const article of articles) {
    const titleTokens = analyzeTokens(article.title);
    const title = titleTokens.map((t) => t.term);
    for (const chunk of chunkArticle(article, DEFAULT_CHUNKING)) {
      chunks.push(chunk);
      const tokens = analyzeTokens(embeddingText(chunk));
      lexical.push({ id: chunk.id, title, body: bodyTerms(tokens, titleTokens, chunk.text) });
      if (countFeatures) joined.push(tokens);
    }
  }
  return { chunks, lexical, ...(countFeatures && { counts: LocalEmbeddings.count(joined) }) };
}

/** The title goes with every chunk: a question names the story as often as the detail. */
export function embeddingText(chunk: Chunk | (Pick<Chunk, "text"> & Pick<Article, "title">)): string {
  return `${chunk.title}\n${chunk.text}`;
}

/** The lexical document of a chunk: analysed title and body terms. */
export function lexicalDoc(chunk: Chunk): LexicalDoc {
  return { id: chunk.id, title: analyzeTokens(chunk.title).map((t) => t.term), body: analyzeTokens(chunk.text).map((t) => t.term) };
}

/**
 * The body's terms from the tokens of title and body together: what follows the title's tokens.
 * Where the two ran into each other at the line break (a title ending in «می», a body starting
 * with «ها»), the body is analysed on its own, so the result always equals `lexicalDoc`'s.
 */
function bodyTerms(joined: AnalyzedToken[], title: AnalyzedToken[], text: string): string[] {
  const intact = joined.length >= title.length && title.every((t, i) => joined[i]!.token === t.token);
  return (intact ? joined.slice(title.length) : analyzeTokens(text)).map((t) => t.term);
}

import type { Article, Chunk } from "../core/article.ts";
import { LocalEmbeddings, type FeatureCountsSummary } from "../core/embeddings/local.ts";
import type { LexicalDoc } from "../core/lexical.ts";
import { TokenTableBuilder, type TokenTable } from "../core/chunk-tokens.ts";
import { analyzeTokenList, analyzeTokens, tokenize, type AnalyzedToken } from "../core/persian/tokens.ts";
import { chunkArticle, DEFAULT_CHUNKING } from "./chunk.ts";

export interface AnalysedArticles {
  chunks: Chunk[];
  /** Per chunk, in order: its terms for the lexical index. */
  lexical: LexicalDoc[];
  /** Per chunk, in order: its body's tokens, stored for re-scoring (core/chunk-tokens.ts). */
  tokens: TokenTable;
  /** The local embedder's feature counts over the chunks, when it is the embedder. */
  counts?: FeatureCountsSummary;
}

/**
 * Chunks articles and analyses them for both indexes: the lexical index reads each chunk's body
 * and its article's title (analysed once per article, not per chunk), and the local embedder's
 * feature counts read the title and text together (`embeddingText`), as the embedder will.
 *
 * **NOTE:** the body is analysed on its own, not cut from the tokens of title and text
 * together: a body that starts with «ها» joins the title's last word there, and the lexical
 * document must equal `lexicalDoc`'s, which live publishing uses.
 */
export function analyseArticles(articles: Article[], countFeatures: boolean): AnalysedArticles {
  const chunks: Chunk[] = [];
  const lexical: LexicalDoc[] = [];
  const joined: AnalyzedToken[][] = [];
  const tokens = new TokenTableBuilder();
  for (const article of articles) {
    const titleTokens = analyzeTokens(article.title);
    const title = titleTokens.map((t) => t.term);
    for (const chunk of chunkArticle(article, DEFAULT_CHUNKING)) {
      chunks.push(chunk);
      const body = tokenize(chunk.text);
      tokens.add(body);
      lexical.push({ id: chunk.id, title, body: analyzeTokenList(body).map((t) => t.term) });
      if (countFeatures) joined.push(analyzeTokens(embeddingText(chunk)));
    }
  }
  return { chunks, lexical, tokens: tokens.table(), ...(countFeatures && { counts: LocalEmbeddings.count(joined) }) };
}

/** The title goes with every chunk: a question names the story as often as the detail. */
export function embeddingText(chunk: Chunk | (Pick<Chunk, "text"> & Pick<Article, "title">)): string {
  return `${chunk.title}\n${chunk.text}`;
}

/** The lexical document of a chunk: analysed title and body terms. */
export function lexicalDoc(chunk: Chunk): LexicalDoc {
  return { id: chunk.id, title: analyzeTokens(chunk.title).map((t) => t.term), body: analyzeTokens(chunk.text).map((t) => t.term) };
}

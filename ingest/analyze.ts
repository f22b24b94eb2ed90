import type { Article, Chunk } from "../core/article.ts";
import { DocumentFrequencies, LocalEmbeddings, type FeatureCountsSummary } from "../core/embeddings/local.ts";
import type { Embedder } from "../core/embeddings/index.ts";
import type { LexicalDoc } from "../core/corpus/bm25.ts";
import { TokenTableBuilder, type TokenTable } from "../core/corpus/embedded/token-table.ts";
import { analyzeTokenList, analyzeTokens, tokenize, type AnalyzedToken } from "../core/persian/tokens.ts";
import { chunkArticle, DEFAULT_CHUNKING } from "./chunk.ts";

export interface AnalyzedArticles {
  chunks: Chunk[];
  /** Per chunk, in order: its terms for the lexical index. */
  lexical: LexicalDoc[];
  /** Per chunk, in order: its title's and its body's tokens, stored for re-scoring (core/corpus/embedded/token-table.ts). */
  tokens: TokenTable;
  /** The local embedder's feature counts over the chunks, when it is the embedder. */
  counts?: FeatureCountsSummary;
}

/**
 * Chunks articles and analyses them for both indexes, each text tokenised once: the lexical
 * index reads each chunk's body and its article's title (analyzed once per article, not per
 * chunk), and the local embedder's feature counts read the two together (`embeddingTokens`),
 * as the embedder will.
 *
 * **NOTE:** the body is analyzed on its own, not cut from the tokens of title and text
 * together: a body that starts with «ها» joins the title's last word there, and the lexical
 * document must equal `lexicalDoc`'s, a chunk analyzed by itself.
 */
export function analyzeArticles(articles: Article[], countFeatures: boolean): AnalyzedArticles {
  const chunks: Chunk[] = [];
  const lexical: LexicalDoc[] = [];
  const counter = countFeatures ? new DocumentFrequencies() : undefined;
  const tokens = new TokenTableBuilder();
  for (const article of articles) {
    const titleTokens = tokenize(article.title);
    const title = analyzeTokenList(titleTokens).map((t) => t.term);
    for (const chunk of chunkArticle(article, DEFAULT_CHUNKING)) {
      chunks.push(chunk);
      const body = tokenize(chunk.text);
      tokens.add(titleTokens, body);
      lexical.push({ id: chunk.id, title, body: analyzeTokenList(body).map((t) => t.term) });
      counter?.add(embeddingTokens(titleTokens, body));
    }
  }
  return { chunks, lexical, tokens: tokens.table(), ...(counter && { counts: counter.summary() }) };
}

/**
 * What the local embedder reads of a chunk: its title's tokens, then its body's, each tokenised
 * on its own as the lexical document is (a body that starts with «ها» must not join the title's
 * last word). Ingest and live publishing both embed from these (`embedChunks`).
 */
export function embeddingTokens(titleTokens: readonly string[], bodyTokens: readonly string[]): AnalyzedToken[] {
  return analyzeTokenList([...titleTokens, ...bodyTokens]);
}

/**
 * The local embedder's vectors of chunks tokenised at ingest: row `first + i` of `tokens` is
 * chunk i's title and body, so nothing is tokenised again. The same vectors `embedChunks` gives.
 */
export function embedTokenised(embedder: LocalEmbeddings, chunks: Chunk[], tokens: TokenTable, first = 0): number[][] {
  return chunks.map((_, i) =>
    embedder.embedTokens(embeddingTokens(tokens.tokens(first + i, "title")!, tokens.tokens(first + i)!)),
  );
}

/**
 * Chunks' vectors, as ingest and live publishing make them: the local embedder from
 * `embeddingTokens`, any other from `embeddingText` through LangChain's `embedDocuments`.
 */
export async function embedChunks(embedder: Embedder, chunks: Chunk[]): Promise<number[][]> {
  if (embedder instanceof LocalEmbeddings)
    return chunks.map((c) => embedder.embedTokens(embeddingTokens(tokenize(c.title), tokenize(c.text))));
  return embedder.embedDocuments(chunks.map(embeddingText));
}

/** The title goes with every chunk: a question names the story as often as the detail. */
export function embeddingText(chunk: Chunk | (Pick<Chunk, "text"> & Pick<Article, "title">)): string {
  return `${chunk.title}\n${chunk.text}`;
}

/** The lexical document of a chunk: analyzed title and body terms. */
export function lexicalDoc(chunk: Chunk): LexicalDoc {
  return {
    id: chunk.id,
    title: analyzeTokens(chunk.title).map((t) => t.term),
    body: analyzeTokens(chunk.text).map((t) => t.term),
  };
}

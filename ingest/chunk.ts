import { chunkId, type Article, type Chunk } from "../core/article.ts";
import { splitSentences, type Span } from "../core/persian/sentences.ts";

export interface ChunkingOptions {
  /** Aim for chunks of about this many characters (sentences are never cut). */
  targetChars: number;
  /** Carry about this many characters of trailing sentences into the next chunk. */
  overlapChars: number;
}

/**
 * Persian news sentences run long (the seeds average ~200 characters, one is 400); ~700
 * characters keeps two to four sentences together, enough context for a question about a
 * figure and the sentence that names who said it. The overlap is sized to carry one typical
 * sentence over, so a fact told across a chunk boundary is whole in one of the two.
 */
export const DEFAULT_CHUNKING = { targetChars: 700, overlapChars: 250 } satisfies ChunkingOptions;

/**
 * Cuts an article into sentence-aligned chunks with overlap. Every chunk's `text` is exactly
 * `article.text.slice(start, end)`, so a citation can quote and locate it.
 */
export function chunkArticle(
  article: Pick<Article, "id" | "title" | "text">,
  options: ChunkingOptions = DEFAULT_CHUNKING,
): Chunk[] {
  const sentences = splitSentences(article.text);
  const chunks: Chunk[] = [];
  let i = 0;
  while (i < sentences.length) {
    // Take sentences while the chunk stays within the target; always at least one.
    let j = i + 1;
    while (j < sentences.length && sentences[j]!.end - sentences[i]!.start <= options.targetChars) j++;
    chunks.push(makeChunk(article, chunks.length, sentences.slice(i, j)));
    if (j >= sentences.length) break;
    // Step back over trailing sentences that fit in the overlap, but always move forward.
    let next = j;
    let overlap = 0;
    while (next - 1 > i && overlap + sentences[next - 1]!.text.length <= options.overlapChars) {
      next--;
      overlap += sentences[next]!.text.length;
    }
    i = next;
  }
  return chunks;
}

function makeChunk(article: Pick<Article, "id" | "title" | "text">, position: number, sentences: Span[]): Chunk {
  return chunkOf(article, position, sentences[0]!.start, sentences[sentences.length - 1]!.end);
}

/** The chunk of the article at `position` spanning `start`–`end` of its cleaned text. */
export function chunkOf(
  article: Pick<Article, "id" | "title" | "text">,
  position: number,
  start: number,
  end: number,
): Chunk {
  return {
    id: chunkId(article.id, position),
    articleId: article.id,
    title: article.title,
    position,
    start,
    end,
    text: article.text.slice(start, end),
  };
}

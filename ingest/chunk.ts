import { chunkId, type Article, type Chunk } from "../core/article.ts";
import { splitSentences, type Span } from "../core/persian/sentences.ts";

export interface ChunkingOptions {
  /** Aim for chunks of about this many characters (sentences are never cut). */
  targetChars: number;
  /** Carry about this many characters of trailing sentences into the next chunk. */
  overlapChars: number;
}

/**
 * Persian news sentences run long (one sentence of the seeds is 400 characters); ~700
 * characters keeps two to four sentences together, enough context for a question about a
 * figure and the sentence that names who said it.
 */
export const DEFAULT_CHUNKING = { targetChars: 700, overlapChars: 150 } satisfies ChunkingOptions;

/**
 * Cuts an article into sentence-aligned chunks with overlap. Every chunk's `text` is exactly
 * `article.text.slice(start, end)`, so a citation can quote and locate it.
 */
export function chunkArticle(article: Pick<Article, "id" | "title" | "text">, options: ChunkingOptions = DEFAULT_CHUNKING): Chunk[] {
  const sentences = splitSentences(article.text);
  const chunks: Chunk[] = [];
  let i = 0;
  while (i < sentences.length) {
    let j = i;
    let size = 0;
    // Take sentences until the target is reached; always at least one.
    do {
      size += sentences[j]!.text.length;
      j++;
    } while (j < sentences.length && size + sentences[j]!.text.length <= options.targetChars);
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
  const start = sentences[0]!.start;
  const end = sentences[sentences.length - 1]!.end;
  return { id: chunkId(article.id, position), articleId: article.id, title: article.title, position, start, end, text: article.text.slice(start, end) };
}

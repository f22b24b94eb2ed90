import type { Article, Chunk } from "../core/article.ts";
import type { EmbedderSpec } from "../core/config.ts";
import { createEmbedder, embedderIdFor } from "../core/embeddings/index.ts";
import { ANALYSIS_VERSION, INDEX_FORMAT, readManifest, staleReason, writeGeneration, type Manifest } from "../core/index-store.ts";
import { TermStats } from "../core/lexical.ts";
import { chunkArticle, DEFAULT_CHUNKING } from "./chunk.ts";
import { prepareArticle } from "./prepare.ts";
import { readCorpus, type SourceArticle } from "./read.ts";

export interface BuildOptions {
  articlesDir: string;
  indexDir: string;
  embedder: EmbedderSpec;
  /** Rebuild even when the index is up to date. */
  force?: boolean;
  log?: (line: string) => void;
}

export interface BuildSummary {
  built: boolean;
  /** Why it was (re)built, or why not. */
  reason: string;
  articles: number;
  chunks: number;
  seconds: number;
  problems: string[];
}

/**
 * articles → clean → analyse → chunk → embed → index. Builds only when the index is missing or
 * stale (another embedder, other settings, changed articles) unless `force` is set.
 */
export async function buildIndex(options: BuildOptions): Promise<BuildSummary> {
  const log = options.log ?? (() => {});
  const started = performance.now();
  const corpus = await readCorpus(options.articlesDir);
  for (const p of corpus.problems) log(`warning: ${p}`);
  const expected = {
    embedderId: embedderIdFor(options.embedder),
    chunking: DEFAULT_CHUNKING,
    articles: Object.fromEntries(corpus.articles.map((a) => [a.id, a.contentHash])),
  };
  const current = await readManifest(options.indexDir);
  const stale = staleReason(current, expected);
  const seconds = () => Math.round((performance.now() - started) / 10) / 100;
  if (!stale && !options.force) {
    return { built: false, reason: "index is up to date", articles: current!.counts.articles, chunks: current!.counts.chunks, seconds: seconds(), problems: corpus.problems };
  }
  const reason = stale ?? "rebuild requested";
  if (corpus.articles.length === 0) {
    throw new Error(`No articles in ${options.articlesDir}: add *.txt pages or *.jsonl exports (see README)`);
  }
  log(`building index in ${options.indexDir}: ${reason}`);

  const articles = corpus.articles.map(prepareArticle);
  const chunks = articles.flatMap((a) => chunkArticle(a, DEFAULT_CHUNKING));
  const texts = chunks.map(embeddingText);
  const embedder = createEmbedder(options.embedder, texts);
  const vectors = await embedder.embedDocuments(texts);
  const manifest: Manifest = {
    format: INDEX_FORMAT,
    createdAt: new Date().toISOString(),
    embedder: { id: embedder.id, dimensions: vectors[0]?.length ?? 0 },
    analysisVersion: ANALYSIS_VERSION,
    chunking: DEFAULT_CHUNKING,
    articles: Object.fromEntries(corpus.articles.map((a: SourceArticle) => [a.id, a.contentHash])),
    counts: { articles: articles.length, chunks: chunks.length },
  };
  await writeGeneration(options.indexDir, { manifest, articles, chunks, vectors, terms: TermStats.fromTexts(texts), embedder });
  return { built: true, reason, articles: articles.length, chunks: chunks.length, seconds: seconds(), problems: corpus.problems };
}

/** The title goes with every chunk: a question names the story as often as the detail. */
export function embeddingText(chunk: Chunk | (Pick<Chunk, "text"> & Pick<Article, "title">)): string {
  return `${chunk.title}\n${chunk.text}`;
}

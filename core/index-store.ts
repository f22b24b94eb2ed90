import { mkdir, readFile, readdir, readlink, rename, rm, symlink, writeFile } from "node:fs/promises";
import path from "node:path";
import { HNSWLib } from "@langchain/community/vectorstores/hnswlib";
import { Document } from "@langchain/core/documents";
import type { Article, Chunk } from "./article.ts";
import type { EmbedderSpec } from "./config.ts";
import { restoreEmbedder, type Embedder } from "./embeddings/index.ts";
import { Bm25Index } from "./lexical.ts";

/**
 * The on-disk index: one directory per build ("generation") under INDEX_DIR, and a `current`
 * symlink naming the live one.
 *
 *   data/index/current -> gen-1732312345678-4242
 *   data/index/gen-…/manifest.json    what built it: embedder, analysis, chunking, article hashes
 *   data/index/gen-…/articles.json    cleaned articles with metadata
 *   data/index/gen-…/lexical.json     BM25F index over analysed title and body terms of each chunk
 *   data/index/gen-…/embedder.json    the local embedder's learned IDF, when it is used
 *   data/index/gen-…/hnswlib.index, args.json, docstore.json   LangChain's HNSWLib files
 *
 * **NOTE:** HNSWLib's `save()` writes its three files side by side and records nothing about the
 * embedder. A build therefore writes a complete new generation and only then swaps `current`
 * with an atomic rename of a symlink, so a crash or a failed build leaves the previous index
 * loadable, and a reader never sees a half-written one.
 */

/** Bump when the layout of a generation changes. */
export const INDEX_FORMAT = 1;

export interface Manifest {
  format: number;
  createdAt: string;
  embedder: { id: string; dimensions: number };
  /** Fingerprint of the analysis and ingest code that produced the index (see ingest/build.ts). */
  pipeline: string;
  chunking: { targetChars: number; overlapChars: number };
  /** Article id → content hash of its source. */
  articles: Record<string, string>;
  counts: { articles: number; chunks: number };
}

/** What an up-to-date index must have been built with. */
export interface IndexExpectation {
  embedderId: string;
  pipeline: string;
  chunking: Manifest["chunking"];
  articles: Record<string, string>;
}

export interface LoadedIndex {
  dir: string;
  manifest: Manifest;
  articles: Map<string, Article>;
  lexical: Bm25Index;
  store: HNSWLib;
  embedder: Embedder;
  chunks: Map<string, Chunk>;
  /** Chunk count per article, to size filtered searches. */
  chunkCounts: Map<string, number>;
  /** Chunk id → its label in HNSW, to delete it in a live update. */
  labels: Map<string, number>;
}

const CURRENT = "current";

export async function readManifest(indexDir: string): Promise<Manifest | undefined> {
  try {
    const dir = await currentGeneration(indexDir);
    if (!dir) return undefined;
    return JSON.parse(await readFile(path.join(dir, "manifest.json"), "utf8")) as Manifest;
  } catch {
    return undefined;
  }
}

/**
 * Why the index at hand cannot serve the expected configuration and corpus, or undefined when it
 * can. The reason is for a log line a person reads.
 */
export function staleReason(manifest: Manifest | undefined, expected: IndexExpectation): string | undefined {
  if (!manifest) return "no index yet";
  if (manifest.format !== INDEX_FORMAT) return `index format ${manifest.format} is not ${INDEX_FORMAT}`;
  if (manifest.embedder.id !== expected.embedderId) return `embedder changed from ${manifest.embedder.id} to ${expected.embedderId}`;
  if (manifest.pipeline !== expected.pipeline) return "text analysis or ingest code changed";
  const c = manifest.chunking;
  if (c.targetChars !== expected.chunking.targetChars || c.overlapChars !== expected.chunking.overlapChars) return "chunking settings changed";
  const had = manifest.articles;
  const now = expected.articles;
  const added = Object.keys(now).filter((id) => !(id in had)).length;
  const removed = Object.keys(had).filter((id) => !(id in now)).length;
  const changed = Object.keys(now).filter((id) => id in had && had[id] !== now[id]).length;
  if (added || removed || changed) return `articles changed: ${added} added, ${changed} changed, ${removed} removed`;
  return undefined;
}

export interface GenerationContent {
  manifest: Manifest;
  articles: Article[];
  chunks: Chunk[];
  vectors: number[][];
  lexical: Bm25Index;
  embedder: Embedder;
}

/** Writes a complete new generation and makes it current. Returns its directory. */
export async function writeGeneration(indexDir: string, content: GenerationContent): Promise<string> {
  await mkdir(indexDir, { recursive: true });
  const name = `gen-${Date.now()}-${process.pid}`;
  const dir = path.join(indexDir, name);
  try {
    const store = new HNSWLib(content.embedder, { space: "cosine", numDimensions: content.manifest.embedder.dimensions });
    const documents = content.chunks.map((chunk) => new Document({ pageContent: chunk.text, metadata: chunkMetadata(chunk), id: chunk.id }));
    await store.addVectors(content.vectors, documents);
    await store.save(dir);
    await writeFile(path.join(dir, "articles.json"), JSON.stringify(content.articles));
    await writeFile(path.join(dir, "lexical.json"), JSON.stringify(content.lexical));
    const state = content.embedder.toState?.();
    if (state !== undefined) await writeFile(path.join(dir, "embedder.json"), JSON.stringify(state));
    // The manifest goes last: a generation without one is incomplete and never made current.
    await writeFile(path.join(dir, "manifest.json"), JSON.stringify(content.manifest, null, 2));
    await swapCurrent(indexDir, name);
  } catch (err) {
    await rm(dir, { recursive: true, force: true });
    throw err;
  }
  await removeOldGenerations(indexDir, name);
  return dir;
}

/** Chunk fields kept in HNSWLib's docstore; `text` is the document's pageContent. */
function chunkMetadata(chunk: Chunk): Omit<Chunk, "text"> {
  const { text: _text, ...rest } = chunk;
  return rest;
}

export function chunkFromDocument(doc: Document): Chunk {
  return { ...(doc.metadata as Omit<Chunk, "text">), text: doc.pageContent };
}

async function swapCurrent(indexDir: string, name: string): Promise<void> {
  const tmp = path.join(indexDir, `${CURRENT}.tmp-${process.pid}-${Date.now()}`);
  await symlink(name, tmp);
  await rename(tmp, path.join(indexDir, CURRENT));
}

async function currentGeneration(indexDir: string): Promise<string | undefined> {
  try {
    return path.join(indexDir, await readlink(path.join(indexDir, CURRENT)));
  } catch {
    return undefined;
  }
}

/**
 * Deletes generations older than the current one (leftovers of earlier or interrupted builds).
 * Newer ones may belong to a build still running in another process and are left alone.
 */
async function removeOldGenerations(indexDir: string, keep: string): Promise<void> {
  const stamp = (name: string) => Number(name.split("-")[1]);
  for (const entry of await readdir(indexDir)) {
    if (entry === keep || !entry.startsWith("gen-") || !(stamp(entry) <= stamp(keep))) continue;
    await rm(path.join(indexDir, entry), { recursive: true, force: true }).catch(() => {});
  }
}

/** Opens the current generation for querying. Throws when there is none or it is unreadable. */
export async function openIndex(indexDir: string, spec: EmbedderSpec): Promise<LoadedIndex> {
  const dir = await currentGeneration(indexDir);
  if (!dir) throw new Error(`No index in ${indexDir}: run "npm run ingest"`);
  const manifest = JSON.parse(await readFile(path.join(dir, "manifest.json"), "utf8")) as Manifest;
  const readJson = async <T>(file: string): Promise<T> => JSON.parse(await readFile(path.join(dir, file), "utf8")) as T;
  const [articles, lexical, state] = await Promise.all([
    readJson<Article[]>("articles.json"),
    readJson<Parameters<typeof Bm25Index.fromJSON>[0]>("lexical.json"),
    spec.kind === "local" ? readJson<unknown>("embedder.json") : Promise.resolve(undefined),
  ]);
  const embedder = restoreEmbedder(spec, state);
  if (embedder.id !== manifest.embedder.id) {
    throw new Error(`Index in ${dir} was built by ${manifest.embedder.id}, not by the configured ${embedder.id}`);
  }
  const store = await HNSWLib.load(dir, embedder);
  const chunks = new Map<string, Chunk>();
  const chunkCounts = new Map<string, number>();
  const labels = new Map<string, number>();
  for (const [label, doc] of store.docstore._docs.entries()) {
    const chunk = chunkFromDocument(doc);
    chunks.set(chunk.id, chunk);
    labels.set(chunk.id, Number(label));
    chunkCounts.set(chunk.articleId, (chunkCounts.get(chunk.articleId) ?? 0) + 1);
  }
  return { dir, manifest, articles: new Map(articles.map((a) => [a.id, a])), lexical: Bm25Index.fromJSON(lexical), store, embedder, chunks, chunkCounts, labels };
}

import { mkdir, open, readFile, readdir, readlink, rename, rm, symlink, writeFile } from "node:fs/promises";
import path from "node:path";
import { SynchronousInMemoryDocstore } from "@langchain/community/stores/doc/in_memory";
import { HNSWLib } from "@langchain/community/vectorstores/hnswlib";
import { Document } from "@langchain/core/documents";
import hnswlib from "hnswlib-node";
import type { Article, Chunk } from "./article.ts";
import { ChunkMap, ChunkTable, withText } from "./chunk-map.ts";
import type { EmbedderSpec } from "./config.ts";
import { restoreEmbedder, type Embedder } from "./embeddings/index.ts";
import { TokenTable } from "./chunk-tokens.ts";
import { Bm25Index } from "./lexical.ts";
import type { VectorRows } from "./corpus/index.ts";

/**
 * The on-disk index: one directory per build ("generation") under INDEX_DIR, and a `current`
 * symlink naming the live one.
 *
 *   data/index/current -> gen-1732312345678-4242
 *   data/index/gen-…/manifest.json    what built it: embedder, analysis, chunking, article hashes
 *   data/index/gen-…/articles.bin     cleaned articles: metadata, then every text (see `writeArticles`)
 *   data/index/gen-…/chunks.bin       the chunk table: article, position, start, end (4 × u32 a chunk)
 *   data/index/gen-…/lexical.bin      BM25F index over analysed title and body terms of each chunk
 *   data/index/gen-…/tokens.bin       each chunk's title and body tokens, read by re-scoring (core/chunk-tokens.ts)
 *   data/index/gen-…/embedder.json    the local embedder's learned IDF, when it is used
 *   data/index/gen-…/hnswlib.index    the HNSW graph and vectors; chunk i has label i
 *
 * **NOTE:** HNSWLib's own `save()` also writes `docstore.json`, every chunk's text and metadata
 * as one JSON array: at an archive's half a million chunks that is hundreds of megabytes to
 * parse at each start, and a second copy of every article's text in memory. The chunk table
 * replaces it (a chunk's text is a slice of its article's), and `ChunkDocstore` serves HNSWLib's
 * docstore lookups from it, so the LangChain store is used unchanged.
 *
 * HNSWLib records nothing about the embedder either. A build therefore writes a complete new
 * generation and only then swaps `current` with an atomic rename of a symlink, so a crash or a
 * failed build leaves the previous index loadable, and a reader never sees a half-written one.
 */

/** Bump when the layout of a generation changes. */
export const INDEX_FORMAT = 4;

/**
 * HNSW graph parameters. M = 16 links a node; efConstruction 100 (hnswlib's default is 200)
 * halves the build time. Searches use ef 256: on the bench's 1k-article corpus recall@10
 * against exact search was 0.87 at ef 64, 0.96 at 128 and 0.99 at 256, and a search at 256
 * dimensions still takes about a millisecond (`npm run bench`).
 */
export const HNSW_PARAMS = { m: 16, efConstruction: 100, efSearch: 256, seed: 100 };

export interface Manifest {
  format: number;
  createdAt: string;
  embedder: { id: string; dimensions: number };
  /** Fingerprint of the analysis and ingest code that produced the index (see ingest/build.ts). */
  pipeline: string;
  chunking: { targetChars: number; overlapChars: number };
  /** Article id → content hash of its source. */
  articles: Record<string, string>;
  /** Size and modification time of each file read from ARTICLES_DIR (see `corpusFiles` in ingest/read.ts). */
  files?: Record<string, { size: number; mtimeMs: number }>;
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
  /**
   * lexical.bin as read, in memory other threads can share: `lexical`'s postings are views on
   * it, and a search thread opens its own index on the same bytes (core/corpus/lexical-thread.ts).
   */
  lexicalBytes: SharedArrayBuffer;
  /** Each chunk's body tokens by HNSW label; chunks added since the build are not in it. */
  tokens: TokenTable;
  store: HNSWLib;
  embedder: Embedder;
  chunks: Map<string, Chunk>;
  /** Chunk count per article, to size filtered searches. */
  chunkCounts: Map<string, number>;
  /** Chunk id → its label in HNSW, to delete it in a live update. */
  labels: Map<string, number>;
  /** The chunk with this HNSW label (deleted ones included: check `labels`), without making a Document of it. */
  chunkAt(label: number): Chunk | undefined;
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
 * Records new sizes and times of ARTICLES_DIR's files in the current generation's manifest,
 * after their content was found unchanged (a copy, a `touch`), so the next start trusts them
 * again. Written to a temporary file and renamed: a crash leaves the old manifest or the new.
 */
export async function refreshFiles(indexDir: string, files: NonNullable<Manifest["files"]>): Promise<void> {
  const dir = await currentGeneration(indexDir);
  if (!dir) return;
  const file = path.join(dir, "manifest.json");
  const manifest = JSON.parse(await readFile(file, "utf8")) as Manifest;
  const tmp = `${file}.tmp-${process.pid}-${Date.now()}`;
  await writeFile(tmp, JSON.stringify({ ...manifest, files }, null, 2));
  await rename(tmp, file);
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
  // A start on unchanged files asks with the manifest's own list: nothing to compare (100k ids).
  if (now === had) return undefined;
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
  vectors: VectorRows;
  lexical: Bm25Index;
  /** Per chunk, in order: its body's tokens. */
  tokens: TokenTable;
  embedder: Embedder;
}

/**
 * Writes a complete new generation and makes it current. Returns its directory.
 *
 * Takes `content` over: the tables are written first and each let go from `content` once on
 * disk, so that the graph, the longest and largest step, is built with only the vectors beside
 * it (at 100k articles the rest is some 2 GB of heap).
 */
export async function writeGeneration(indexDir: string, content: GenerationContent): Promise<string> {
  await mkdir(indexDir, { recursive: true });
  const name = `gen-${Date.now()}-${process.pid}`;
  const dir = path.join(indexDir, name);
  const parts: Partial<GenerationContent> = content;
  try {
    await mkdir(dir, { recursive: true });
    const articleIndex = new Map(content.articles.map((a, i) => [a.id, i]));
    const table = new Uint32Array(content.chunks.length * 4);
    content.chunks.forEach((c, i) => {
      const a = articleIndex.get(c.articleId);
      if (a === undefined) throw new Error(`Chunk ${c.id} belongs to no article of the build`);
      table.set([a, c.position, c.start, c.end], i * 4);
    });
    await writeFile(path.join(dir, "chunks.bin"), table);
    delete parts.chunks;
    await writeArticles(path.join(dir, "articles.bin"), content.articles);
    delete parts.articles;
    await writeFile(path.join(dir, "lexical.bin"), content.lexical.toBinary());
    delete parts.lexical;
    await writeFile(path.join(dir, "tokens.bin"), content.tokens.toBinary());
    delete parts.tokens;
    const dimensions = content.manifest.embedder.dimensions;
    const graph = new hnswlib.HierarchicalNSW("cosine", dimensions);
    graph.initIndex(Math.max(1, content.vectors.length), HNSW_PARAMS.m, HNSW_PARAMS.efConstruction, HNSW_PARAMS.seed);
    content.vectors.forEach((vector, label) => {
      // **NOTE:** hnswlib aborts the process on a wrong-sized vector; refuse it with an error.
      if (vector.length !== dimensions) throw new Error(`Vector ${label} has ${vector.length} dimensions, not ${dimensions}`);
      // hnswlib-node takes plain arrays only: a typed row is copied just for the call.
      graph.addPoint(Array.isArray(vector) ? vector : Array.from(vector), label);
    });
    await graph.writeIndex(path.join(dir, "hnswlib.index"));
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

/**
 * Articles on disk: a u32 byte length, the metadata of every article (JSON, without the texts),
 * then all texts one after another, everything in UTF-16LE.
 *
 * **NOTE:** UTF-16LE because decoding it is a copy, while decoding UTF-8 Persian runs at some
 * 40 MB/s: an archive's texts as UTF-8 JSON took most of the start-up time. Persian is two bytes
 * a letter in either encoding, so the file is no larger. The texts stay in the file's buffer,
 * outside the JS heap; an article's or chunk's `text` is decoded from it when read.
 */
async function writeArticles(file: string, articles: Article[]): Promise<void> {
  const meta = articles.map(({ text, ...rest }) => ({ ...rest, length: text.length }));
  const header = Buffer.from(JSON.stringify(meta), "utf16le");
  const prefix = Buffer.alloc(4);
  prefix.writeUInt32LE(header.length);
  const out = await open(file, "w");
  try {
    await out.write(prefix);
    await out.write(header);
    // In pieces: an archive's texts together exceed the longest string V8 allows.
    for (let i = 0; i < articles.length; i += 1000) {
      await out.write(Buffer.from(articles.slice(i, i + 1000).map((a) => a.text).join(""), "utf16le"));
    }
  } finally {
    await out.close();
  }
}

interface StoredArticles {
  articles: Article[];
  /** Characters `start` to `end` of article `i`'s text. */
  slice(i: number, start: number, end: number): string;
}

function readArticles(buffer: Buffer): StoredArticles {
  const headerLength = buffer.readUInt32LE(0);
  const meta = JSON.parse(buffer.toString("utf16le", 4, 4 + headerLength)) as Array<Omit<Article, "text"> & { length: number }>;
  const offsets = new Float64Array(meta.length + 1);
  offsets[0] = 4 + headerLength;
  meta.forEach((m, i) => (offsets[i + 1] = offsets[i]! + 2 * m.length));
  const slice = (i: number, start: number, end: number) => buffer.toString("utf16le", offsets[i]! + 2 * start, offsets[i]! + 2 * end);
  const articles = meta.map(({ length, ...rest }, i) => withText(rest, () => slice(i, 0, length)) as Article);
  return { articles, slice };
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

/**
 * A file's bytes, read in one call on the thread pool.
 *
 * **NOTE:** `readFile` reads 512 KiB at a time, and each next read is issued from this thread:
 * while it decodes one file (a second, at an archive's size) the reads of the others stood still.
 */
async function readWhole(file: string, options: { shared?: boolean } = {}): Promise<Buffer> {
  const handle = await open(file, "r");
  try {
    const { size } = await handle.stat();
    // Not from the pool of small Buffers: typed arrays over it need it to start aligned.
    const buffer = options.shared ? Buffer.from(new SharedArrayBuffer(size)) : Buffer.allocUnsafeSlow(size);
    let read = 0;
    while (read < size) {
      const { bytesRead } = await handle.read(buffer, read, size - read, read);
      if (bytesRead === 0) throw new Error(`${file} ended at byte ${read} of ${size}`);
      read += bytesRead;
    }
    return buffer;
  } finally {
    await handle.close();
  }
}

/** Opens the current generation for querying. Throws when there is none or it is unreadable. */
export async function openIndex(indexDir: string, spec: EmbedderSpec): Promise<LoadedIndex> {
  const dir = await currentGeneration(indexDir);
  if (!dir) throw new Error(`No index in ${indexDir}: run "npm run ingest"`);
  // Decoded whole: readFile with an encoding decodes 512 KiB pieces and joins them.
  const readJson = async <T>(file: string): Promise<T> => JSON.parse((await readWhole(path.join(dir, file))).toString("utf8")) as T;
  const manifest = await readJson<Manifest>("manifest.json");
  const numDimensions = manifest.embedder.dimensions;
  // hnswlib reads its graph, the largest file, on a thread of its own: started first, it loads
  // while this thread decodes the other files instead of after them.
  const graph = new hnswlib.HierarchicalNSW("cosine", numDimensions);
  const graphRead = graph.readIndex(path.join(dir, "hnswlib.index"));
  graphRead.catch(() => {}); // awaited below, unless another file fails first
  const [stored, [lexical, lexicalBytes], state, table, tokens] = await Promise.all([
    readWhole(path.join(dir, "articles.bin")).then(readArticles),
    readWhole(path.join(dir, "lexical.bin"), { shared: true }).then((bytes) => [Bm25Index.fromBinary(bytes), bytes.buffer as SharedArrayBuffer] as const),
    spec.kind === "local" ? readJson<unknown>("embedder.json") : Promise.resolve(undefined),
    readWhole(path.join(dir, "chunks.bin")),
    readWhole(path.join(dir, "tokens.bin")).then(TokenTable.fromBinary),
  ]);
  const embedder = restoreEmbedder(spec, state);
  if (embedder.id !== manifest.embedder.id) {
    throw new Error(`Index in ${dir} was built by ${manifest.embedder.id}, not by the configured ${embedder.id}`);
  }
  await graphRead;
  const { articles, slice } = stored;
  const chunkTable = new ChunkTable(new Uint32Array(table.buffer, table.byteOffset, table.byteLength / 4), articles, slice);
  const chunks = new ChunkMap(chunkTable, (label) => chunkTable.chunkAt(label)!);
  const labels = new ChunkMap(chunkTable, (label) => label);
  const chunkCounts = chunkTable.chunkCounts();
  const store = new HNSWLib(embedder, { space: "cosine", numDimensions, index: graph, docstore: new ChunkDocstore(chunkTable) });
  const chunkAt = (label: number) => chunkTable.chunkAt(label);
  return { dir, manifest, articles: new Map(articles.map((a) => [a.id, a])), lexical, lexicalBytes, tokens, store, embedder, chunks, chunkCounts, labels, chunkAt };
}

/**
 * HNSWLib's docstore (label → Document), served from the chunk table instead of a map of
 * Documents: a Document is made when a search returns or filters its label. Live additions
 * (`store.addVectors`) land here too.
 */
class ChunkDocstore extends SynchronousInMemoryDocstore {
  constructor(private readonly table: ChunkTable) {
    super();
  }

  override search(label: string): Document {
    const chunk = this.table.chunkAt(Number(label));
    if (!chunk) throw new Error(`No chunk has label ${label}`);
    return new Document({ pageContent: chunk.text, metadata: chunkMetadata(chunk), id: chunk.id });
  }

  override add(docs: Record<string, Document>): void {
    for (const [label, doc] of Object.entries(docs)) this.table.byLabel[Number(label)] = chunkFromDocument(doc);
  }
}

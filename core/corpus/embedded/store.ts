import { mkdir, open, readFile, readdir, readlink, rename, rm, symlink, writeFile } from "node:fs/promises";
import path from "node:path";
import { z } from "zod";
import type { Article, Chunk } from "../../article.ts";
import { ChunkMap, ChunkTable, withText } from "./chunk-table.ts";
import type { EmbedderSpec } from "../../config.ts";
import { embedderIdFor, restoreEmbedder, type Embedder } from "../../embeddings/index.ts";
import { TermAssociations } from "../associations.ts";
import { TokenTable } from "./token-table.ts";
import { Bm25Index } from "../bm25.ts";
import type { VectorRows } from "../corpus.ts";
import { DamagedIndexError, readVerified, recordFile, unreadable, verifyFile, type FileRecord } from "./integrity.ts";
import { buildSegments } from "./segment-build.ts";
import { SEGMENT_CHUNKS, type SegmentRecord, type SegmentSpan } from "./segments.ts";

/**
 * The on-disk index: one directory per build ("generation") under INDEX_DIR, and a `current`
 * symlink naming the live one.
 *
 *   data/index/current -> gen-1732312345678-4242
 *   data/index/gen-…/manifest.json    what built it: embedder, analysis, chunking, article hashes,
 *                                     and the size and checksum of every other file (core/corpus/embedded/integrity.ts)
 *   data/index/gen-…/articles.bin     cleaned articles: metadata, then every text (see `writeArticles`)
 *   data/index/gen-…/chunks.bin       the chunk table: article, position, start, end (4 × u32 a chunk)
 *   data/index/gen-…/lexical.bin      BM25F index over analyzed title and body terms of each chunk
 *   data/index/gen-…/tokens.bin       each chunk's title and body tokens, read by re-scoring (core/corpus/embedded/token-table.ts)
 *   data/index/gen-…/embedder.json    the local embedder's learned IDF, when it is used
 *   data/index/gen-…/associations.json  which terms the archive uses together (core/corpus/associations.ts)
 *   data/index/gen-…/segment-0000.hnsw  the vectors, as bounded HNSW graphs (segments.ts): chunk i
 *                                     has label i, in the segment whose span the manifest gives
 *
 * **NOTE:** HNSWLib's own `save()` (LangChain's store) writes one graph and a `docstore.json`,
 * every chunk's text and metadata as one JSON array: at an archive's half a million chunks that
 * is hundreds of megabytes to parse at each start, and a second copy of every article's text.
 * The chunk table replaces the docstore (a chunk's text is a slice of its article's), and the
 * vectors are segments, searched together (core/corpus/embedded/dense-index.ts).
 *
 * hnswlib records nothing about the embedder either. A build therefore writes a complete new
 * generation and only then swaps `current` with an atomic rename of a symlink, so a crash or a
 * failed build leaves the previous index loadable, and a reader never sees a half-written one.
 * What happens to a generation afterwards (a disk, a copy, a restore) is caught by the sizes and
 * checksums its manifest records: `openIndex` checks every file before it uses any.
 */

/** Bump when the layout of a generation changes. 6: vector segments instead of one hnswlib.index. */
export const INDEX_FORMAT = 6;

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
  /**
   * Each file of the generation beside the manifest, by name: its size and CRC-32 as written
   * (core/corpus/embedded/integrity.ts). Written by `writeGeneration`; absent before format 5.
   */
  indexFiles?: Record<string, FileRecord>;
  /** The vector segments, by label span and file; absent before format 6. */
  segments?: SegmentRecord[];
  /** The most chunks a segment holds (INDEX_SEGMENT_CHUNKS when it was built); publications' open segments keep to it. */
  segmentChunks?: number;
  counts: { articles: number; chunks: number };
}

/** The files a generation always has; embedder.json only with the local embedder. */
const REQUIRED_FILES = ["articles.bin", "chunks.bin", "lexical.bin", "tokens.bin"] as const;

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
   * it, and a search thread opens its own index on the same bytes (core/corpus/embedded/lexical-thread.ts).
   */
  lexicalBytes: SharedArrayBuffer;
  /** Each chunk's body tokens by HNSW label; chunks added since the build are not in it. */
  tokens: TokenTable;
  /** Which terms the archive used together when it was built; none for a generation written before them. */
  associations: TermAssociations;
  /** The vector segments' files, checked, with their label spans: read by whoever searches them (dense-index.ts). */
  segments: Array<SegmentSpan & { path: string }>;
  /** The most chunks a segment holds. */
  segmentChunks: number;
  embedder: Embedder;
  chunks: Map<string, Chunk>;
  /** Chunk count per article, to size filtered searches. */
  chunkCounts: Map<string, number>;
  /** Chunk id → its label in HNSW, to delete it in a live update. */
  labels: Map<string, number>;
  /** The chunk with this label (deleted ones included: check `labels`). */
  chunkAt(label: number): Chunk | undefined;
  /** Records a live addition's chunk under its new label. */
  setChunkAt(label: number, chunk: Chunk): void;
}

const CURRENT = "current";

const isObject = (v: unknown): v is Record<string, unknown> => typeof v === "object" && v !== null && !Array.isArray(v);
/** An object whose values all pass `valid`, checked by a plain loop: zod's own record check costs a start noticeably at 100k articles. */
const objectOf = <T>(valid: (v: unknown) => boolean, what: string) =>
  z.custom<Record<string, T>>((v) => isObject(v) && Object.values(v).every(valid), `must map names to ${what}`);
const count = z.number().int().nonnegative();

/**
 * The manifest as read: the one file of a generation without a checksum, as it holds them, so
 * its shape is checked instead. A damaged one names itself rather than failing later as an
 * undefined field.
 */
const ManifestShape = z.object({
  format: z.number(),
  createdAt: z.string(),
  embedder: z.object({ id: z.string(), dimensions: count }),
  pipeline: z.string(),
  chunking: z.object({ targetChars: count, overlapChars: count }),
  articles: objectOf<string>((v) => typeof v === "string", "content hashes"),
  files: objectOf<{ size: number; mtimeMs: number }>(
    (v) => isObject(v) && typeof v.size === "number" && typeof v.mtimeMs === "number",
    "sizes and times",
  ).optional(),
  indexFiles: z.record(z.string(), z.object({ size: count, crc32: count })).optional(),
  segments: z.array(z.object({ file: z.string(), first: count, count })).optional(),
  segmentChunks: z.number().int().positive().optional(),
  counts: z.object({ articles: count, chunks: count }),
});

/**
 * The current generation's manifest; undefined when there is no current generation. Throws
 * `DamagedIndexError` when there is one and its manifest is missing or not a manifest.
 */
export async function readManifest(indexDir: string): Promise<Manifest | undefined> {
  const dir = await currentGeneration(indexDir);
  return dir === undefined ? undefined : loadManifest(dir);
}

async function loadManifest(dir: string): Promise<Manifest> {
  const file = path.join(dir, "manifest.json");
  // Decoded whole: readFile with an encoding decodes 512 KiB pieces and joins them.
  const text = await readFile(file).then(
    (bytes) => bytes.toString("utf8"),
    (err: unknown) => Promise.reject(unreadable(file, err)),
  );
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch (err) {
    throw new DamagedIndexError(file, `it is not JSON (${(err as Error).message})`, { cause: err });
  }
  const parsed = ManifestShape.safeParse(json);
  if (!parsed.success) {
    const issue = parsed.error.issues[0]!;
    throw new DamagedIndexError(
      file,
      issue.path.length > 0
        ? `field "${issue.path.join(".")}" ${issue.message}`
        : `it is not a manifest (${issue.message})`,
    );
  }
  return parsed.data;
}

/** What the manifest records of one of the generation's files; a manifest without it is damaged. */
function fileRecord(dir: string, manifest: Manifest, name: string): FileRecord {
  const records = manifest.indexFiles ?? {};
  if (!Object.hasOwn(records, name))
    throw new DamagedIndexError(path.join(dir, "manifest.json"), `it records no size and checksum of ${name}`);
  return records[name]!;
}

/** The generation's files the manifest records, the required ones (its segments too) first. */
function recordedFiles(dir: string, manifest: Manifest): Array<[string, FileRecord]> {
  const names = new Set<string>([
    ...REQUIRED_FILES,
    ...(manifest.segments ?? []).map((s) => s.file),
    ...Object.keys(manifest.indexFiles ?? {}),
  ]);
  return [...names].map((name) => [name, fileRecord(dir, manifest, name)]);
}

/**
 * Checks the current generation without loading it: its manifest, then every file's size, and
 * with `checksum` every file's content, read in pieces (as much reading as a start does).
 * Throws `DamagedIndexError` naming the first file found wrong; `npm run ingest` asks before it
 * calls an index up to date.
 */
export async function verifyGeneration(indexDir: string, depth: "size" | "checksum"): Promise<void> {
  const dir = await currentGeneration(indexDir);
  if (dir === undefined) return;
  const manifest = await loadManifest(dir);
  await Promise.all(
    recordedFiles(dir, manifest).map(([name, record]) => verifyFile(path.join(dir, name), record, depth)),
  );
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
  const manifest = await loadManifest(dir);
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
  if (manifest.embedder.id !== expected.embedderId)
    return `embedder changed from ${manifest.embedder.id} to ${expected.embedderId}`;
  if (manifest.pipeline !== expected.pipeline) return "text analysis or ingest code changed";
  const c = manifest.chunking;
  if (c.targetChars !== expected.chunking.targetChars || c.overlapChars !== expected.chunking.overlapChars)
    return "chunking settings changed";
  const had = manifest.articles;
  const now = expected.articles;
  // A start on unchanged files asks with the manifest's own list: nothing to compare (100k ids).
  if (now === had) return undefined;
  // Own keys only: ids are the articles' own, and an article may be called «constructor».
  const added = Object.keys(now).filter((id) => !Object.hasOwn(had, id)).length;
  const removed = Object.keys(had).filter((id) => !Object.hasOwn(now, id)).length;
  const changed = Object.keys(now).filter((id) => Object.hasOwn(had, id) && had[id] !== now[id]).length;
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
  /** Which terms the archive uses together (core/corpus/associations.ts). */
  associations?: TermAssociations;
  /** The most chunks a vector segment holds; SEGMENT_CHUNKS unless given. */
  segmentChunks?: number;
}

/**
 * Writes a complete new generation and makes it current. Returns its directory.
 *
 * Takes `content` over: the tables are written first and each let go from `content` once on
 * disk, so that the vector segments, the longest step, are built with only the vectors beside
 * them (at 100k articles the rest is some 2 GB of heap).
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
    const segmentChunks = content.segmentChunks ?? SEGMENT_CHUNKS;
    const segments = await buildSegments(dir, content.vectors, content.manifest.embedder.dimensions, segmentChunks);
    const state = content.embedder.toState?.();
    if (state !== undefined) await writeFile(path.join(dir, "embedder.json"), JSON.stringify(state));
    if (content.associations) await writeFile(path.join(dir, "associations.json"), content.associations.toJSON());
    // Read back from the files rather than summed as they were written: one way for every file,
    // hnswlib's too, which its native code writes.
    const names = [
      ...REQUIRED_FILES,
      ...segments.map((s) => s.file),
      ...(state !== undefined ? ["embedder.json"] : []),
      ...(content.associations ? ["associations.json"] : []),
    ];
    const records = await Promise.all(names.map((name) => recordFile(path.join(dir, name))));
    const indexFiles = Object.fromEntries(names.map((name, i) => [name, records[i]!]));
    // The manifest goes last: a generation without one is incomplete and never made current.
    await writeFile(
      path.join(dir, "manifest.json"),
      JSON.stringify({ ...content.manifest, indexFiles, segments, segmentChunks }, null, 2),
    );
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
      await out.write(
        Buffer.from(
          articles
            .slice(i, i + 1000)
            .map((a) => a.text)
            .join(""),
          "utf16le",
        ),
      );
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
  const meta = JSON.parse(buffer.toString("utf16le", 4, 4 + headerLength)) as Array<
    Omit<Article, "text"> & { length: number }
  >;
  const offsets = new Float64Array(meta.length + 1);
  offsets[0] = 4 + headerLength;
  meta.forEach((m, i) => (offsets[i + 1] = offsets[i]! + 2 * m.length));
  const slice = (i: number, start: number, end: number) =>
    buffer.toString("utf16le", offsets[i]! + 2 * start, offsets[i]! + 2 * end);
  const articles = meta.map(({ length, ...rest }, i) => withText(rest, () => slice(i, 0, length)) as Article);
  return { articles, slice };
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
 * Opens the current generation for querying, once every file it reads is checked against the
 * manifest's sizes and checksums. Throws `DamagedIndexError`, naming the file, when one is
 * missing, damaged or unreadable, and a plain error when there is no index or it is of another
 * format or embedder.
 */
export async function openIndex(indexDir: string, spec: EmbedderSpec): Promise<LoadedIndex> {
  const dir = await currentGeneration(indexDir);
  if (!dir) throw new Error(`No index in ${indexDir}: run "npm run ingest"`);
  const manifest = await loadManifest(dir);
  if (manifest.format !== INDEX_FORMAT) {
    // Nothing says an older layout reads as this one, and its files carry no checksums.
    throw new Error(
      `Index in ${dir} has format ${manifest.format}, and this version reads format ${INDEX_FORMAT}: run "npm run ingest" to rebuild it`,
    );
  }
  // Before any file is read: another embedder's generation lacks the files this one reads.
  if (manifest.embedder.id !== embedderIdFor(spec)) throw embedderMismatch(dir, manifest, embedderIdFor(spec));
  const records = new Map(recordedFiles(dir, manifest));
  const read = (name: string, options?: { shared?: boolean }) =>
    readVerified(path.join(dir, name), records.get(name)!, options);
  // The vector segments are read by whoever searches them (dense-index.ts), after this: here
  // each is checked whole, beside the decoding of the other files. hnswlib takes offsets from a
  // graph's header unchecked, and a damaged one can crash the process instead of failing a read.
  const segments = manifest.segments;
  if (!segments) throw new DamagedIndexError(path.join(dir, "manifest.json"), "it names no vector segments");
  let spanned = 0;
  for (const s of segments) {
    if (s.first !== spanned || path.basename(s.file) !== s.file)
      throw new DamagedIndexError(path.join(dir, "manifest.json"), `its segment ${s.file} is out of place`);
    spanned += s.count;
  }
  if (spanned !== manifest.counts.chunks)
    throw new DamagedIndexError(
      path.join(dir, "manifest.json"),
      `its segments hold ${spanned} vectors, and it counts ${manifest.counts.chunks} chunks`,
    );
  const segmentsChecked = Promise.all(
    segments.map((s) => verifyFile(path.join(dir, s.file), records.get(s.file)!, "checksum")),
  );
  segmentsChecked.catch(() => {}); // awaited below, unless another file fails first
  const [stored, [lexical, lexicalBytes], state, table, tokens, associations] = await Promise.all([
    read("articles.bin").then((bytes) => decoded(dir, "articles.bin", () => readArticles(bytes))),
    read("lexical.bin", { shared: true }).then((bytes) =>
      decoded(dir, "lexical.bin", () => [Bm25Index.fromBinary(bytes), bytes.buffer as SharedArrayBuffer] as const),
    ),
    spec.kind === "local" ? readEmbedderState(dir, records) : Promise.resolve(undefined),
    read("chunks.bin"),
    read("tokens.bin").then((bytes) => decoded(dir, "tokens.bin", () => TokenTable.fromBinary(bytes))),
    records.has("associations.json")
      ? read("associations.json").then((bytes) =>
          decoded(dir, "associations.json", () => TermAssociations.fromJSON(bytes.toString("utf8"))),
        )
      : Promise.resolve(TermAssociations.NONE),
  ]);
  const embedder = restoreEmbedder(spec, state);
  if (embedder.id !== manifest.embedder.id) throw embedderMismatch(dir, manifest, embedder.id);
  await segmentsChecked;
  const { articles, slice } = stored;
  const chunkTable = new ChunkTable(
    new Uint32Array(table.buffer, table.byteOffset, table.byteLength / 4),
    articles,
    slice,
  );
  const chunks = new ChunkMap(chunkTable, (label) => chunkTable.chunkAt(label)!);
  const labels = new ChunkMap(chunkTable, (label) => label);
  const chunkCounts = chunkTable.chunkCounts();
  const chunkAt = (label: number) => chunkTable.chunkAt(label);
  return {
    dir,
    manifest,
    articles: new Map(articles.map((a) => [a.id, a])),
    lexical,
    lexicalBytes,
    tokens,
    associations,
    segments: segments.map((s) => ({ first: s.first, count: s.count, path: path.join(dir, s.file) })),
    segmentChunks: manifest.segmentChunks ?? SEGMENT_CHUNKS,
    embedder,
    chunks,
    chunkCounts,
    labels,
    chunkAt,
    setChunkAt: (label, chunk) => (chunkTable.byLabel[label] = chunk),
  };
}

function embedderMismatch(dir: string, manifest: Manifest, configured: string): Error {
  return new Error(`Index in ${dir} was built by ${manifest.embedder.id}, not by the configured ${configured}`);
}

/** The local embedder's learned state; a generation built by the local embedder has it. */
async function readEmbedderState(dir: string, records: Map<string, FileRecord>): Promise<unknown> {
  const record = records.get("embedder.json");
  if (!record)
    throw new DamagedIndexError(path.join(dir, "manifest.json"), "it records no size and checksum of embedder.json");
  const bytes = await readVerified(path.join(dir, "embedder.json"), record);
  return decoded(dir, "embedder.json", () => JSON.parse(bytes.toString("utf8")) as unknown);
}

/**
 * What `decode` makes of a file whose checksum held. A failure then means the build wrote what
 * this code cannot read, but it is still the file that is unusable: it is named.
 */
function decoded<T>(dir: string, name: string, decode: () => T): T {
  try {
    return decode();
  } catch (err) {
    throw new DamagedIndexError(path.join(dir, name), `it cannot be decoded (${(err as Error).message})`, {
      cause: err,
    });
  }
}

import type { EmbedderSpec } from "../core/config.ts";
import { TermAssociations } from "../core/corpus/associations.ts";
import { createEmbedder, embedderIdFor, LocalEmbeddings } from "../core/embeddings/index.ts";
import { DamagedIndexError } from "../core/corpus/embedded/integrity.ts";
import {
  INDEX_FORMAT,
  readManifest,
  refreshFiles,
  staleReason,
  verifyGeneration,
  writeGeneration,
  type GenerationContent,
  type Manifest,
} from "../core/corpus/embedded/store.ts";
import { Bm25Index } from "../core/corpus/bm25.ts";
import { ANALYSIS_ID } from "./analysis-version.ts";
import { DEFAULT_CHUNKING } from "./chunk.ts";
import { analyzeArticles, embedChunks, embeddingText, embedTokenised, lexicalDoc } from "./analyze.ts";
import { embedInParallel, parallelWorkers, type EmbeddedCorpus } from "./embed-parallel.ts";

export { embedChunks, embeddingText, lexicalDoc };
import { prepareArticle } from "./prepare.ts";
import { corpusFiles, readCorpus, type SourceArticle } from "./read.ts";

export interface BuildOptions {
  articlesDir: string;
  indexDir: string;
  embedder: EmbedderSpec;
  /** Rebuild even when the index is up to date. */
  force?: boolean;
  /**
   * What is checked of an index before it is called up to date: every file's size and checksum
   * (`checksum`, the default: as much reading as a start), only the sizes (`size`), or nothing
   * beyond its manifest (`none`: the server, whose `openIndex` checks every file as it loads).
   * A damaged index is rebuilt.
   */
  verify?: "checksum" | "size" | "none";
  log?: (line: string) => void;
  /** Called as chunks are embedded: how many so far, of how many. */
  onProgress?: (done: number, total: number) => void;
  /** The most chunks a vector segment holds (INDEX_SEGMENT_CHUNKS); SEGMENT_CHUNKS unless given. */
  segmentChunks?: number;
}

/** Chunks embedded per call: progress stays visible, and a remote embedder gets reasonable requests. */
const EMBED_BATCH = 256;

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
 * articles → clean → analyze → chunk → embed → index. Builds only when the index is missing,
 * stale (another embedder, other settings, changed articles) or damaged (see `verify`), unless
 * `force` is set.
 */
export async function buildIndex(options: BuildOptions): Promise<BuildSummary> {
  const log = options.log ?? (() => {});
  const started = performance.now();
  const seconds = () => Math.round((performance.now() - started) / 10) / 100;
  const pipeline = ANALYSIS_ID;
  const files = await corpusFiles(options.articlesDir).catch(() => undefined);
  let current: Manifest | undefined;
  let damage: DamagedIndexError | undefined;
  try {
    current = await readManifest(options.indexDir);
  } catch (err) {
    if (!(err instanceof DamagedIndexError)) throw err;
    damage = err;
  }
  // An index about to be called up to date is verified first, at most once a build.
  const intact = async () => {
    damage ??= await damageOf(options.indexDir, options.verify ?? "checksum");
    return damage === undefined;
  };
  if (
    !options.force &&
    !damage &&
    unchangedSince(current, files, embedderIdFor(options.embedder), pipeline) &&
    (await intact())
  ) {
    return {
      built: false,
      reason: "index is up to date",
      articles: current!.counts.articles,
      chunks: current!.counts.chunks,
      seconds: seconds(),
      problems: [],
    };
  }
  const corpus = await readCorpus(options.articlesDir);
  for (const p of corpus.problems) log(`warning: ${p}`);
  const expected = {
    embedderId: embedderIdFor(options.embedder),
    pipeline,
    chunking: DEFAULT_CHUNKING,
    articles: Object.fromEntries(corpus.articles.map((a) => [a.id, a.contentHash])),
  };
  const stale = damage?.reason ?? staleReason(current, expected);
  if (!stale && !options.force && (await intact())) {
    if (files) await refreshFiles(options.indexDir, files);
    return {
      built: false,
      reason: "index is up to date",
      articles: current!.counts.articles,
      chunks: current!.counts.chunks,
      seconds: seconds(),
      problems: corpus.problems,
    };
  }
  const reason = stale ?? damage?.reason ?? "rebuild requested";
  if (corpus.articles.length === 0) {
    throw new Error(`No articles in ${options.articlesDir}: add *.txt pages or *.jsonl exports (see README)`);
  }
  log(`building index in ${options.indexDir}: ${reason}`);

  const stage = stopwatch();
  const described = { pipeline, articles: expected.articles, ...(files && { files }) };
  const content = await embeddedGeneration(corpus.articles, options.embedder, described, options.onProgress, (line) =>
    log(`${line} in ${stage()} s`),
  );
  const { counts } = content.manifest;
  if (options.segmentChunks !== undefined) content.segmentChunks = options.segmentChunks;
  await writeGeneration(options.indexDir, content);
  log(`vector segments built and generation written in ${stage()} s`);
  return { built: true, reason, ...counts, seconds: seconds(), problems: corpus.problems };
}

/**
 * Everything a generation holds, from the articles as read. Its parts are held by the object
 * returned alone, not by the caller's locals, so that writeGeneration can let each go once it is
 * on disk (see there).
 */
async function embeddedGeneration(
  sources: SourceArticle[],
  spec: EmbedderSpec,
  described: Pick<Manifest, "pipeline" | "articles" | "files">,
  onProgress: BuildOptions["onProgress"],
  done: (line: string) => void,
): Promise<GenerationContent> {
  const embedded = await embedCorpus(sources, spec, onProgress);
  const { articles, chunks, vectors, embedder, tokens } = embedded;
  done(`embedded ${chunks.length} chunks of ${articles.length} articles`);
  const manifest: Manifest = {
    format: INDEX_FORMAT,
    createdAt: new Date().toISOString(),
    embedder: { id: embedder.id, dimensions: vectors[0]?.length ?? 0 },
    pipeline: described.pipeline,
    chunking: DEFAULT_CHUNKING,
    articles: described.articles,
    ...(described.files && { files: described.files }),
    counts: { articles: articles.length, chunks: chunks.length },
  };
  const lexical = Bm25Index.build(embedded.lexical);
  done("lexical index built");
  const associations = TermAssociations.learn(tokens.rows, (i) => tokens.terms(i, "body"));
  done(`term associations of ${associations.size} terms learned`);
  return { manifest, articles, chunks, vectors, lexical, tokens, embedder, associations };
}

/**
 * The stages every index shares, whatever stores it: clean and analyze the articles, chunk them,
 * fit the embedder to the corpus (the local one learns IDF) and embed every chunk. With the
 * local embedder and a large corpus, on worker threads (ingest/embed-parallel.ts).
 *
 * Takes `sources` over and empties the array once they are prepared: the cleaned articles are
 * what the rest of the build needs, and an archive's pages as read are as large again.
 */
export async function embedCorpus(
  sources: SourceArticle[],
  spec: EmbedderSpec,
  onProgress?: (done: number, total: number) => void,
): Promise<EmbeddedCorpus> {
  const workers = parallelWorkers(sources.length);
  if (spec.kind === "local" && workers > 1) return embedInParallel(sources, workers, onProgress);
  const articles = sources.map(prepareArticle);
  sources.length = 0;
  const { chunks, lexical, tokens, counts } = analyzeArticles(articles, spec.kind === "local");
  const embedder = counts ? LocalEmbeddings.fromCounts([counts]) : createEmbedder(spec, chunks.map(embeddingText));
  const vectors: number[][] = [];
  onProgress?.(0, chunks.length);
  for (let i = 0; i < chunks.length; i += EMBED_BATCH) {
    const batch = chunks.slice(i, i + EMBED_BATCH);
    // The local embedder reads the bodies' tokens from the analysis above; others read the text.
    vectors.push(
      ...(embedder instanceof LocalEmbeddings
        ? embedTokenised(embedder, batch, tokens, i)
        : await embedChunks(embedder, batch)),
    );
    onProgress?.(vectors.length, chunks.length);
  }
  return { articles, chunks, vectors, lexical, tokens, embedder };
}

/**
 * Whether the index is current without reading the articles: built by this code and embedder,
 * and not a file of ARTICLES_DIR changed (size and modification time) since. A start on an
 * unchanged archive then costs a directory listing, not reading and hashing every article.
 */
function unchangedSince(
  manifest: Manifest | undefined,
  files: Manifest["files"],
  embedderId: string,
  pipeline: string,
): boolean {
  if (!manifest?.files || !files) return false;
  if (staleReason(manifest, { embedderId, pipeline, chunking: DEFAULT_CHUNKING, articles: manifest.articles }))
    return false;
  const was = manifest.files;
  const names = Object.keys(files);
  return (
    names.length === Object.keys(was).length &&
    names.every(
      (n) => Object.hasOwn(was, n) && was[n]!.size === files[n]!.size && was[n]!.mtimeMs === files[n]!.mtimeMs,
    )
  );
}

/** The damage `verify` finds in the current generation, if any. */
async function damageOf(
  indexDir: string,
  verify: NonNullable<BuildOptions["verify"]>,
): Promise<DamagedIndexError | undefined> {
  if (verify === "none") return undefined;
  try {
    await verifyGeneration(indexDir, verify);
    return undefined;
  } catch (err) {
    if (err instanceof DamagedIndexError) return err;
    throw err;
  }
}

/**
 * The index is current and need not be built: what `buildIndex` would find without reading the
 * articles, nor checking the index's files beyond its manifest. Lets the server skip starting a
 * build at all on an unchanged archive. Throws `DamagedIndexError` when the manifest is damaged.
 */
export async function isIndexCurrent(
  options: Pick<BuildOptions, "articlesDir" | "indexDir" | "embedder">,
): Promise<boolean> {
  const files = await corpusFiles(options.articlesDir).catch(() => undefined);
  return unchangedSince(await readManifest(options.indexDir), files, embedderIdFor(options.embedder), ANALYSIS_ID);
}

/** Seconds since the last call (or since it was made), to two decimals. */
function stopwatch(): () => number {
  let last = performance.now();
  return () => {
    const now = performance.now();
    const seconds = Math.round((now - last) / 10) / 100;
    last = now;
    return seconds;
  };
}

import { Embeddings } from "@langchain/core/embeddings";
import { analyzeTokens, term, type AnalyzedToken } from "../persian/tokens.ts";

/**
 * Offline embeddings that need no downloaded weights: hashed features of the Persian analysis
 * (word stems, adjacent-stem pairs and character 3–4-grams of each stem), weighted by sub-linear
 * term frequency and corpus IDF, signed-hashed into a fixed number of dimensions and
 * L2-normalised, so cosine similarity is a soft, IDF-weighted lexical overlap.
 *
 * The character n-grams are what bridge the spellings a reader and a writer use for one word:
 * «دانش‌بنیان» / «دانش بنیان», «صادرات» / «صادراتی», «تاسیس» / «تأسیس». IDF is learned from the
 * corpus at ingest (`fit`) and kept with the index, so queries are weighted the same way.
 */
export interface LocalEmbeddingsOptions {
  dimensions: number;
  /** Weight of each feature kind: word stems, adjacent stem pairs, character n-grams. */
  weights: { word: number; pair: number; char: number };
  /** Character n-gram sizes taken from each stem (with word-boundary markers). */
  ngrams: number[];
}

/**
 * Chosen on the dev splits of `npm run eval`. 256 dimensions, not more: on both dev splits the
 * full pipeline scores the same with 256, 512 and 2048 (R@1 0.616/0.608/0.608 on ParsiNLU,
 * 0.940/0.940/0.937 on PQuAD; the dense ranking alone is weaker at 256, but it only ever votes
 * beside BM25), while vectors 8× smaller make an archive's index 8× smaller in memory and on
 * disk and HNSW inserts and searches several times faster.
 */
export const DEFAULT_LOCAL: LocalEmbeddingsOptions = {
  dimensions: 256,
  weights: { word: 1, pair: 0.5, char: 0.6 },
  ngrams: [3, 4],
};

export interface LocalEmbeddingsState {
  version: typeof VERSION;
  options: LocalEmbeddingsOptions;
  docCount: number;
  /** Document frequencies in IDF_BUCKETS hashed buckets, base64 of a Uint32Array. */
  df: string;
}

const VERSION = 1;

/** Document frequencies counted over some texts (see `LocalEmbeddings.count`). */
export interface FeatureCountsSummary {
  df: Uint32Array;
  docCount: number;
}
/** 2^18 buckets: few collisions among the vocabulary of a news archive, 1 MiB on disk. */
const IDF_BUCKETS = 1 << 18;

/**
 * Document frequencies counted one text at a time, as `LocalEmbeddings.count` counts them: ingest
 * counts each chunk as it is analyzed, rather than keeping every chunk's tokens until the end
 * (at 100k articles, gigabytes of token objects on each worker thread).
 */
export class DocumentFrequencies {
  private readonly df = new Uint32Array(IDF_BUCKETS);
  // Which buckets the current text has already counted: stamped with the text's number, so
  // nothing is cleared between texts.
  private readonly stamp = new Uint32Array(IDF_BUCKETS);
  private docCount = 0;
  private readonly sink = (_kind: number, h: number) => {
    const bucket = h % IDF_BUCKETS;
    if (this.stamp[bucket] === this.docCount) return;
    this.stamp[bucket] = this.docCount;
    this.df[bucket]!++;
  };

  constructor(private readonly options: LocalEmbeddingsOptions = DEFAULT_LOCAL) {}

  add(text: string | AnalyzedToken[]): void {
    this.docCount++;
    visitFeatures(typeof text === "string" ? analyzeTokens(text) : text, this.options.ngrams, undefined, this.sink);
  }

  summary(): FeatureCountsSummary {
    return { df: this.df, docCount: this.docCount };
  }
}

export class LocalEmbeddings extends Embeddings {
  readonly id: string;
  readonly dimensions: number;

  private constructor(
    private readonly options: LocalEmbeddingsOptions,
    private readonly df: Uint32Array,
    private readonly docCount: number,
  ) {
    super({});
    this.dimensions = options.dimensions;
    this.id = LocalEmbeddings.idFor(options);
  }

  static idFor(options: LocalEmbeddingsOptions = DEFAULT_LOCAL): string {
    const { word, pair, char } = options.weights;
    const tuned = options === DEFAULT_LOCAL ? "" : `-w${word}_${pair}_${char}-n${options.ngrams.join("")}`;
    return `local-hash-v${VERSION}-d${options.dimensions}${tuned}`;
  }

  /** Learns document frequencies from the texts that will be indexed. */
  static fit(texts: Iterable<string>, options: LocalEmbeddingsOptions = DEFAULT_LOCAL): LocalEmbeddings {
    return LocalEmbeddings.fromCounts([LocalEmbeddings.count(texts, options)], options);
  }

  /**
   * The document frequencies of some of the texts. Counted in parts (one per worker thread at
   * ingest) and summed by `fromCounts`, which gives the embedder `fit` gives over all of them.
   */
  static count(
    texts: Iterable<string | AnalyzedToken[]>,
    options: LocalEmbeddingsOptions = DEFAULT_LOCAL,
  ): FeatureCountsSummary {
    const counter = new DocumentFrequencies(options);
    for (const text of texts) counter.add(text);
    return counter.summary();
  }

  static fromCounts(parts: FeatureCountsSummary[], options: LocalEmbeddingsOptions = DEFAULT_LOCAL): LocalEmbeddings {
    const df = new Uint32Array(IDF_BUCKETS);
    let docCount = 0;
    for (const part of parts) {
      for (let i = 0; i < IDF_BUCKETS; i++) df[i]! += part.df[i]!;
      docCount += part.docCount;
    }
    return new LocalEmbeddings(options, df, docCount);
  }

  static fromState(state: LocalEmbeddingsState): LocalEmbeddings {
    if (state.version !== VERSION) throw new Error(`Local embedder state version ${state.version} is not ${VERSION}`);
    const bytes = Buffer.from(state.df, "base64");
    const df = new Uint32Array(bytes.buffer, bytes.byteOffset, bytes.byteLength / 4).slice();
    if (df.length !== IDF_BUCKETS) throw new Error("Local embedder state has the wrong number of IDF buckets");
    const same = JSON.stringify(state.options) === JSON.stringify(DEFAULT_LOCAL);
    return new LocalEmbeddings(same ? DEFAULT_LOCAL : state.options, df, state.docCount);
  }

  toState(): LocalEmbeddingsState {
    return {
      version: VERSION,
      options: this.options,
      docCount: this.docCount,
      df: Buffer.from(this.df.buffer).toString("base64"),
    };
  }

  /** Synchronous core of the embedder; the LangChain methods wrap it. */
  embed(text: string): number[] {
    return this.embedTokens(analyzeTokens(text));
  }

  /** `embed` of a text already analyzed (`analyzeTokens`): ingest analyses each chunk once. */
  embedTokens(tokens: AnalyzedToken[]): number[] {
    const vector = new Float64Array(this.dimensions);
    const counts = this.counter;
    counts.clear();
    visitFeatures(tokens, this.options.ngrams, (word) => this.df[word % IDF_BUCKETS]! > 0, counts.add);
    for (let kind = 0; kind < KINDS.length; kind++) {
      const kindWeight = this.options.weights[KINDS[kind]!];
      counts.forEach(kind, (h, count) => {
        const weight = (1 + Math.log(count)) * this.idf(h % IDF_BUCKETS) * kindWeight;
        // Signed hashing: colliding features cancel out on average instead of piling up.
        const sign = h & 0x80000000 ? -1 : 1;
        vector[h % this.dimensions]! += sign * weight;
      });
    }
    let norm = 0;
    for (const v of vector) norm += v * v;
    norm = Math.sqrt(norm);
    return Array.from(vector, (v) => (norm > 0 ? v / norm : 0));
  }

  /** Feature counts of the text being embedded, reused from one text to the next (embedding is synchronous). */
  private readonly counter = new FeatureCounter();

  private idf(bucket: number): number {
    const df = this.df[bucket] ?? 0;
    return Math.log(1 + (this.docCount - df + 0.5) / (df + 0.5));
  }

  override async embedDocuments(documents: string[]): Promise<number[][]> {
    return documents.map((d) => this.embed(d));
  }

  override async embedQuery(document: string): Promise<number[]> {
    return this.embed(document);
  }
}

type FeatureKind = keyof LocalEmbeddingsOptions["weights"];
/** The kinds in the order their features are summed (the sum's rounding depends on it). */
const KINDS: readonly FeatureKind[] = ["word", "pair", "char"];
const WORD = 0;
const PAIR = 1;
const CHAR = 2;

/**
 * The features of analyzed tokens, hashed, each given to `sink` with its kind (an index into
 * KINDS) once per occurrence. Prefixes keep the three kinds apart in the hash space.
 *
 * `isKnownWord` (given a word feature's hash) lets two adjacent words also count as the one word
 * they form when the corpus writes them together: a reader's «دانش بنیان» then has the feature
 * of the articles' «دانشبنیان». Only corpus words are added, so ordinary word pairs add no noise.
 * Without it (counting document frequencies at ingest), no joined words are tried.
 *
 * **NOTE:** a sink, not maps of counts: ingest visits the features of every chunk twice (document
 * frequencies, then vectors), and building three maps per chunk was most of the embedder's time.
 */
function visitFeatures(
  tokens: AnalyzedToken[],
  ngrams: number[],
  isKnownWord: ((wordHash: number) => boolean) | undefined,
  sink: (kind: number, h: number) => void,
): void {
  const terms = tokens.map((t) => t.term);
  // Parts of a split compound that the corpus knows only as one word are replaced by that word.
  const replaced = new Set<number>();
  if (isKnownWord) {
    for (let i = 0; i + 1 < tokens.length; i++) {
      const next = tokens[i]!.next;
      if (next === undefined || next !== tokens[i + 1]!.token || /^[0-9]/.test(terms[i]!)) continue;
      const joined = hash(`w${term(tokens[i]!.token + next)}`);
      if (!isKnownWord(joined)) continue;
      sink(WORD, joined);
      if (!isKnownWord(termFeatures(terms[i]!, ngrams).word)) replaced.add(i);
      if (!isKnownWord(termFeatures(terms[i + 1]!, ngrams).word)) replaced.add(i + 1);
    }
  }
  for (let i = 0; i < terms.length; i++) {
    const t = terms[i]!;
    const f = termFeatures(t, ngrams);
    if (!replaced.has(i)) sink(WORD, f.word);
    const next = terms[i + 1];
    if (next !== undefined) sink(PAIR, hashPair(t, next));
    for (const h of f.chars) sink(CHAR, h);
  }
}

/**
 * Counts of hashed features by kind, in the order first seen (the order `embed` sums them in):
 * open addressing over typed arrays, emptied in O(1) by moving to the next epoch.
 */
class FeatureCounter {
  private capacity = 4096;
  private keys = new Uint32Array(this.capacity * KINDS.length);
  private counts = new Uint32Array(this.capacity * KINDS.length);
  private epochs = new Uint32Array(this.capacity * KINDS.length);
  /** Per kind, slots in the order their features were first seen. */
  private order = KINDS.map(() => new Uint32Array(this.capacity));
  private sizes = KINDS.map(() => 0);
  private epoch = 1;

  clear(): void {
    this.sizes.fill(0);
    if (++this.epoch === 0xffffffff) {
      this.epochs.fill(0);
      this.epoch = 1;
    }
  }

  readonly add = (kind: number, h: number): void => {
    if (2 * this.sizes[kind]! >= this.capacity) this.grow();
    const mask = this.capacity - 1;
    const base = kind * this.capacity;
    for (let i = Math.imul(h, 0x9e3779b1) >>> 0; ; i++) {
      const slot = base + (i & mask);
      if (this.epochs[slot] !== this.epoch) {
        this.epochs[slot] = this.epoch;
        this.keys[slot] = h;
        this.counts[slot] = 1;
        this.order[kind]![this.sizes[kind]!++] = slot;
        return;
      }
      if (this.keys[slot] === h) {
        this.counts[slot]!++;
        return;
      }
    }
  };

  forEach(kind: number, visit: (h: number, count: number) => void): void {
    const order = this.order[kind]!;
    for (let j = 0; j < this.sizes[kind]!; j++) visit(this.keys[order[j]!]!, this.counts[order[j]!]!);
  }

  /** Twice the room, the features so far re-added in their order. */
  private grow(): void {
    const old = KINDS.map((_, kind) => {
      const entries: Array<[number, number]> = [];
      this.forEach(kind, (h, count) => entries.push([h, count]));
      return entries;
    });
    this.capacity *= 2;
    this.keys = new Uint32Array(this.capacity * KINDS.length);
    this.counts = new Uint32Array(this.capacity * KINDS.length);
    this.epochs = new Uint32Array(this.capacity * KINDS.length);
    this.order = KINDS.map(() => new Uint32Array(this.capacity));
    this.sizes.fill(0);
    this.epoch = 1;
    old.forEach((entries, kind) => {
      for (const [h, count] of entries) {
        this.add(kind, h);
        this.counts[this.order[kind]![this.sizes[kind]! - 1]!] = count;
      }
    });
  }
}

/**
 * A term's word feature and character n-grams (with word-boundary markers), hashed. Memoised:
 * an archive repeats a vocabulary of some hundred thousand terms millions of times, and
 * building and hashing n-gram strings was most of the embedder's time.
 */
function termFeatures(t: string, ngrams: number[]): { word: number; chars: number[] } {
  const key = ngrams.length === 2 && ngrams[0] === 3 && ngrams[1] === 4 ? t : `${ngrams.join(",")}\0${t}`;
  let f = TERM_FEATURES.get(key);
  if (!f) {
    const chars: number[] = [];
    if (!/^[0-9]/.test(t) && t.length >= 3) {
      const padded = `<${t}>`;
      for (const n of ngrams)
        for (let j = 0; j + n <= padded.length; j++) chars.push(hash(`c${padded.slice(j, j + n)}`));
    }
    f = { word: hash(`w${t}`), chars };
    if (TERM_FEATURES.size >= TERM_FEATURES_LIMIT) TERM_FEATURES.clear();
    TERM_FEATURES.set(key, f);
  }
  return f;
}
const TERM_FEATURES = new Map<string, { word: number; chars: number[] }>();
const TERM_FEATURES_LIMIT = 200_000;

/** FNV-1a over UTF-16 code units, finished with murmur3's fmix32 for better bit spread. */
function hash(s: string): number {
  return fmix(fnv(0x811c9dc5, s));
}

/** `hash(`p${a} ${b}`)` without building the string (every adjacent pair of every chunk). */
function hashPair(a: string, b: string): number {
  let h = Math.imul(0x811c9dc5 ^ 0x70 /* p */, 0x01000193);
  h = fnv(h, a);
  h = Math.imul(h ^ 0x20 /* space */, 0x01000193);
  return fmix(fnv(h, b));
}

function fnv(h: number, s: string): number {
  for (let i = 0; i < s.length; i++) {
    h ^= s.charCodeAt(i);
    h = Math.imul(h, 0x01000193);
  }
  return h;
}

function fmix(h: number): number {
  h ^= h >>> 16;
  h = Math.imul(h, 0x85ebca6b);
  h ^= h >>> 13;
  h = Math.imul(h, 0xc2b2ae35);
  h ^= h >>> 16;
  return h >>> 0;
}

import hnswlib from "hnswlib-node";

/**
 * The vectors of the embedded index as **segments**: bounded HNSW graphs, built independently
 * (in parallel, segment-build.ts), searched together and their top k merged (as Lucene, Qdrant
 * and Milvus keep theirs).
 *
 * Why: an HNSW graph of these vectors loses recall as it grows, and one graph is built on one
 * thread. The local embedder's hashed features have a high intrinsic dimension: recall@10
 * against exact search at ef 256 fell from 0.995 at 5k chunks to 0.80 at 49k and 0.66 at 487k.
 * Small segments keep it, at a price: each is searched in full, so a search costs about
 * (chunks / bound) × ef. At 487k chunks (100k articles), every segment searched one after
 * another on one thread (`bench/tools/hnsw-params.ts --segments`, docs/benchmarks.md "Segments"):
 *
 *   bound 5,000 (98 segments):    ef 32 0.886 · 28 ms,  ef 64 0.956 · 39 ms, ef 128 0.990
 *   bound 20,000 (25 segments):   ef 64 0.803 · 10 ms,  ef 128 0.871 · 17 ms, ef 256 0.923 · 29 ms
 *   bound 100,000 (5 segments):   ef 128 0.726 · 4.4 ms, ef 256 0.800 · 6.2 ms
 *   bound 250,000 (2 segments):   ef 128 0.656 · 1.7 ms, ef 256 0.723 · 2.2 ms
 *   one graph:                    ef 256 0.664 · 1.5 ms, ef 512 0.727 · 2.1 ms
 *
 * Recall ≥ 0.98 costs some 30 times the search, for an answer quality that does not change:
 * hybrid retrieval finds the answering article as often with exact vector search as with the
 * graph, because BM25F and re-scoring find what it misses. The default therefore keeps a
 * search as cheap as one graph's and gets the rest: segments of SEGMENT_CHUNKS, searched at
 * SEGMENT_EF, two at 100k articles, built on two cores and searched on two threads at once.
 * INDEX_SEGMENT_CHUNKS=5000 with VECTOR_SEARCH_EF=128 buys recall 0.99 where that is wanted.
 *
 * Labels stay global: chunk i of a generation has label i, in the segment whose span holds it.
 * Segments are contiguous spans of labels, built from the vectors in order, so a label's segment
 * is found by a binary search over the spans' first labels. A publication's chunks get the next
 * labels and go to an in-memory "open" segment, never into a built graph; when it reaches the
 * bound it is closed and the next starts. A deletion is a tombstone (hnswlib's `markDelete`),
 * skipped by searches; a segment a quarter tombstones is compacted in the background
 * (`compactInBackground`), and the next build drops them all.
 */

/** Chunks in one segment at most (INDEX_SEGMENT_CHUNKS); see above. */
export const SEGMENT_CHUNKS = 250_000;

/** ef of a search within one segment (VECTOR_SEARCH_EF); see above. */
export const SEGMENT_EF = 256;

/**
 * HNSW graph parameters. M = 16 links a node; efConstruction 100 (hnswlib's default is 200)
 * halves the build time, and a graph of SEGMENT_CHUNKS loses nothing by it.
 */
export const HNSW_PARAMS = { m: 16, efConstruction: 100, seed: 100 };

/** Labels `first` to `first + count - 1`. */
export interface SegmentSpan {
  first: number;
  count: number;
}

/** A segment written by a build: its span and its file beside the manifest. */
export interface SegmentRecord extends SegmentSpan {
  file: string;
}

/** What a vector search returns: labels, best first, and their cosine distances (lower is nearer). */
export interface Found {
  labels: number[];
  distances: number[];
}

/**
 * `total` labels cut into segments of at most `bound`, as even as possible: 10,001 chunks at
 * 5,000 make three segments of 3,334, 3,334 and 3,333, not two full ones and a runt.
 */
export function planSegments(total: number, bound: number): SegmentSpan[] {
  if (total === 0) return [];
  const count = Math.ceil(total / bound);
  const base = Math.floor(total / count);
  const larger = total % count;
  const spans: SegmentSpan[] = [];
  for (let i = 0, first = 0; i < count; i++) {
    const size = base + (i < larger ? 1 : 0);
    spans.push({ first, count: size });
    first += size;
  }
  return spans;
}

/** A new graph holding `rows` (row i under label `first + i`). */
export function buildGraph(rows: ArrayLike<number>[] | Float32Array, dimensions: number, first: number) {
  const count = rows instanceof Float32Array ? rows.length / dimensions : rows.length;
  const graph = new hnswlib.HierarchicalNSW("cosine", dimensions);
  graph.initIndex(Math.max(1, count), HNSW_PARAMS.m, HNSW_PARAMS.efConstruction, HNSW_PARAMS.seed);
  for (let i = 0; i < count; i++) {
    const row = rows instanceof Float32Array ? rows.subarray(i * dimensions, (i + 1) * dimensions) : rows[i]!;
    // **NOTE:** hnswlib aborts the process on a wrong-sized vector; refuse it with an error.
    if (row.length !== dimensions)
      throw new Error(`Vector ${first + i} has ${row.length} dimensions, not ${dimensions}`);
    // hnswlib-node takes plain arrays only.
    graph.addPoint(Array.isArray(row) ? row : Array.from(row), first + i);
  }
  return graph;
}

type Graph = InstanceType<typeof hnswlib.HierarchicalNSW>;

interface Segment {
  graph: Graph;
  first: number;
  /** Labels added (deleted ones included); the span is `first` to `first + added - 1`. */
  added: number;
  /** Labels added but not yet revealed: in the graph, marked deleted. */
  staged: Set<number>;
  /** Tombstones: deleted labels, marked deleted in the graph until a compaction leaves them out. */
  deleted: Set<number>;
  /** Opened live for publications (see `openSegmentStart`); a built segment is never written to. */
  open: boolean;
  /** The graph being rebuilt without the tombstones, and the next label to copy into it (`compactStep`). */
  compacting?: { graph: Graph; next: number };
}

const newSegment = (graph: Graph, first: number, added: number, open: boolean): Segment => ({
  graph,
  first,
  added,
  staged: new Set(),
  deleted: new Set(),
  open,
});

/** Labels a search can return from the segment. */
const live = (s: Segment) => s.added - s.staged.size - s.deleted.size;

/**
 * A segment is compacted once this share of its labels are tombstones (and at least
 * COMPACT_MIN_TOMBSTONES): replaced articles' old chunks, which searches walk past but skip.
 */
const COMPACT_SHARE = 0.25;
const COMPACT_MIN_TOMBSTONES = 64;
/** How long a compaction step holds its thread: a search that arrives meanwhile waits about this long. */
const COMPACT_STEP_MS = 5;

/**
 * Segments searched together: the whole index in process, or one search thread's share of it
 * (dense-worker.ts). Applies the live changes of `HnswlibCorpus.put` and `remove` to the
 * segments that hold their labels; a label it does not hold is some other share's, and ignored.
 */
export class SegmentSet {
  /** Sorted by first label. */
  private readonly segments: Segment[] = [];

  constructor(
    readonly dimensions: number,
    /** The most labels an open segment takes before the next one starts. */
    private readonly bound: number,
  ) {}

  /** Reads built segments from their files, in parallel (hnswlib reads on its own threads). */
  static async load(
    dimensions: number,
    bound: number,
    files: ReadonlyArray<SegmentSpan & { path: string }>,
  ): Promise<SegmentSet> {
    const set = new SegmentSet(dimensions, bound);
    const graphs = await Promise.all(
      files.map(async (f) => {
        const graph = new hnswlib.HierarchicalNSW("cosine", dimensions);
        await graph.readIndex(f.path);
        return newSegment(graph, f.first, f.count, false);
      }),
    );
    set.segments.push(...graphs);
    set.segments.sort((a, b) => a.first - b.first);
    return set;
  }

  /** Vectors in the graphs: live ones, staged ones, and tombstones not yet compacted away. */
  get stored(): number {
    return this.segments.reduce((n, s) => n + s.graph.getCurrentCount(), 0);
  }

  /** Every live vector held, by label (as hnswlib stores it: scaled to length 1). */
  *vectors(): Generator<[number, number[]]> {
    for (const s of this.segments)
      for (let label = s.first; label < s.first + s.added; label++)
        if (!s.staged.has(label) && !s.deleted.has(label)) yield [label, s.graph.getPoint(label)];
  }

  /** The k nearest live vectors over every segment, each searched at `ef`. */
  search(vector: readonly number[], k: number, ef: number): Found {
    // hnswlib-node takes a mutable array; it only reads it.
    const query = vector as number[];
    const labels: number[] = [];
    const distances: number[] = [];
    for (const s of this.segments) {
      const n = Math.min(k, live(s));
      if (n <= 0) continue;
      s.graph.setEf(Math.max(ef, n));
      const found = s.graph.searchKnn(query, n);
      labels.push(...found.neighbors);
      distances.push(...found.distances);
    }
    return topK(labels, distances, k);
  }

  /** Cosine similarity of `vector` with each of `labels` this set holds live; the others are left out. */
  score(vector: readonly number[], labels: readonly number[]): Found {
    const query = unit(vector);
    const held: number[] = [];
    const similarities: number[] = [];
    for (const label of labels) {
      const s = this.segmentOf(label);
      if (!s || s.staged.has(label) || s.deleted.has(label)) continue;
      held.push(label);
      similarities.push(dot(query, s.graph.getPoint(label)));
    }
    return { labels: held, distances: similarities.map((x) => 1 - x) };
  }

  /**
   * Adds vectors under new labels, hidden until `reveal`. Labels come in increasing order, past
   * every label held: they go to the open segment while it has room, then to a new one.
   */
  stage(vectors: ReadonlyArray<ArrayLike<number>>, labels: readonly number[]): void {
    vectors.forEach((vector, i) => {
      const label = labels[i]!;
      // **NOTE:** hnswlib aborts the process on a wrong-sized vector; refuse it with an error.
      if (vector.length !== this.dimensions)
        throw new Error(`Vector ${label} has ${vector.length} dimensions, not ${this.dimensions}`);
      const s = this.openSegmentFor(label);
      s.graph.addPoint(Array.isArray(vector) ? vector : Array.from(vector), label);
      s.graph.markDelete(label);
      s.staged.add(label);
      s.added = label - s.first + 1;
    });
  }

  /** Makes staged labels searchable. */
  reveal(labels: readonly number[]): void {
    for (const label of labels) {
      const s = this.segmentOf(label);
      if (!s?.staged.delete(label)) continue;
      s.graph.unmarkDelete(label);
      // Already copied into the compacted graph, staged as it was: revealed there too.
      if (s.compacting && label < s.compacting.next) s.compacting.graph.unmarkDelete(label);
    }
  }

  /** Tombstones: searches skip these labels from now on, and a compaction drops them. */
  delete(labels: readonly number[]): void {
    for (const label of labels) {
      const s = this.segmentOf(label);
      if (!s || s.deleted.has(label)) continue;
      if (!s.staged.has(label)) s.graph.markDelete(label);
      if (s.compacting && label < s.compacting.next && !s.staged.has(label)) s.compacting.graph.markDelete(label);
      s.staged.delete(label);
      s.deleted.add(label);
    }
  }

  /** A compaction is under way (`compactInBackground`). */
  private compactionRunning = false;
  private stopped = false;

  /** No compaction step runs after this one: the thread holding the set is stopping. */
  stopCompaction(): void {
    this.stopped = true;
  }

  /**
   * Compacts the segments worth it in the background (`compactStep`, COMPACT_STEP_MS at a time,
   * with the event loop given back between steps), unless that is already under way.
   */
  compactInBackground(): void {
    if (this.compactionRunning || this.stopped || !this.needsCompaction) return;
    this.compactionRunning = true;
    const step = () => {
      if (!this.stopped && this.compactStep(COMPACT_STEP_MS)) setImmediate(step);
      else this.compactionRunning = false;
    };
    setImmediate(step);
  }

  /** Whether a segment has enough tombstones to be compacted (`compactStep`). */
  get needsCompaction(): boolean {
    return this.segments.some((s) => s.compacting || worthCompacting(s));
  }

  /**
   * Rebuilds the first segment worth it without its tombstones, for about `budgetMs`, copying
   * its live vectors into a new graph while searches go on in the old one; a change to the
   * segment meanwhile is applied to both. When the copy is complete the new graph takes the
   * old one's place, in the same synchronous step. Returns whether work is left: the caller
   * runs the next step after giving other work (searches, changes) its turn.
   */
  compactStep(budgetMs: number): boolean {
    const s = this.segments.find((x) => x.compacting) ?? this.segments.find(worthCompacting);
    if (!s) return false;
    const capacity = Math.max(1, live(s) + s.staged.size);
    const job = (s.compacting ??= { graph: emptyGraph(this.dimensions, capacity), next: s.first });
    const started = performance.now();
    while (job.next < s.first + s.added && performance.now() - started < budgetMs) {
      const label = job.next++;
      if (s.deleted.has(label)) continue;
      // An open segment may grow while it is compacted.
      if (job.graph.getCurrentCount() >= job.graph.getMaxElements())
        job.graph.resizeIndex(grown(job.graph, this.bound));
      if (s.staged.has(label)) {
        // hnswlib gives no point of a label marked deleted: unmarked for the read, within this
        // synchronous step, so no search sees it.
        s.graph.unmarkDelete(label);
        const point = s.graph.getPoint(label);
        s.graph.markDelete(label);
        job.graph.addPoint(point, label);
        job.graph.markDelete(label);
      } else job.graph.addPoint(s.graph.getPoint(label), label);
    }
    if (job.next < s.first + s.added) return true;
    // Tombstones stay in `deleted` (a label is never reused), but are no longer in the graph.
    s.graph = job.graph;
    delete s.compacting;
    return this.needsCompaction;
  }

  /** The segment whose span holds `label`, if this set holds it. */
  private segmentOf(label: number): Segment | undefined {
    let lo = 0;
    let hi = this.segments.length - 1;
    while (lo <= hi) {
      const mid = (lo + hi) >> 1;
      const s = this.segments[mid]!;
      if (label < s.first) hi = mid - 1;
      else if (label >= s.first + s.added) lo = mid + 1;
      else return s;
    }
    return undefined;
  }

  /**
   * The segment a new label goes to: the last one, when it is an open segment with room for
   * this label (see `openSegmentStart`), else a new open segment.
   */
  private openSegmentFor(label: number): Segment {
    const last = this.segments[this.segments.length - 1];
    if (last?.open && openSegmentStart(last.first, label, this.bound) === last.first) {
      if (last.graph.getCurrentCount() >= last.graph.getMaxElements())
        last.graph.resizeIndex(grown(last.graph, this.bound));
      return last;
    }
    const s = newSegment(emptyGraph(this.dimensions, Math.min(this.bound, OPEN_CAPACITY)), label, 0, true);
    this.segments.push(s);
    return s;
  }
}

/**
 * Room an open segment starts with: hnswlib allocates a graph's whole capacity at once (some
 * 1.2 KB a vector at 256 dimensions), so a segment bound of 250,000 would cost 300 MB for one
 * publication. It doubles as it fills instead, up to the bound; a resize copies the graph, so
 * doubling keeps the copies to a few.
 */
const OPEN_CAPACITY = 1024;

function grown(graph: Graph, bound: number): number {
  return Math.max(graph.getCurrentCount() + 1, Math.min(bound, graph.getMaxElements() * 2));
}

function emptyGraph(dimensions: number, capacity: number): Graph {
  const graph = new hnswlib.HierarchicalNSW("cosine", dimensions);
  graph.initIndex(capacity, HNSW_PARAMS.m, HNSW_PARAMS.efConstruction, HNSW_PARAMS.seed);
  return graph;
}

/** Tombstones still in the graph: those deleted since it was built or last compacted. */
function worthCompacting(s: Segment): boolean {
  const inGraph = s.graph.getCurrentCount() - (s.added - s.deleted.size);
  return inGraph >= COMPACT_MIN_TOMBSTONES && inGraph >= COMPACT_SHARE * s.graph.getCurrentCount();
}

/**
 * The first label of the open segment a new `label` goes to, given the open segment starting at
 * `openFirst` (if any): that one while `label` is within `bound` of its start, a new segment at
 * `label` otherwise. New labels come in increasing order, so an open segment's are contiguous.
 */
export function openSegmentStart(openFirst: number | undefined, label: number, bound: number): number {
  return openFirst !== undefined && label >= openFirst && label - openFirst < bound ? openFirst : label;
}

/** The k smallest distances of the lists, with their labels, nearest first. */
export function topK(labels: readonly number[], distances: readonly number[], k: number): Found {
  const order = labels.map((_, i) => i).sort((a, b) => distances[a]! - distances[b]! || labels[a]! - labels[b]!);
  const kept = order.slice(0, k);
  return { labels: kept.map((i) => labels[i]!), distances: kept.map((i) => distances[i]!) };
}

/** The vector scaled to length 1, as hnswlib's cosine space stores every vector. */
export function unit(vector: readonly number[]): number[] {
  const norm = Math.sqrt(dot(vector, vector));
  return norm > 0 ? vector.map((x) => x / norm) : [...vector];
}

function dot(a: ArrayLike<number>, b: ArrayLike<number>): number {
  let sum = 0;
  for (let i = 0; i < a.length; i++) sum += a[i]! * b[i]!;
  return sum;
}

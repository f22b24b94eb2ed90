import { DenseThreads, type DenseChange } from "./dense-thread.ts";
import { SegmentSet, type Found, type SegmentSpan } from "./segments.ts";

/**
 * The vector side of the embedded index: its segments (segments.ts) searched on threads of their
 * own (dense-thread.ts), or in this thread's memory when there are none: a small archive, one
 * core, DENSE_SEARCH_THREAD=off, or threads that could not load.
 *
 * Either way the segments are in memory once. When the threads fail, this thread loads the
 * segments from their files and replays the live changes made since the index was opened (kept
 * for that in `changes`: a publication's vectors, small beside the archive's), so nothing a
 * reader could find is lost.
 */
export class DenseIndex {
  private readonly threads: DenseThreads | undefined;
  /** This thread's segments, once loaded: when there are no threads, or they failed. */
  private local: SegmentSet | undefined;
  private loading: Promise<SegmentSet> | undefined;
  /** Every live change since the index was opened, to replay into segments loaded later. */
  private readonly changes: DenseChange[] = [];

  constructor(
    private readonly files: ReadonlyArray<SegmentSpan & { path: string }>,
    readonly dimensions: number,
    private readonly bound: number,
    /** Search threads to start; 0 searches in this thread. */
    threads: number,
  ) {
    this.threads = threads > 0 && files.length > 0 ? DenseThreads.start(files, dimensions, bound, threads) : undefined;
    // Without threads, the segments are read at once rather than at the first question.
    if (!this.threads) void this.inProcess().catch(() => {});
  }

  /** Settles when searches go to the threads (true), or will not (false). */
  get loaded(): Promise<boolean> {
    return this.threads?.loaded ?? Promise.resolve(false);
  }

  get isThreaded(): boolean {
    return this.threads?.isReady ?? false;
  }

  /** The k nearest live vectors, each segment searched at `ef`. */
  async search(vector: readonly number[], k: number, ef: number): Promise<Found> {
    const threads = await this.readyThreads();
    if (threads) {
      const found = await threads.search(vector, k, ef).catch(() => undefined);
      if (found) return found;
    }
    return (await this.inProcess()).search(vector, k, ef);
  }

  /** Exact cosine distances of `vector` to those of `labels` that are live. */
  async score(vector: readonly number[], labels: readonly number[]): Promise<Found> {
    const threads = await this.readyThreads();
    if (threads) {
      const found = await threads.score(vector, labels).catch(() => undefined);
      if (found) return found;
    }
    return (await this.inProcess()).score(vector, labels);
  }

  /**
   * New vectors under new labels (increasing, past every label held), hidden from searches
   * until `reveal`. Throws, changing nothing, on a vector of the wrong size.
   */
  stage(vectors: ReadonlyArray<ArrayLike<number>>, labels: readonly number[]): void {
    vectors.forEach((v, i) => {
      // **NOTE:** hnswlib aborts the process on a wrong-sized vector: refused here, before any thread sees it.
      if (v.length !== this.dimensions)
        throw new Error(`The vector of label ${labels[i]} has ${v.length} dimensions, not ${this.dimensions}`);
    });
    this.apply({ type: "stage", vectors: vectors.map((v) => Float32Array.from(v)), labels: [...labels] });
  }

  reveal(labels: readonly number[]): void {
    if (labels.length > 0) this.apply({ type: "reveal", labels: [...labels] });
  }

  delete(labels: readonly number[]): void {
    if (labels.length > 0) this.apply({ type: "delete", labels: [...labels] });
  }

  /** Settles once the threads have applied every change sent before (at once without threads). */
  async caughtUp(): Promise<void> {
    await this.threads?.caughtUp();
  }

  async close(): Promise<void> {
    await this.threads?.close();
  }

  /** The threads, once loaded, while they serve; undefined when searches are this thread's. */
  private async readyThreads(): Promise<DenseThreads | undefined> {
    return this.threads && (await this.threads.loaded) && this.threads.isReady ? this.threads : undefined;
  }

  private apply(change: DenseChange): void {
    this.changes.push(change);
    if (this.local) applyTo(this.local, change);
    if (!this.threads) return;
    if (change.type === "stage") this.threads.stage(change.vectors, change.labels);
    else if (change.type === "reveal") this.threads.reveal(change.labels);
    else this.threads.delete(change.labels);
  }

  /** This thread's segments, read once, with every live change replayed. */
  private inProcess(): Promise<SegmentSet> {
    this.loading ??= SegmentSet.load(this.dimensions, this.bound, this.files).then((set) => {
      // No await from here on: a change made meanwhile is in `changes`, and later ones find `local`.
      for (const change of this.changes) applyTo(set, change);
      this.local = set;
      return set;
    });
    return this.loading;
  }
}

function applyTo(set: SegmentSet, change: DenseChange): void {
  if (change.type === "stage") set.stage(change.vectors, change.labels);
  else if (change.type === "reveal") set.reveal(change.labels);
  else {
    set.delete(change.labels);
    set.compactInBackground();
  }
}

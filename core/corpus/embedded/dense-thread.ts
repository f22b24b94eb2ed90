import { startWorker } from "../../worker.ts";
import { RequestThread } from "../../thread.ts";
import { openSegmentStart, topK, type Found, type SegmentSpan } from "./segments.ts";

/**
 * The vector segments (segments.ts) searched on threads of their own, one per core: each thread
 * holds a share of the segments (core/corpus/embedded/dense-worker.ts) and searches only those,
 * so a question's segment searches run side by side, and on other cores than the one that
 * parses requests, re-scores and answers. The main thread holds no graph: a segment is in the
 * memory of exactly one thread, and RSS does not grow with the number of threads.
 *
 * Live changes go to the thread that holds their labels: a publication's new labels to the
 * thread of the open segment (a new open segment to the thread holding the fewest labels);
 * tombstones and reveals to every thread, each applying those it holds.
 */
export class DenseThreads {
  private readonly threads: DenseThread[];
  /** Labels each thread holds, to give a new open segment to the least loaded one. */
  private readonly held: number[];
  private open: { first: number; thread: number } | undefined;
  /** Settles once every thread has loaded (true), or once one could not (false). */
  readonly loaded: Promise<boolean>;

  private constructor(
    shares: Array<Array<SegmentSpan & { path: string }>>,
    dimensions: number,
    private readonly bound: number,
  ) {
    this.threads = shares.map((files, i) =>
      DenseThread.start({ dimensions, bound, files }, `dense search thread ${i + 1} of ${shares.length}`),
    );
    this.held = shares.map((files) => files.reduce((n, f) => n + f.count, 0));
    this.loaded = Promise.all(this.threads.map((t) => t.loaded)).then((all) => all.every(Boolean));
  }

  /**
   * Threads for the segments in `files`, `count` of them (fewer when there are fewer segments),
   * each with about the same number of labels: the largest segments are handed out first, each
   * to the thread holding the fewest so far.
   */
  static start(
    files: ReadonlyArray<SegmentSpan & { path: string }>,
    dimensions: number,
    bound: number,
    count: number,
  ): DenseThreads {
    const shares: Array<Array<SegmentSpan & { path: string }>> = Array.from(
      { length: Math.max(1, Math.min(count, files.length)) },
      () => [],
    );
    const sizes = shares.map(() => 0);
    for (const f of [...files].sort((a, b) => b.count - a.count)) {
      const i = sizes.indexOf(Math.min(...sizes));
      shares[i]!.push(f);
      sizes[i]! += f.count;
    }
    return new DenseThreads(shares, dimensions, bound);
  }

  get isReady(): boolean {
    return this.threads.every((t) => t.isReady);
  }

  get count(): number {
    return this.threads.length;
  }

  /** The k nearest live vectors: every thread's own k nearest, merged. */
  async search(vector: readonly number[], k: number, ef: number): Promise<Found> {
    const query = Float64Array.from(vector);
    const found = await Promise.all(this.threads.map((t) => t.ask({ type: "knn", vector: query, k, ef })));
    return topK(
      found.flatMap((f) => f.labels),
      found.flatMap((f) => f.distances),
      k,
    );
  }

  /** Exact cosine distances of `vector` to those of `labels` that are live, from the threads holding them. */
  async score(vector: readonly number[], labels: readonly number[]): Promise<Found> {
    const query = Float64Array.from(vector);
    const found = await Promise.all(
      this.threads.map((t) => t.ask({ type: "score", vector: query, labels: [...labels] })),
    );
    return { labels: found.flatMap((f) => f.labels), distances: found.flatMap((f) => f.distances) };
  }

  /** New vectors under new labels, hidden until `reveal`, to the threads of their open segments. */
  stage(vectors: readonly ArrayLike<number>[], labels: readonly number[]): void {
    let from = 0;
    while (from < labels.length) {
      const start = openSegmentStart(this.open?.first, labels[from]!, this.bound);
      if (this.open?.first !== start) this.open = { first: start, thread: this.held.indexOf(Math.min(...this.held)) };
      // This open segment's share of the labels: up to its bound.
      let to = from + 1;
      while (to < labels.length && openSegmentStart(start, labels[to]!, this.bound) === start) to++;
      const thread = this.open.thread;
      this.threads[thread]!.change({
        type: "stage",
        vectors: vectors.slice(from, to).map((v) => Float32Array.from(v)),
        labels: labels.slice(from, to),
      });
      this.held[thread]! += to - from;
      from = to;
    }
  }

  reveal(labels: readonly number[]): void {
    if (labels.length > 0) for (const t of this.threads) t.change({ type: "reveal", labels: [...labels] });
  }

  delete(labels: readonly number[]): void {
    if (labels.length > 0) for (const t of this.threads) t.change({ type: "delete", labels: [...labels] });
  }

  /** Settles once every thread has applied every change sent before. */
  async caughtUp(): Promise<void> {
    await Promise.all(this.threads.map((t) => t.caughtUp()));
  }

  async close(): Promise<void> {
    await Promise.all(this.threads.map((t) => t.close()));
  }
}

/** One thread's side of `DenseThreads`. */
class DenseThread extends RequestThread<DenseSearch, DenseChange, Found> {
  static start(data: DenseWorkerData, name: string): DenseThread {
    return new DenseThread(startWorker(import.meta.url, "./dense-worker", data), name);
  }

  override ask(search: DenseSearch): Promise<Found> {
    return super.ask(search);
  }

  change(change: DenseChange): void {
    this.tell(change);
  }
}

export interface DenseWorkerData {
  dimensions: number;
  bound: number;
  files: Array<SegmentSpan & { path: string }>;
}

export type DenseSearch =
  | { type: "knn"; vector: Float64Array; k: number; ef: number }
  | { type: "score"; vector: Float64Array; labels: number[] };

export type DenseChange =
  | { type: "stage"; vectors: Float32Array[]; labels: number[] }
  | { type: "reveal"; labels: number[] }
  | { type: "delete"; labels: number[] };

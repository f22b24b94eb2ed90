import { startWorker } from "../../worker.ts";
import { IndexThread } from "./index-thread.ts";

/**
 * The HNSW graph searched on a thread of its own (core/corpus/embedded/dense-worker.ts), so that a
 * question's vector search runs on another core than its BM25 search: hnswlib's `searchKnn` is
 * synchronous and would otherwise add its time to every question's. The thread holds its own
 * copy of the graph, read from the generation's file (see `IndexThread`).
 */
export class DenseThread extends IndexThread<DenseSearch, DenseChange, Found> {
  /** Starts a thread on the graph saved in `file` (a generation's hnswlib.index). */
  static start(file: string, dimensions: number): DenseThread {
    return new DenseThread(
      startWorker(import.meta.url, "./dense-worker", { file, dimensions } satisfies DenseWorkerData),
      "the dense search thread",
    );
  }

  /** The labels of the `k` nearest live vectors and their cosine distances, as `searchKnn` gives them. */
  search(vector: readonly number[], k: number, ef: number): Promise<Found> {
    return this.ask({ vector: Float64Array.from(vector), k, ef } satisfies DenseSearch);
  }

  /**
   * The same vectors, under the same labels, as were staged in the main thread's graph: in the
   * graph, and marked deleted until `reveal` (see `HnswlibCorpus.put`). `capacity` is what the
   * whole update needs, so the graph grows once, not at every slice.
   */
  stage(vectors: readonly ArrayLike<number>[], labels: readonly number[], capacity: number): void {
    if (labels.length > 0)
      this.tell({ type: "stage", vectors: vectors.map((v) => Float64Array.from(v)), labels: [...labels], capacity });
  }

  /** Makes staged labels searchable, as they were in the main thread's graph. */
  reveal(labels: readonly number[]): void {
    if (labels.length > 0) this.tell({ type: "reveal", labels: [...labels] });
  }

  /** Marks labels deleted, as they were in the main thread's graph. */
  delete(labels: readonly number[]): void {
    if (labels.length > 0) this.tell({ type: "delete", labels: [...labels] });
  }
}

export interface Found {
  labels: number[];
  distances: number[];
}

export interface DenseWorkerData {
  file: string;
  dimensions: number;
}

export interface DenseSearch {
  vector: Float64Array;
  k: number;
  ef: number;
}

export type DenseChange =
  | { type: "stage"; vectors: Float64Array[]; labels: number[]; capacity: number }
  | { type: "reveal"; labels: number[] }
  | { type: "delete"; labels: number[] };

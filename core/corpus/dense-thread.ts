import type { Worker } from "node:worker_threads";
import { startWorker } from "../worker.ts";

/**
 * The HNSW graph searched on a thread of its own (core/corpus/dense-worker.ts), so that a
 * question's vector search runs on one core while its BM25 search runs on the other: hnswlib's
 * `searchKnn` is synchronous and would otherwise add its time to every question's. The thread
 * holds its own copy of the graph, read from the generation's file and kept equal to the main
 * thread's by the same additions and deletions, sent in order: a search sent after a change
 * sees it.
 *
 * Until the thread has read the graph (or if it fails), `ready` is false and callers search
 * the main thread's graph as before.
 */
export class DenseThread {
  private ready = false;
  private closed = false;
  private nextId = 0;
  private readonly pending = new Map<number, { resolve: (found: Found) => void; reject: (err: Error) => void }>();
  /** Settles once the thread has read the graph: true, or false if it could not. */
  readonly loaded: Promise<boolean>;

  private constructor(private readonly worker: Worker) {
    let settle!: (ok: boolean) => void;
    this.loaded = new Promise((resolve) => (settle = resolve));
    worker.on("message", (m: Reply) => {
      if (m.type === "ready") {
        this.ready = true;
        settle(true);
        this.holdOpen();
      } else if (m.type === "failed") {
        this.stop(new Error(`the dense search thread could not read the graph: ${m.error}`));
        settle(false);
      } else {
        const waiting = this.pending.get(m.id);
        this.pending.delete(m.id);
        if (m.type === "found") waiting?.resolve({ labels: m.labels, distances: m.distances });
        else waiting?.reject(new Error(m.error));
        this.holdOpen();
      }
    });
    const gone = (err: Error) => {
      this.stop(err);
      settle(false);
    };
    worker.once("error", gone);
    worker.once("exit", (code) => gone(new Error(`the dense search thread stopped (exit code ${code})`)));
  }

  /**
   * The thread keeps the process alive only while something waits on it (the graph being read,
   * a search): an idle search thread must not keep a process open that has nothing else to do.
   */
  private holdOpen(): void {
    if (this.pending.size > 0 || (!this.ready && !this.closed)) this.worker.ref();
    else this.worker.unref();
  }

  /** Starts a thread on the graph saved in `file` (a generation's hnswlib.index). */
  static start(file: string, dimensions: number): DenseThread {
    return new DenseThread(startWorker(import.meta.url, "./dense-worker", { file, dimensions } satisfies DenseWorkerData));
  }

  /** Whether searches can go to the thread now. */
  get isReady(): boolean {
    return this.ready && !this.closed;
  }

  /** The labels of the `k` nearest live vectors and their cosine distances, as `searchKnn` gives them. */
  search(vector: readonly number[], k: number, ef: number): Promise<Found> {
    const id = this.nextId++;
    return new Promise<Found>((resolve, reject) => {
      this.pending.set(id, { resolve, reject });
      this.holdOpen();
      this.send({ type: "search", id, vector: Float64Array.from(vector), k, ef });
    });
  }

  /** The same vectors, under the same labels, as were added to the main thread's graph. */
  add(vectors: readonly (readonly number[])[], labels: readonly number[]): void {
    this.send({ type: "add", vectors: vectors.map((v) => Float64Array.from(v)), labels: [...labels] });
  }

  /** Marks labels deleted, as they were in the main thread's graph. */
  delete(labels: readonly number[]): void {
    if (labels.length > 0) this.send({ type: "delete", labels: [...labels] });
  }

  async close(): Promise<void> {
    this.stop(new Error("the dense search thread was closed"));
    await this.worker.terminate();
  }

  private send(message: Request): void {
    if (!this.closed) return this.worker.postMessage(message);
    // A stopped thread takes no changes (searches no longer go to it); a search sent anyway fails at once.
    if (message.type !== "search") return;
    const waiting = this.pending.get(message.id);
    this.pending.delete(message.id);
    waiting?.reject(new Error("the dense search thread is not running"));
  }

  /** No more searches go to the thread; those waiting fail (and their callers search in process). */
  private stop(err: Error): void {
    this.closed = true;
    this.ready = false;
    for (const { reject } of this.pending.values()) reject(err);
    this.pending.clear();
    this.holdOpen();
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

/** Main thread → dense-worker, handled in the order sent. */
export type Request =
  | { type: "search"; id: number; vector: Float64Array; k: number; ef: number }
  | { type: "add"; vectors: Float64Array[]; labels: number[] }
  | { type: "delete"; labels: number[] };

/** dense-worker → main thread. */
export type Reply =
  | { type: "ready" }
  | { type: "failed"; error: string }
  | { type: "found"; id: number; labels: number[]; distances: number[] }
  | { type: "error"; id: number; error: string };

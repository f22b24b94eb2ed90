import { availableParallelism } from "node:os";
import path from "node:path";
import type { Worker } from "node:worker_threads";
import { startWorker } from "../../worker.ts";
import type { VectorRows } from "../corpus.ts";
import { buildGraph, planSegments, type SegmentRecord } from "./segments.ts";

/**
 * Builds a generation's vector segments (segments.ts) and writes each to its own file in `dir`:
 * `segment-0000.hnsw`, …, chunk i under label i. HNSW insertion is most of a large build's
 * time and runs on the calling thread, so the segments are built side by side on worker threads
 * (segment-build-worker.ts), one per core; one segment is built here, without starting any.
 */
export async function buildSegments(
  dir: string,
  vectors: VectorRows,
  dimensions: number,
  bound: number,
  threads = availableParallelism(),
): Promise<SegmentRecord[]> {
  const plan = planSegments(vectors.length, bound);
  const records: SegmentRecord[] = plan.map((span, i) => ({
    ...span,
    file: `segment-${String(i).padStart(4, "0")}.hnsw`,
  }));
  const workers = Math.min(threads, records.length);
  if (workers <= 1) {
    for (const r of records) {
      const graph = buildGraph(vectors.slice(r.first, r.first + r.count) as ArrayLike<number>[], dimensions, r.first);
      await graph.writeIndex(path.join(dir, r.file));
    }
    return records;
  }
  const queue = [...records];
  const pool = Array.from({ length: workers }, () =>
    startWorker(import.meta.url, "./segment-build-worker", { dimensions }),
  );
  try {
    await Promise.all(
      pool.map(async (worker) => {
        for (let r = queue.shift(); r; r = queue.shift()) {
          // One Float32Array a segment, moved to the worker, not copied: 5,000 × 256 floats is 5 MB.
          const rows = new Float32Array(r.count * dimensions);
          for (let i = 0; i < r.count; i++) {
            const vector = vectors[r.first + i]!;
            // Packed, a wrong-sized vector would shift its neighbours instead of failing buildGraph's check.
            if (vector.length !== dimensions)
              throw new Error(`Vector ${r.first + i} has ${vector.length} dimensions, not ${dimensions}`);
            rows.set(vector, i * dimensions);
          }
          await built(worker, { file: path.join(dir, r.file), first: r.first, rows }, [rows.buffer]);
        }
      }),
    );
  } finally {
    await Promise.all(pool.map((w) => w.terminate()));
  }
  return records;
}

export interface SegmentJob {
  file: string;
  first: number;
  rows: Float32Array;
}

function built(worker: Worker, job: SegmentJob, transfer: ArrayBuffer[]): Promise<void> {
  return new Promise((resolve, reject) => {
    const done = (m: { error?: string }) => {
      worker.off("error", failed);
      if (m.error) reject(new Error(`Building vector segment ${path.basename(job.file)}: ${m.error}`));
      else resolve();
    };
    const failed = (err: Error) => {
      worker.off("message", done);
      reject(err);
    };
    worker.once("message", done);
    worker.once("error", failed);
    worker.postMessage(job, transfer);
  });
}

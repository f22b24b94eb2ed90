import { parentPort, workerData } from "node:worker_threads";
import type { SegmentJob } from "./segment-build.ts";
import { buildGraph } from "./segments.ts";

/** The thread behind core/corpus/embedded/segment-build.ts: builds one segment a message and writes its file. */
const { dimensions } = workerData as { dimensions: number };

parentPort!.on("message", (job: SegmentJob) => {
  void (async () => {
    try {
      const graph = buildGraph(job.rows, dimensions, job.first);
      await graph.writeIndex(job.file);
      parentPort!.postMessage({});
    } catch (err) {
      parentPort!.postMessage({ error: err instanceof Error ? err.message : String(err) });
    }
  })();
});

import { workerData } from "node:worker_threads";
import type { DenseChange, DenseSearch, DenseWorkerData } from "./dense-thread.ts";
import { serveThread } from "../../thread.ts";
import { SegmentSet, type Found } from "./segments.ts";

/** The thread behind core/corpus/embedded/dense-thread.ts: its share of a generation's vector segments. */
const { dimensions, bound, files } = workerData as DenseWorkerData;

serveThread<DenseSearch, DenseChange, Found>(async () => {
  const segments = await SegmentSet.load(dimensions, bound, files);
  return {
    search(m) {
      return m.type === "knn"
        ? segments.search(Array.from(m.vector), m.k, m.ef)
        : segments.score(Array.from(m.vector), m.labels);
    },
    change(m) {
      if (m.type === "stage") segments.stage(m.vectors, m.labels);
      else if (m.type === "reveal") segments.reveal(m.labels);
      else {
        segments.delete(m.labels);
        segments.compactInBackground();
      }
    },
    stop() {
      segments.stopCompaction();
    },
  };
});

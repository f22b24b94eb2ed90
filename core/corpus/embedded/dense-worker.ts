import { workerData } from "node:worker_threads";
import hnswlib from "hnswlib-node";
import type { DenseChange, DenseSearch, DenseWorkerData, Found } from "./dense-thread.ts";
import { serveIndexThread } from "./index-thread.ts";

/** The thread behind core/corpus/embedded/dense-thread.ts: a generation's HNSW graph, read from its file. */
const { file, dimensions } = workerData as DenseWorkerData;

serveIndexThread<DenseSearch, DenseChange, Found>(async () => {
  const graph = new hnswlib.HierarchicalNSW("cosine", dimensions);
  await graph.readIndex(file);
  return {
    search(m) {
      graph.setEf(m.ef);
      // As LangChain's HNSWLib.similaritySearchVectorWithScore does: no more than the graph holds.
      const k = Math.min(m.k, graph.getCurrentCount());
      const found = k > 0 ? graph.searchKnn(Array.from(m.vector), k) : { neighbors: [], distances: [] };
      return { labels: found.neighbors, distances: found.distances };
    },
    change(m) {
      if (m.type === "stage") {
        if (m.capacity > graph.getMaxElements()) graph.resizeIndex(m.capacity);
        m.vectors.forEach((v, i) => {
          graph.addPoint(Array.from(v), m.labels[i]!);
          graph.markDelete(m.labels[i]!);
        });
      } else if (m.type === "reveal") {
        for (const label of m.labels) graph.unmarkDelete(label);
      } else {
        for (const label of m.labels) graph.markDelete(label);
      }
    },
  };
});

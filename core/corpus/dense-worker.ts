import { parentPort, workerData } from "node:worker_threads";
import hnswlib from "hnswlib-node";
import type { DenseWorkerData, Reply, Request } from "./dense-thread.ts";

/**
 * The thread behind core/corpus/dense-thread.ts: reads a generation's HNSW graph, then answers
 * searches and applies additions and deletions in the order they arrive. Messages that come
 * while the graph is being read wait for it, in order.
 */
const { file, dimensions } = workerData as DenseWorkerData;
const port = parentPort!;
const graph = new hnswlib.HierarchicalNSW("cosine", dimensions);
const waiting: Request[] = [];
let loaded = false;

port.on("message", (m: Request) => {
  if (loaded) handle(m);
  else waiting.push(m);
});

graph.readIndex(file).then(
  () => {
    loaded = true;
    for (const m of waiting.splice(0)) handle(m);
    reply({ type: "ready" });
  },
  (err: unknown) => {
    reply({ type: "failed", error: err instanceof Error ? err.message : String(err) });
    port.close();
  },
);

function handle(m: Request): void {
  try {
    if (m.type === "search") {
      graph.setEf(m.ef);
      // As LangChain's HNSWLib.similaritySearchVectorWithScore does: no more than the graph holds.
      const k = Math.min(m.k, graph.getCurrentCount());
      const found = k > 0 ? graph.searchKnn(Array.from(m.vector), k) : { neighbors: [], distances: [] };
      reply({ type: "found", id: m.id, labels: found.neighbors, distances: found.distances });
    } else if (m.type === "add") {
      const needed = Math.max(...m.labels) + 1;
      if (needed > graph.getMaxElements()) graph.resizeIndex(needed);
      m.vectors.forEach((v, i) => graph.addPoint(Array.from(v), m.labels[i]!));
    } else {
      for (const label of m.labels) graph.markDelete(label);
    }
  } catch (err) {
    // A failed change leaves this graph unlike the main thread's: stop, and the main thread searches its own.
    if (m.type !== "search") throw err;
    reply({ type: "error", id: m.id, error: err instanceof Error ? err.message : String(err) });
  }
}

function reply(m: Reply): void {
  port.postMessage(m);
}

import { workerData } from "node:worker_threads";
import { Bm25Index } from "../bm25.ts";
import { serveThread } from "../../thread.ts";
import type { LexicalChange, LexicalFound, LexicalSearch, LexicalWorkerData } from "./lexical-thread.ts";

/** The thread behind core/corpus/embedded/lexical-thread.ts: BM25F over the main thread's lexical.bin bytes. */
const { bytes } = workerData as LexicalWorkerData;

serveThread<LexicalSearch, LexicalChange, LexicalFound>(async () => {
  const index = Bm25Index.fromBinary(Buffer.from(bytes));
  return {
    search(m) {
      const hits = index.search(m.query, m.k, m.within);
      return { ids: hits.map((h) => h.id), scores: hits.map((h) => h.score) };
    },
    change(m) {
      if (m.type === "stage") index.stage(m.docs);
      else if (m.type === "reveal") index.reveal();
      else if (m.type === "discard") index.discard();
      else index.remove(m.ids);
    },
  };
});

import type { LexicalDoc } from "../bm25.ts";
import { startWorker } from "../../worker.ts";
import type { LexicalQuery } from "../corpus.ts";
import { RequestThread } from "../../thread.ts";

/**
 * BM25F searched on a thread of its own (core/corpus/embedded/lexical-worker.ts). On an archive a BM25
 * search over common words reads tens of thousands of postings: on the thread that also parses
 * requests, re-scores candidates and writes answers it was a quarter of every question's time
 * there, while the other core waited. The thread opens its own index on the very bytes the main
 * thread read (`LoadedIndex.lexicalBytes`, shared memory): the postings are not copied, only the
 * ids and the vocabulary are decoded once more. Live changes are sent in order (see `RequestThread`).
 */
export class LexicalThread extends RequestThread<LexicalSearch, LexicalChange, LexicalFound> {
  static start(bytes: SharedArrayBuffer): LexicalThread {
    return new LexicalThread(
      startWorker(import.meta.url, "./lexical-worker", { bytes } satisfies LexicalWorkerData),
      "the lexical search thread",
    );
  }

  /** `Bm25Index.search` on the thread's copy: the same hits, as ids and scores. */
  search(query: LexicalQuery, k: number, within?: readonly string[]): Promise<LexicalFound> {
    return this.ask({ query, k, ...(within && { within }) });
  }

  /** `Bm25Index.stage`, `reveal` and `discard` on the thread's copy, as on the main thread's. */
  stage(docs: readonly LexicalDoc[]): void {
    if (docs.length > 0) this.tell({ type: "stage", docs });
  }

  reveal(): void {
    this.tell({ type: "reveal" });
  }

  discard(): void {
    this.tell({ type: "discard" });
  }

  remove(ids: readonly string[]): void {
    if (ids.length > 0) this.tell({ type: "remove", ids });
  }
}

export interface LexicalWorkerData {
  bytes: SharedArrayBuffer;
}

export interface LexicalSearch {
  query: LexicalQuery;
  k: number;
  within?: readonly string[];
}

export interface LexicalFound {
  ids: string[];
  scores: number[];
}

/** Sent as they are: postMessage copies them. */
export type LexicalChange =
  | { type: "stage"; docs: readonly LexicalDoc[] }
  | { type: "reveal" }
  | { type: "discard" }
  | { type: "remove"; ids: readonly string[] };

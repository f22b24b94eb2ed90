import type { Worker } from "node:worker_threads";
import type { Article, Chunk } from "../core/article.ts";
import type { VectorRows } from "../core/corpus/corpus.ts";
import { LocalEmbeddings, type Embedder } from "../core/embeddings/index.ts";
import type { LexicalDoc } from "../core/corpus/bm25.ts";
import { startWorker } from "../core/worker.ts";
import { embedChunks } from "./analyze.ts";
import { ask, unpackChunks, unpackLexical } from "./embed-parallel.ts";
import type { SourceArticle } from "./read.ts";

/** Articles made ready to index while the server runs: everything `Corpus.put` takes but the sources. */
export interface PreparedArticles {
  articles: Article[];
  chunks: Chunk[];
  vectors: VectorRows;
  lexical: LexicalDoc[];
}

/**
 * A live publication's CPU work, away from the server's event loop: cleaning, chunking and
 * Persian analysis of the articles, and with the local embedder their embedding, run on a
 * worker thread (ingest/embed-worker.ts, the one a parallel ingest uses), with the index's own
 * embedder (its learned IDF is sent along). Any other embedder is a remote model: embedding is
 * then network I/O, done here.
 *
 * The results are the ones the single-threaded pipeline gives (`analyzeArticles`,
 * `embedTokenised`), handed over as ingest's workers hand theirs: chunks as spans of their
 * article's text, terms as ids into one vocabulary, vectors as one transferred Float32Array.
 *
 * One worker, started on the first publication and kept while publications come, so a CMS
 * publishing one article at a time does not start a thread for each; it ends after IDLE_MS
 * without work, and never holds the process open while idle.
 */
export class PreparationThread {
  private worker: Worker | undefined;
  private idleTimer: NodeJS.Timeout | undefined;
  /** One request at a time: a worker's reply answers the request before it. */
  private queue: Promise<unknown> = Promise.resolve();

  prepare(sources: SourceArticle[], embedder: Embedder): Promise<PreparedArticles> {
    const next = this.queue.then(() => this.run(sources, embedder));
    this.queue = next.catch(() => {});
    return next;
  }

  /** Ends the worker now, if there is one. */
  async close(): Promise<void> {
    clearTimeout(this.idleTimer);
    const worker = this.worker;
    this.worker = undefined;
    await worker?.terminate();
  }

  private async run(sources: SourceArticle[], embedder: Embedder): Promise<PreparedArticles> {
    clearTimeout(this.idleTimer);
    const worker = (this.worker ??= startWorker(import.meta.url, "./embed-worker", undefined));
    worker.ref();
    let reply;
    try {
      const local = embedder instanceof LocalEmbeddings;
      reply = await ask(
        worker,
        { type: "publication", sources, ...(local && { embedder: embedder.toState() }) },
        "publication",
      );
    } catch (err) {
      // A worker that failed (rather than refused the articles) is not trusted with the next publication.
      if (!(err instanceof Error && err.message.startsWith("ingest worker: "))) await this.close();
      throw err;
    } finally {
      if (this.worker === worker) {
        worker.unref();
        this.idleTimer = setTimeout(() => void this.close(), IDLE_MS).unref();
      }
    }
    const { articles } = reply;
    const chunks = unpackChunks(reply.chunks, articles);
    // A large article's chunks hold millions of terms: made into strings a slice at a time.
    const lexical: LexicalDoc[] = [];
    for (let i = 0; i < chunks.length; i += UNPACK_SLICE) {
      if (i > 0) await new Promise(setImmediate);
      lexical.push(...unpackLexical(reply.lexical, chunks, i, i + UNPACK_SLICE));
    }
    let vectors: VectorRows;
    if (reply.vectors) {
      const flat = reply.vectors;
      const d = flat.length / Math.max(1, chunks.length);
      vectors = Array.from({ length: chunks.length }, (_, i) => flat.subarray(i * d, (i + 1) * d));
    } else {
      vectors = chunks.length > 0 ? await embedChunks(embedder, chunks) : [];
    }
    return { articles, chunks, vectors, lexical };
  }
}

/** Chunks' lexical documents unpacked between two turns of the event loop: a few milliseconds' worth. */
const UNPACK_SLICE = 1000;

/** A publication or two a minute keep the worker; a quiet site gives its memory back. */
const IDLE_MS = 60_000;

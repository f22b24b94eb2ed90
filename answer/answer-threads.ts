import { startWorker } from "../core/worker.ts";
import type { TermWeights } from "../core/corpus/bm25.ts";
import { RequestThread } from "../core/thread.ts";
import { normalizeForMatch } from "../core/persian/normalize.ts";
import { rewritePhrases } from "../core/persian/synonyms.ts";
import { analyzeTokens } from "../core/persian/tokens.ts";
import type { ExtractiveAnswerer } from "./extractive.ts";
import { questionContent } from "./question.ts";
import { streamWhole, type Answer, type AnswerEvent, type AnswerRequest, type Answerer } from "./types.ts";

/**
 * The extractive answerer on threads of its own (answer-worker.ts), `WORKERS` of them: writing an
 * answer (reading every sentence of eight passages, spans, the learned reader, confidence) was
 * 40% of the main thread's time under chat load, and the main thread is the one that also
 * parses every request. Each thread holds its own answerer, loaded from the same weights, and
 * answers one request at a time; a request goes to the thread with the fewest waiting.
 *
 * What stays on the main thread, and so stays correct whatever the number of threads: the
 * answer cache and the sharing of answers being written (reuse.ts), rate limits, retrieval and
 * the corpus. A thread is given everything an answer reads (`portable`) and returns the answer.
 *
 * A thread that fails to start or stops is dropped, and its requests are answered on the main
 * thread by the same answerer: the reader sees the same answer, later.
 */
export class AnswerThreads implements Answerer {
  readonly mode = "extractive" as const;
  readonly id: string;
  private readonly threads: AnswerThread[];

  private constructor(
    private readonly local: ExtractiveAnswerer,
    count: number,
    setup: AnswerWorkerData,
  ) {
    this.id = local.id;
    this.threads = Array.from({ length: count }, () => AnswerThread.start(setup));
  }

  /**
   * `count` threads beside `local`, which answers meanwhile and when they fail. `setup` names the
   * weights the threads load: those `local` was made with.
   */
  static start(local: ExtractiveAnswerer, count: number, setup: AnswerWorkerData): AnswerThreads {
    return new AnswerThreads(local, count, setup);
  }

  /** How many threads answer now (fewer than started when some failed). */
  get running(): number {
    return this.threads.filter((t) => t.isReady).length;
  }

  /** Settles once every thread has started (or failed to). */
  async started(): Promise<number> {
    await Promise.all(this.threads.map((t) => t.loaded));
    return this.running;
  }

  async answer(request: AnswerRequest): Promise<Answer> {
    const thread = this.idlest();
    if (!thread) return this.local.answer(request);
    try {
      return await thread.answer(portable(request));
    } catch (err) {
      // The thread stopped (it is dropped), or the answer failed there: the main thread answers.
      if (thread.isReady) throw err;
      return this.local.answer(request);
    }
  }

  async *stream(request: AnswerRequest): AsyncIterable<AnswerEvent> {
    yield* streamWhole(await this.answer(request));
  }

  async close(): Promise<void> {
    await Promise.all(this.threads.map((t) => t.close()));
  }

  private idlest(): AnswerThread | undefined {
    let best: AnswerThread | undefined;
    for (const t of this.threads) if (t.isReady && (!best || t.waiting < best.waiting)) best = t;
    return best;
  }
}

/** Which weights a thread's answerer loads: the files, or the rules / dev-fitted weights. */
export interface AnswerWorkerData {
  /** The span reader's weights file (undefined: the shipped one), or null for the rules alone. */
  readerWeights: string | null | undefined;
  /** The confidence weights themselves (a few numbers, whatever file or default they came from). */
  confidenceWeights: readonly number[];
}

/**
 * An `AnswerRequest` as it can cross to a thread: without the abort signal (an extractive answer
 * takes milliseconds and calls nothing), and with the rarity of exactly the terms the answerer
 * weighs (`weighTerms` in match.ts: the question's content and the conversation's words, read
 * as written) instead of the corpus's lookup function.
 */
export type PortableRequest = Omit<AnswerRequest, "terms" | "signal"> & { idf: Map<string, number> };

export function portable(request: AnswerRequest): PortableRequest {
  const { signal: _signal, terms, ...rest } = request;
  return { ...rest, idf: weighedTerms(request, terms) };
}

/** The other way, on the thread: terms not looked up are the question's rarest possible. */
export function fromPortable(request: PortableRequest): AnswerRequest {
  const { idf, ...rest } = request;
  const unknown = Math.max(0, ...idf.values());
  return { ...rest, terms: { idf: (term) => idf.get(term) ?? unknown } };
}

function weighedTerms(request: AnswerRequest, terms: TermWeights): Map<string, number> {
  const idf = new Map<string, number>();
  // The analysis weighTerms makes of them, phrases rewritten (the answerer weighs with synonyms).
  for (const text of [questionContent(request.question), request.context ?? ""])
    for (const t of analyzeTokens(rewritePhrases(normalizeForMatch(text))))
      if (!idf.has(t.term)) idf.set(t.term, terms.idf(t.term));
  return idf;
}

class AnswerThread extends RequestThread<PortableRequest, never, Answer> {
  /** Requests sent and not yet answered. */
  waiting = 0;

  static start(setup: AnswerWorkerData): AnswerThread {
    return new AnswerThread(startWorker(import.meta.url, "./answer-worker", setup), "an answer thread");
  }

  async answer(request: PortableRequest): Promise<Answer> {
    this.waiting++;
    try {
      return await this.ask(request);
    } finally {
      this.waiting--;
    }
  }
}

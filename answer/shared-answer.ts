import { streamWhole, type Answer, type AnswerEvent } from "./types.ts";

/**
 * One answer being written, shared by every reader who asks the same question meanwhile. When an
 * article goes out, its readers click its suggested questions within seconds of each other, and
 * a chat model takes seconds to answer: each would otherwise pay for a call of its own, and wait
 * for it, before the first answer is kept.
 *
 * The answer is written once, under a signal of its own that aborts only when every reader has
 * left (a reader leaves when its own signal aborts, or when it stops reading the events). A
 * reader who joins late is given the events from the first, then each as it comes.
 */
export class SharedAnswer {
  private readonly events: AnswerEvent[] = [];
  private ended = false;
  private failure: { error: unknown } | undefined;
  private wakers: Array<() => void> = [];
  private readers = 0;
  /** No reader may join any more (see `on.closed`). */
  private closed = false;
  private readonly stop = new AbortController();

  /**
   * `write` is started at once, with the signal that stops it. `written` is given the answer
   * once it is complete, unless it was stopped. `closed` is called once, as soon as no reader
   * may join any more: the answer is written, writing it failed, or every reader left.
   */
  constructor(
    write: (signal: AbortSignal) => AsyncIterable<AnswerEvent> | Promise<Answer>,
    private readonly on: { written: (answer: Answer) => void; closed: () => void },
  ) {
    void this.pump(write(this.stop.signal));
  }

  /** The answer's events, from the first, as they come; throws what writing it threw, or `signal`'s reason. */
  async *follow(signal?: AbortSignal): AsyncIterable<AnswerEvent> {
    const leave = this.join(signal);
    try {
      for (let i = 0; ; i++) {
        while (i >= this.events.length && !this.ended && !signal?.aborted)
          await new Promise<void>((wake) => this.wakers.push(wake));
        if (signal?.aborted) throw signal.reason;
        if (i < this.events.length) yield this.events[i]!;
        else if (this.failure) throw this.failure.error;
        else return;
      }
    } finally {
      leave();
    }
  }

  /** The whole answer, once written. */
  async answer(signal?: AbortSignal): Promise<Answer> {
    for await (const event of this.follow(signal)) if (event.type === "done") return event.answer;
    throw new Error("the answer ended without its `done` event");
  }

  /** Counts a reader in until the returned function is called, or `signal` aborts. */
  private join(signal?: AbortSignal): () => void {
    this.readers++;
    let left = false;
    const leave = () => {
      if (left) return;
      left = true;
      signal?.removeEventListener("abort", onAbort);
      if (--this.readers === 0 && !this.ended) {
        this.stop.abort(signal?.reason ?? new Error("every reader left"));
        this.close();
      }
    };
    const onAbort = () => {
      leave();
      this.wake();
    };
    signal?.addEventListener("abort", onAbort, { once: true });
    return leave;
  }

  private async pump(source: AsyncIterable<AnswerEvent> | Promise<Answer>): Promise<void> {
    try {
      // Written whole (a reader asked for JSON): a reader who joined with a stream still needs its words.
      for await (const event of source instanceof Promise ? streamWhole(await source) : source) {
        this.events.push(event);
        this.wake();
      }
      const last = this.events.at(-1);
      if (last?.type === "done" && !this.stop.signal.aborted) this.on.written(last.answer);
    } catch (error) {
      this.failure = { error };
    } finally {
      this.ended = true;
      this.close();
      this.wake();
    }
  }

  private close(): void {
    if (this.closed) return;
    this.closed = true;
    this.on.closed();
  }

  private wake(): void {
    const wakers = this.wakers;
    this.wakers = [];
    for (const wake of wakers) wake();
  }
}

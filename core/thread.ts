import { parentPort, type Worker } from "node:worker_threads";

/**
 * Something served from a thread of its own, answering requests in order: a part of the
 * embedded index (the HNSW segments: core/corpus/embedded/dense-thread.ts; BM25F:
 * lexical-thread.ts), so that a question's searches run on other cores than the one that parses
 * requests, or the extractive answerer (answer/answer-threads.ts). An index thread holds its own
 * copy of that part (or a view on the same memory), kept equal to the main thread's by the same
 * additions and deletions, sent in order: a search sent after a change sees it.
 *
 * Until the thread has loaded (or if it fails), `isReady` is false and callers do the work on
 * the main thread as before. This class is the main thread's side; `serveThread` the thread's.
 */
export class RequestThread<Search, Change, Found> {
  private ready = false;
  private closed = false;
  private nextId = 0;
  private readonly pending = new Map<number, { resolve: (found: Found) => void; reject: (err: Error) => void }>();
  /** Callers of `caughtUp`, by request id. */
  private readonly syncing = new Map<number, () => void>();
  /** Settles once the thread has loaded: true, or false if it could not. */
  readonly loaded: Promise<boolean>;

  constructor(
    private readonly worker: Worker,
    /** What the thread holds, for errors: "the dense search thread". */
    private readonly name: string,
  ) {
    let settle!: (ok: boolean) => void;
    this.loaded = new Promise((resolve) => (settle = resolve));
    worker.on("message", (m: ThreadReply<Found>) => {
      if (m.type === "ready") {
        this.ready = true;
        settle(true);
        this.holdOpen();
      } else if (m.type === "failed") {
        this.stop(new Error(`${name} could not load: ${m.error}`));
        settle(false);
      } else if (m.type === "synced") {
        this.syncing.get(m.id)?.();
        this.syncing.delete(m.id);
        this.holdOpen();
      } else {
        const waiting = this.pending.get(m.id);
        this.pending.delete(m.id);
        if (m.type === "found") waiting?.resolve(m.found);
        else waiting?.reject(new Error(m.error));
        this.holdOpen();
      }
    });
    const gone = (err: Error) => {
      this.stop(err);
      settle(false);
    };
    worker.once("error", gone);
    worker.once("exit", (code) => gone(new Error(`${name} stopped (exit code ${code})`)));
  }

  /** Whether searches can go to the thread now. */
  get isReady(): boolean {
    return this.ready && !this.closed;
  }

  /** A search, answered by the thread in turn after every change sent before it. */
  protected ask(search: Search): Promise<Found> {
    const id = this.nextId++;
    return new Promise<Found>((resolve, reject) => {
      if (this.closed) return reject(new Error(`${this.name} is not running`));
      this.pending.set(id, { resolve, reject });
      this.holdOpen();
      this.worker.postMessage({ type: "search", id, search } satisfies ThreadRequest<Search, Change>);
    });
  }

  /** A change the main thread made to its own copy. A stopped thread takes none: searches no longer go to it. */
  protected tell(change: Change): void {
    if (!this.closed) this.worker.postMessage({ type: "change", change } satisfies ThreadRequest<Search, Change>);
  }

  /**
   * Settles once the thread has applied every change sent before: a caller sending a long
   * change in parts waits for one before sending the next, so that a search sent meanwhile
   * waits behind one part, not all of them. Settles at once, or as soon as it stops, when the
   * thread is not running: its copy no longer matters.
   */
  caughtUp(): Promise<void> {
    if (this.closed) return Promise.resolve();
    const id = this.nextId++;
    return new Promise<void>((resolve) => {
      this.syncing.set(id, resolve);
      this.holdOpen();
      this.worker.postMessage({ type: "sync", id } satisfies ThreadRequest<Search, Change>);
    });
  }

  /**
   * Stops the thread. It is asked to stop first and exits on its own, and is terminated only if
   * it has not within CLOSE_GRACE_MS.
   *
   * **NOTE:** terminating a thread while it is in hnswlib's native code (a background compaction,
   * segments.ts) makes the addon's next N-API call fail, and the addon answers that failure with
   * a fatal error that aborts the whole process.
   */
  async close(): Promise<void> {
    this.stop(new Error(`${this.name} was closed`));
    const exited = new Promise<void>((resolve) => this.worker.once("exit", () => resolve()));
    this.worker.postMessage({ type: "close" } satisfies ThreadRequest<Search, Change>);
    let timer: NodeJS.Timeout | undefined;
    const late = new Promise<"late">((resolve) => (timer = setTimeout(() => resolve("late"), CLOSE_GRACE_MS)));
    if ((await Promise.race([exited, late])) === "late") await this.worker.terminate();
    clearTimeout(timer);
  }

  /**
   * The thread keeps the process alive only while something waits on it (loading, a search):
   * an idle search thread must not keep a process open that has nothing else to do.
   */
  private holdOpen(): void {
    if (this.pending.size > 0 || this.syncing.size > 0 || (!this.ready && !this.closed)) this.worker.ref();
    else this.worker.unref();
  }

  /** No more searches go to the thread; those waiting fail (and their callers search in process). */
  private stop(err: Error): void {
    this.closed = true;
    this.ready = false;
    for (const { reject } of this.pending.values()) reject(err);
    this.pending.clear();
    for (const resolve of this.syncing.values()) resolve();
    this.syncing.clear();
    this.holdOpen();
  }
}

/** Main thread → served thread, handled in the order sent. */
type ThreadRequest<Search, Change> =
  | { type: "search"; id: number; search: Search }
  | { type: "change"; change: Change }
  | { type: "sync"; id: number }
  | { type: "close" };

/** How long a thread asked to stop has to exit on its own before it is terminated. */
const CLOSE_GRACE_MS = 5000;

/** Served thread → main thread. */
type ThreadReply<Found> =
  | { type: "ready" }
  | { type: "failed"; error: string }
  | { type: "found"; id: number; found: Found }
  | { type: "synced"; id: number }
  | { type: "error"; id: number; error: string };

export interface ThreadHandlers<Search, Change, Found> {
  /** A search; an answer thread's may be asynchronous (answer/answer-threads.ts). */
  search(search: Search): Found | Promise<Found>;
  change(change: Change): void;
  /** Stops any background work, so the thread can exit once its messages stop. */
  stop?(): void;
}

/**
 * The thread's side: loads its part of the index, then answers searches and applies changes in
 * the order they arrive. Messages that come while it loads wait for it, in order. A change that
 * fails leaves this copy unlike the main thread's, so the thread stops and the main thread
 * searches its own.
 */
export function serveThread<Search, Change, Found>(load: () => Promise<ThreadHandlers<Search, Change, Found>>): void {
  const port = parentPort!;
  const reply = (m: ThreadReply<Found>) => port.postMessage(m);
  const waiting: Array<Exclude<ThreadRequest<Search, Change>, { type: "close" }>> = [];
  let handlers: ThreadHandlers<Search, Change, Found> | undefined;
  const handle = (m: Exclude<ThreadRequest<Search, Change>, { type: "close" }>) => {
    if (m.type === "change") return handlers!.change(m.change);
    if (m.type === "sync") return reply({ type: "synced", id: m.id });
    const failed = (err: unknown) =>
      reply({ type: "error", id: m.id, error: err instanceof Error ? err.message : String(err) });
    try {
      const found = handlers!.search(m.search);
      if (found instanceof Promise) found.then((f) => reply({ type: "found", id: m.id, found: f }), failed);
      else reply({ type: "found", id: m.id, found });
    } catch (err) {
      failed(err);
    }
  };
  let closing = false;
  port.on("message", (m: ThreadRequest<Search, Change>) => {
    if (m.type === "close") {
      // Nothing more is answered; the thread exits once what runs now (a load) is done.
      closing = true;
      handlers?.stop?.();
      port.close();
    } else if (handlers) handle(m);
    else waiting.push(m);
  });
  load().then(
    (loaded) => {
      if (closing) return loaded.stop?.();
      handlers = loaded;
      for (const m of waiting.splice(0)) handle(m);
      reply({ type: "ready" });
    },
    (err: unknown) => {
      reply({ type: "failed", error: err instanceof Error ? err.message : String(err) });
      port.close();
    },
  );
}

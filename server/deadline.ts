import type { Context, MiddlewareHandler } from "hono";
import { ApiError } from "./errors.ts";

declare module "hono" {
  interface ContextVariableMap {
    /** Aborted when the client goes away or the request runs out of time (see `deadline`). */
    signal: AbortSignal;
  }
}

/**
 * A time bound on each request: past `ms`, the client gets 504 `timeout` and the work still
 * under way is told to stop through `requestSignal(c)` (a chat model's call is aborted).
 *
 * The bound covers the time until the response starts. A streamed answer starts at once and is
 * bounded separately (routes/chat.ts), as it legitimately runs for as long as the model writes.
 */
export function deadline(ms: number, log: (entry: Record<string, unknown>) => void): MiddlewareHandler {
  return async (c, next) => {
    const timer = new AbortController();
    c.set("signal", AbortSignal.any([c.req.raw.signal, timer.signal]));
    let timeout: NodeJS.Timeout | undefined;
    const expired = new Promise<never>((_, reject) => {
      timeout = setTimeout(() => {
        log({ level: "warn", msg: "request timed out", method: c.req.method, path: new URL(c.req.url).pathname, ms });
        const error = new ApiError(
          504,
          "timeout",
          `The request took longer than ${formatSeconds(ms)} and was stopped; try again`,
        );
        reject(error);
        // The reason is the same error: when the stopped work then fails, app.onError answers
        // with it too, so whichever of the two responses is sent says the same.
        timer.abort(error);
      }, ms);
    });
    // The work goes on after a timeout until it notices the signal; whatever it ends with then
    // is nobody's answer any more.
    const work = next();
    work.catch(() => {});
    try {
      await Promise.race([work, expired]);
    } finally {
      clearTimeout(timeout);
    }
  };
}

/** The signal the request's work should follow: the deadline's when there is one, else the client's. */
export function requestSignal(c: Context): AbortSignal {
  return (c.get("signal") as AbortSignal | undefined) ?? c.req.raw.signal;
}

export function formatSeconds(ms: number): string {
  return `${Math.round(ms / 100) / 10} s`;
}

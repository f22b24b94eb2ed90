import { randomUUID } from "node:crypto";
import type { MiddlewareHandler } from "hono";

export type Log = (entry: Record<string, unknown>) => void;

/**
 * A request id for every request, taken from an incoming `X-Request-Id` when it is a plausible
 * one (a proxy's), echoed in the response, and one structured log line per request with it.
 */
const PLAUSIBLE_ID = /^[A-Za-z0-9._:-]{1,64}$/;

export function requestLog(log: Log): MiddlewareHandler {
  return async (c, next) => {
    const incoming = c.req.header("x-request-id");
    const id = incoming && PLAUSIBLE_ID.test(incoming) ? incoming : randomUUID();
    c.set("requestId" as never, id as never);
    const started = performance.now();
    await next();
    c.res.headers.set("X-Request-Id", id);
    log({
      level: "info",
      msg: "request",
      id,
      method: c.req.method,
      path: new URL(c.req.url).pathname,
      status: c.res.status,
      ms: Math.round((performance.now() - started) * 10) / 10,
    });
  };
}

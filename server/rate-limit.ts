import { getConnInfo } from "@hono/node-server/conninfo";
import type { Context, MiddlewareHandler } from "hono";
import { ApiError } from "./errors.ts";

/**
 * Per-client rate limiting for the costly routes (`/api/chat`, `/api/search`): a token bucket
 * per client that refills `perMinute` tokens a minute, up to `perMinute`. Over the limit: 429
 * with `Retry-After` in seconds. The client is the socket's address; `X-Forwarded-For` is
 * believed only behind a proxy the operator declared (TRUST_PROXY), as anyone can send it.
 */
export interface RateLimitOptions {
  perMinute: number;
  trustProxy: boolean;
}

interface Bucket {
  tokens: number;
  at: number;
}

/** Buckets are swept when there are this many, so a flood of addresses cannot grow memory. */
const SWEEP_AT = 10_000;

export function rateLimit(options: RateLimitOptions, now: () => number = Date.now): MiddlewareHandler {
  const buckets = new Map<string, Bucket>();
  const perMs = options.perMinute / 60_000;
  return async (c, next) => {
    const key = clientOf(c, options.trustProxy);
    const t = now();
    const bucket = buckets.get(key) ?? { tokens: options.perMinute, at: t };
    bucket.tokens = Math.min(options.perMinute, bucket.tokens + (t - bucket.at) * perMs);
    bucket.at = t;
    if (bucket.tokens < 1) {
      const wait = Math.ceil((1 - bucket.tokens) / perMs / 1000);
      buckets.set(key, bucket);
      c.header("Retry-After", String(wait));
      throw new ApiError(429, "rate_limited", `Too many requests: try again in ${wait} s`);
    }
    bucket.tokens -= 1;
    buckets.set(key, bucket);
    if (buckets.size > SWEEP_AT) {
      // A bucket refilled to the brim is the same as no bucket.
      for (const [k, b] of buckets) if (b.tokens + (t - b.at) * perMs >= options.perMinute) buckets.delete(k);
    }
    await next();
  };
}

function clientOf(c: Context, trustProxy: boolean): string {
  if (trustProxy) {
    const forwarded = c.req.header("x-forwarded-for")?.split(",")[0]?.trim();
    if (forwarded) return forwarded;
  }
  try {
    return getConnInfo(c).remote.address ?? "unknown";
  } catch {
    // No socket (an in-process request): one shared client.
    return "local";
  }
}

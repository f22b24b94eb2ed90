import type { MiddlewareHandler } from "hono";
import type { ProxyTrust } from "../core/config.ts";
import { clientAddress } from "./client-address.ts";
import { ApiError } from "./errors.ts";

/**
 * Per-client rate limiting for the routes readers call (`/api/chat` and `/api/search` share one,
 * `/api/feedback` has its own): a token bucket per client that refills `perMinute` tokens a
 * minute, up to `perMinute`. Over the limit: 429 with `Retry-After` in seconds. The client is
 * the socket's address, or the one the operator's proxies say they received the request from
 * (TRUST_PROXY, see client-address.ts).
 */
export interface RateLimitOptions {
  perMinute: number;
  trustProxy: ProxyTrust;
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
  const clientOf = clientAddress(options.trustProxy);
  return async (c, next) => {
    const key = clientOf(c);
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

/**
 * One HTTP GET of a feed or an article page, bounded every way a publisher's server can go
 * wrong: a timeout, a size cap (read as it streams, so a 50 MB page costs at most the cap), at
 * most `fetch`'s 20 redirects, conditional requests (ETag, Last-Modified). Every failure is a
 * `FetchProblem` whose reason a person can act on; nothing else is thrown.
 */
export interface Fetched {
  status: 200 | 304;
  /** Where the response came from, after redirects. */
  url: string;
  contentType: string | null;
  body: Uint8Array;
  etag?: string;
  lastModified?: string;
}

export interface FetchOptions {
  timeoutMs: number;
  maxBytes: number;
  accept: string;
  etag?: string;
  lastModified?: string;
  signal?: AbortSignal;
}

export class FetchProblem extends Error {
  constructor(
    readonly url: string,
    readonly reason: string,
  ) {
    super(`${url}: ${reason}`);
    this.name = "FetchProblem";
  }
}

const USER_AGENT = "Goftogu/0.1 (feed sync; +https://github.com/goftogu)";

export async function fetchResource(url: string, options: FetchOptions): Promise<Fetched> {
  const timeout = AbortSignal.timeout(options.timeoutMs);
  const signal = options.signal ? AbortSignal.any([options.signal, timeout]) : timeout;
  let res: Response;
  try {
    res = await fetch(url, {
      redirect: "follow",
      signal,
      headers: {
        accept: options.accept,
        "user-agent": USER_AGENT,
        ...(options.etag && { "if-none-match": options.etag }),
        ...(options.lastModified && { "if-modified-since": options.lastModified }),
      },
    });
  } catch (err) {
    throw new FetchProblem(url, failure(err, timeout, options.timeoutMs));
  }
  const headers = {
    ...(res.headers.get("etag") && { etag: res.headers.get("etag")! }),
    ...(res.headers.get("last-modified") && { lastModified: res.headers.get("last-modified")! }),
  };
  if (res.status === 304) {
    await res.body?.cancel();
    return { status: 304, url: res.url || url, contentType: null, body: new Uint8Array(), ...headers };
  }
  if (!res.ok) {
    await res.body?.cancel();
    throw new FetchProblem(url, `HTTP ${res.status}${res.statusText ? ` ${res.statusText}` : ""}`);
  }
  const declared = Number(res.headers.get("content-length"));
  if (declared > options.maxBytes) {
    await res.body?.cancel();
    throw new FetchProblem(url, `larger than ${megabytes(options.maxBytes)} (${megabytes(declared)}), not read`);
  }
  const body = await readCapped(res, url, options.maxBytes, timeout, options.timeoutMs);
  return { status: 200, url: res.url || url, contentType: res.headers.get("content-type"), body, ...headers };
}

/** The body, up to `maxBytes`: past it the download is stopped, whatever Content-Length said. */
async function readCapped(
  res: Response,
  url: string,
  maxBytes: number,
  timeout: AbortSignal,
  timeoutMs: number,
): Promise<Uint8Array> {
  if (!res.body) return new Uint8Array();
  const reader = res.body.getReader();
  const chunks: Uint8Array[] = [];
  let size = 0;
  try {
    for (;;) {
      const { value, done } = await reader.read();
      if (done) break;
      size += value.byteLength;
      if (size > maxBytes) {
        await reader.cancel();
        throw new FetchProblem(url, `larger than ${megabytes(maxBytes)}, not read past that`);
      }
      chunks.push(value);
    }
  } catch (err) {
    if (err instanceof FetchProblem) throw err;
    throw new FetchProblem(url, failure(err, timeout, timeoutMs));
  }
  const body = new Uint8Array(size);
  let at = 0;
  for (const c of chunks) {
    body.set(c, at);
    at += c.byteLength;
  }
  return body;
}

/** What went wrong, from undici's error and its cause, in words. */
function failure(err: unknown, timeout: AbortSignal, timeoutMs: number): string {
  if (timeout.aborted) return `no complete answer within ${Math.round(timeoutMs / 1000)} s`;
  const cause = (err as { cause?: { code?: string; message?: string } }).cause;
  const message = `${(err as Error).message ?? ""} ${cause?.message ?? ""}`;
  if (/redirect count exceeded/i.test(message)) return "too many redirects (a redirect loop?)";
  if (cause?.code === "ECONNREFUSED") return "connection refused";
  if (cause?.code === "ENOTFOUND") return "no such host";
  if (cause?.code === "ECONNRESET" || cause?.code === "UND_ERR_SOCKET") return "the connection was dropped";
  return cause?.code ?? cause?.message ?? (err as Error).message ?? String(err);
}

function megabytes(bytes: number): string {
  return `${Math.round((bytes / 1024 / 1024) * 10) / 10} MB`;
}

/**
 * The widget's client of the Goftogu HTTP API: the article (title, suggested questions) and the
 * chat answer as Server-Sent Events over fetch (EventSource cannot POST). The shapes are the
 * server's own types (a type-only import: nothing of the server is bundled).
 */
import type { Citation, Turn } from "../../answer/types.ts";

export type { Citation, Turn };

export interface ArticleInfo {
  id: string;
  title: string;
  url?: string;
  suggestedQuestions: string[];
}

export interface Done {
  type: "done";
  found: boolean;
  mode: string;
  /** The core of the answer (a figure, a name), when the answerer found one. */
  short?: string;
}

export type ChatEvent =
  | { type: "token"; text: string }
  | { type: "citations"; citations: Citation[] }
  | Done
  | { type: "error"; code: string; message: string };

/**
 * Why no answer came, in terms of whose problem it is: the reader's connection (`offline`, only
 * when the browser says so), Goftogu's server not answering at all (`unreachable`), too many
 * questions (`quota`, 429), the server failing (`server`, 5xx or an error event), silence for
 * too long (`timeout`), or a refusal of the question itself (`failed`, another 4xx).
 */
export type FailureKind = "offline" | "unreachable" | "quota" | "server" | "timeout" | "failed";

export class ChatFailure extends Error {
  constructor(readonly kind: FailureKind) {
    super(kind);
  }
}

/**
 * How long the widget waits for the first byte of an answer and then between two reads. The
 * server sends a keep-alive comment every 15 s while a model thinks, so this much silence means
 * the answer is not coming.
 */
export const SILENCE_MS = 30_000;

export async function fetchArticle(apiBase: string, id: string): Promise<ArticleInfo | undefined> {
  const controller = new AbortController();
  const timer = setTimeout(() => controller.abort(), SILENCE_MS);
  try {
    const res = await fetch(`${apiBase}/api/articles/${encodeURIComponent(id)}`, { signal: controller.signal });
    if (!res.ok) return undefined;
    return (await res.json()) as ArticleInfo;
  } catch {
    return undefined;
  } finally {
    clearTimeout(timer);
  }
}

/**
 * The events of one streamed answer. Ends quietly when `signal` aborts (the reader pressed stop);
 * throws a `ChatFailure` otherwise.
 */
export async function* chat(
  apiBase: string,
  body: { question: string; articleId?: string; history: Turn[] },
  signal: AbortSignal,
): AsyncGenerator<ChatEvent> {
  // One controller for the reader's stop and for the silence timer, so either ends the request.
  const request = new AbortController();
  const stop = () => request.abort();
  signal.addEventListener("abort", stop);
  let silent = false;
  let timer: ReturnType<typeof setTimeout> | undefined;
  const wait = () => {
    clearTimeout(timer);
    timer = setTimeout(() => {
      silent = true;
      request.abort();
    }, SILENCE_MS);
  };
  const lost = () => new ChatFailure(silent ? "timeout" : navigator.onLine === false ? "offline" : "unreachable");
  try {
    wait();
    let res: Response;
    try {
      res = await fetch(`${apiBase}/api/chat`, {
        method: "POST",
        headers: { "content-type": "application/json", accept: "text/event-stream" },
        body: JSON.stringify({ ...body, stream: true }),
        signal: request.signal,
      });
    } catch {
      if (signal.aborted) return;
      throw lost();
    }
    if (res.status === 429) throw new ChatFailure("quota");
    if (res.status >= 500) throw new ChatFailure("server");
    if (!res.ok || !res.body) throw new ChatFailure("failed");
    const reader = res.body.getReader();
    const decoder = new TextDecoder();
    let buffer = "";
    for (;;) {
      let chunk: ReadableStreamReadResult<Uint8Array>;
      try {
        chunk = await reader.read();
      } catch {
        if (signal.aborted) return;
        throw lost();
      }
      if (chunk.done) return;
      wait();
      buffer += decoder.decode(chunk.value, { stream: true });
      let cut: number;
      while ((cut = buffer.indexOf("\n\n")) >= 0) {
        const event = parse(buffer.slice(0, cut));
        buffer = buffer.slice(cut + 2);
        if (event) yield event;
      }
    }
  } finally {
    clearTimeout(timer);
    signal.removeEventListener("abort", stop);
    // A reader of the events that stopped early (an error event) leaves nothing downloading.
    request.abort();
  }
}

/** One SSE block: `event:` and `data:` lines; comments (`: keep-alive`) are skipped. */
function parse(block: string): ChatEvent | undefined {
  let name = "message";
  const data: string[] = [];
  for (const line of block.split("\n")) {
    if (line.startsWith("event:")) name = line.slice(6).trim();
    else if (line.startsWith("data:")) data.push(line.slice(5).replace(/^ /, ""));
  }
  if (data.length === 0) return undefined;
  let payload: unknown;
  try {
    payload = JSON.parse(data.join("\n"));
  } catch {
    return undefined;
  }
  const p = (payload ?? {}) as Record<string, unknown>;
  switch (name) {
    case "token":
      return { type: "token", text: String(p.text ?? "") };
    case "citations":
      return { type: "citations", citations: Array.isArray(payload) ? (payload as Citation[]) : [] };
    case "done":
      return {
        type: "done",
        found: p.found === true,
        mode: String(p.mode ?? ""),
        ...(typeof p.short === "string" && p.short !== "" && { short: p.short }),
      };
    case "error":
      return { type: "error", code: String(p.code ?? "error"), message: String(p.message ?? "") };
    default:
      return undefined;
  }
}

export function sendFeedback(apiBase: string, body: Record<string, unknown>): void {
  // Fire and forget: a rating that cannot be sent must not disturb the reader.
  void fetch(`${apiBase}/api/feedback`, {
    method: "POST",
    headers: { "content-type": "application/json" },
    body: JSON.stringify(body),
  }).catch(() => {});
}

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

export type ChatEvent =
  | { type: "token"; text: string }
  | { type: "citations"; citations: Citation[] }
  | { type: "done"; found: boolean; mode: string }
  | { type: "error"; code: string; message: string };

/** A failure the widget explains to the reader: network, quota (429), or anything else. */
export class ChatFailure extends Error {
  constructor(readonly kind: "network" | "quota" | "failed") {
    super(kind);
  }
}

export async function fetchArticle(apiBase: string, id: string): Promise<ArticleInfo | undefined> {
  try {
    const res = await fetch(`${apiBase}/api/articles/${encodeURIComponent(id)}`);
    if (!res.ok) return undefined;
    return (await res.json()) as ArticleInfo;
  } catch {
    return undefined;
  }
}

export async function* chat(
  apiBase: string,
  body: { question: string; articleId?: string; history: Turn[] },
  signal: AbortSignal,
): AsyncGenerator<ChatEvent> {
  let res: Response;
  try {
    res = await fetch(`${apiBase}/api/chat`, {
      method: "POST",
      headers: { "content-type": "application/json", accept: "text/event-stream" },
      body: JSON.stringify({ ...body, stream: true }),
      signal,
    });
  } catch (err) {
    if (signal.aborted) return;
    throw new ChatFailure("network");
  }
  if (res.status === 429) throw new ChatFailure("quota");
  if (!res.ok || !res.body) throw new ChatFailure("failed");
  const reader = res.body.getReader();
  const decoder = new TextDecoder();
  let buffer = "";
  try {
    for (;;) {
      const { value, done } = await reader.read();
      if (done) break;
      buffer += decoder.decode(value, { stream: true });
      let cut: number;
      while ((cut = buffer.indexOf("\n\n")) >= 0) {
        const event = parse(buffer.slice(0, cut));
        buffer = buffer.slice(cut + 2);
        if (event) yield event;
      }
    }
  } catch {
    if (signal.aborted) return;
    throw new ChatFailure("network");
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
  const p = payload as Record<string, unknown>;
  switch (name) {
    case "token":
      return { type: "token", text: String(p.text ?? "") };
    case "citations":
      return { type: "citations", citations: Array.isArray(payload) ? (payload as Citation[]) : [] };
    case "done":
      return { type: "done", found: p.found === true, mode: String(p.mode ?? "") };
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

import { createHash } from "node:crypto";
import { createServer, type IncomingHttpHeaders, type ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";
import { setTimeout as sleep } from "node:timers/promises";

/**
 * A local OpenAI-compatible server (`/v1/chat/completions`, `/v1/embeddings`) whose behaviour a
 * test or the fault bench scripts: slow, hanging, failing. No network, no real key.
 */

/** What the fake model does with one chat request. */
export type Reply =
  /** A streamed reply (`stream: true`), its chunks paced by `delayMs`, cut off by a dropped connection after `dropAfter` of them. */
  | { chunks: string[]; firstDelayMs?: number; delayMs?: number; dropAfter?: number }
  /** A whole `chat.completion`, as a request without `stream` gets it. */
  | { content: string }
  /** An API error with this status. */
  | { status: number; message?: string }
  /** Never answers: no status line, nothing, until the caller gives up. */
  | { hang: true }
  /** Sends the headers of a stream, then nothing. */
  | { hangAfterHeaders: true }
  /** Drops the connection without a word, as a crashed server or a proxy's reset does. */
  | { drop: true };

export interface Recorded {
  url: string;
  headers: IncomingHttpHeaders;
  // eslint-disable-next-line @typescript-eslint/no-explicit-any
  body: any;
  /** Resolves when the caller closed the connection before the reply was complete (it gave up). */
  closedEarly: Promise<void>;
  finished: boolean;
}

export interface FakeOpenAI {
  /** `http://127.0.0.1:PORT/v1`, for OPENAI_BASE_URL. */
  baseURL: string;
  requests: Recorded[];
  /** How the next chat requests are answered. */
  script: (req: Recorded) => Reply;
  /** While set, embedding requests wait for it: a build that embeds is held at that point. */
  embeddingsGate?: Promise<void>;
  close(): Promise<void>;
}

export async function startFakeOpenAI(script: (req: Recorded) => Reply = () => ({ status: 500 })): Promise<FakeOpenAI> {
  const open = new Set<ServerResponse>();
  const server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on("data", (c: Buffer) => chunks.push(c));
    req.on("end", () => {
      let closed!: () => void;
      const recorded: Recorded = {
        url: req.url ?? "",
        headers: req.headers,
        body: parse(Buffer.concat(chunks).toString("utf8")),
        closedEarly: new Promise<void>((r) => (closed = r)),
        finished: false,
      };
      open.add(res);
      res.on("close", () => {
        open.delete(res);
        if (!recorded.finished) closed();
      });
      fake.requests.push(recorded);
      const reply = recorded.url.endsWith("/embeddings")
        ? embeddings(recorded, res)
        : chat(recorded, res, fake.script(recorded));
      void reply.catch(() => res.destroy());
    });
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const fake: FakeOpenAI = {
    baseURL: `http://127.0.0.1:${(server.address() as AddressInfo).port}/v1`,
    requests: [],
    script,
    async close() {
      for (const res of open) res.destroy();
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };

  async function embeddings(recorded: Recorded, res: ServerResponse): Promise<void> {
    if (fake.embeddingsGate) await fake.embeddingsGate;
    const input: string[] = Array.isArray(recorded.body?.input)
      ? recorded.body.input
      : [String(recorded.body?.input ?? "")];
    // Deterministic vectors from the text's hash: equal texts embed equally, others differ.
    const data = input.map((text, index) => ({
      object: "embedding",
      index,
      embedding: [...createHash("sha256").update(text).digest()].slice(0, 16).map((b) => b / 255 - 0.5),
    }));
    send(res, 200, {
      object: "list",
      data,
      model: recorded.body?.model ?? "fake",
      usage: { prompt_tokens: 1, total_tokens: 1 },
    });
    recorded.finished = true;
  }

  return fake;
}

async function chat(recorded: Recorded, res: ServerResponse, what: Reply): Promise<void> {
  if ("hang" in what) return;
  if ("drop" in what) {
    res.socket?.destroy();
    return;
  }
  if ("status" in what) {
    // retry-after-ms keeps the SDK's one retry quick.
    res.setHeader("retry-after-ms", "5");
    send(res, what.status, { error: { message: what.message ?? "fake failure", type: "server_error", code: null } });
    recorded.finished = true;
    return;
  }
  if ("content" in what) {
    send(res, 200, {
      id: "chatcmpl-fake",
      object: "chat.completion",
      created: 0,
      model: recorded.body?.model ?? "fake",
      choices: [
        {
          index: 0,
          message: { role: "assistant", content: what.content, refusal: null },
          logprobs: null,
          finish_reason: "stop",
        },
      ],
      usage: { prompt_tokens: 1, completion_tokens: 1, total_tokens: 2 },
    });
    recorded.finished = true;
    return;
  }
  res.writeHead(200, { "content-type": "text/event-stream", "cache-control": "no-cache", connection: "keep-alive" });
  res.flushHeaders();
  if ("hangAfterHeaders" in what) return;
  if (what.firstDelayMs) await sleep(what.firstDelayMs);
  for (const [i, content] of what.chunks.entries()) {
    if (i > 0 && what.delayMs) await sleep(what.delayMs);
    if (res.destroyed) return;
    res.write(chunkLine(i === 0 ? { role: "assistant", content } : { content }, null));
    if (what.dropAfter !== undefined && i + 1 >= what.dropAfter) {
      // Let the chunk reach the client, then fail the way a dropped connection does.
      await sleep(30);
      res.destroy();
      return;
    }
  }
  if (res.destroyed) return;
  res.write(chunkLine({}, "stop"));
  res.end("data: [DONE]\n\n");
  recorded.finished = true;
}

function chunkLine(delta: Record<string, unknown>, finish: string | null): string {
  return `data: ${JSON.stringify({ id: "x", object: "chat.completion.chunk", created: 0, model: "fake", choices: [{ index: 0, delta, finish_reason: finish }] })}\n\n`;
}

function send(res: ServerResponse, status: number, body: unknown): void {
  res.writeHead(status, { "content-type": "application/json" });
  res.end(JSON.stringify(body));
}

function parse(raw: string): unknown {
  try {
    return JSON.parse(raw);
  } catch {
    return raw;
  }
}

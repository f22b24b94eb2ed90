import { Hono } from "hono";
import { streamSSE, type SSEStreamingApi } from "hono/streaming";
import { formatSeconds, requestSignal } from "../deadline.ts";
import { ChatBody, parseJsonBody } from "../schemas.ts";
import type { Assistant } from "../../answer/assistant.ts";
import { linkCitations } from "../links.ts";

export interface ChatOptions {
  /** How often a comment line keeps an idle stream open through proxies. */
  keepAliveMs?: number;
  /** The longest a streamed answer may run before it ends with `event: error` (STREAM_TIMEOUT_MS). */
  streamTimeoutMs?: number;
  /** ARTICLE_URL_TEMPLATE: the publisher link of a cited article without a `url`. */
  articleUrlTemplate?: string;
}

/**
 * Says whether the answer is one given before (`hit`), the one being written for a reader who
 * asked the same meanwhile (`shared`), or was written for this request (`miss`).
 */
const CACHE_HEADER = "X-Answer-Cache";

/** Proxies commonly drop a connection that is silent for 30–60 s. */
const KEEP_ALIVE_MS = 15_000;
/** The default of STREAM_TIMEOUT_MS (core/config.ts): a long answer from a slow model, with margin. */
const STREAM_TIMEOUT_MS = 120_000;

/**
 * `POST /api/chat`: an answer with citations, as JSON or, with `"stream": true` or
 * `Accept: text/event-stream`, as Server-Sent Events: `token`… then `citations` then `done`.
 */
export function chatRoutes(
  assistant: Assistant,
  log: (entry: Record<string, unknown>) => void,
  options: ChatOptions = {},
): Hono {
  const app = new Hono();
  app.post("/chat", async (c) => {
    const body = await parseJsonBody(c.req.raw, ChatBody);
    const question = {
      question: body.question,
      history: body.history,
      ...(body.articleId && { articleId: body.articleId }),
    };
    const wantsStream = body.stream || (c.req.header("accept") ?? "").includes("text/event-stream");
    // `Cache-Control: no-cache` asks for an answer written now, as HTTP caches read it.
    const reuse = { reuse: !/\bno-(?:cache|store)\b/i.test(c.req.header("cache-control") ?? "") };
    if (!wantsStream) {
      const { answer, reused } = await assistant.ask(question, { ...reuse, signal: requestSignal(c) });
      c.header(CACHE_HEADER, reused);
      return c.json({ ...answer, citations: linkCitations(answer.citations, options.articleUrlTemplate) });
    }

    // Checked before the stream opens, so an unknown article is a plain 404.
    await assistant.requireArticle(body.articleId);
    // The request's own deadline (deadline.ts) ends when the stream starts; this one bounds the
    // whole answer, and stops the model call when it passes.
    const streamTimeoutMs = options.streamTimeoutMs ?? STREAM_TIMEOUT_MS;
    const overtime = AbortSignal.timeout(streamTimeoutMs);
    const signal = AbortSignal.any([requestSignal(c), overtime]);
    const timedOut = async (stream: SSEStreamingApi) => {
      log({ level: "warn", msg: "chat stream timed out", ms: streamTimeoutMs });
      await stream.writeSSE({
        event: "error",
        data: JSON.stringify({
          code: "timeout",
          message: `The answer took longer than ${formatSeconds(streamTimeoutMs)} and was stopped; try again`,
        }),
      });
    };
    const { events, reused } = await assistant.stream(question, { ...reuse, signal });
    const response = streamSSE(c, async (stream) => {
      const keepAlive = setInterval(
        () => void stream.write(": keep-alive\n\n").catch(() => {}),
        options.keepAliveMs ?? KEEP_ALIVE_MS,
      );
      // **NOTE:** errors thrown in here bypass app.onError: the stream must report them itself.
      try {
        for await (const event of events) {
          if (overtime.aborted && !stream.aborted) return await timedOut(stream);
          if (stream.aborted || signal.aborted) return;
          if (event.type === "token") {
            await stream.writeSSE({ event: "token", data: JSON.stringify({ text: event.text }) });
            continue;
          }
          const { answer } = event;
          await stream.writeSSE({
            event: "citations",
            data: JSON.stringify(linkCitations(answer.citations, options.articleUrlTemplate)),
          });
          await stream.writeSSE({
            event: "done",
            data: JSON.stringify({
              found: answer.found,
              mode: answer.mode,
              ...(answer.short && { short: answer.short }),
              ...(answer.confidence !== undefined && { confidence: answer.confidence }),
              ...(answer.warning && { warning: answer.warning }),
            }),
          });
        }
      } catch (err) {
        if (overtime.aborted && !stream.aborted) return await timedOut(stream);
        if (signal.aborted) {
          log({ level: "info", msg: "chat stream aborted by the client" });
          return;
        }
        log({ level: "error", msg: "chat stream failed", error: err instanceof Error ? err.stack : String(err) });
        await stream.writeSSE({
          event: "error",
          data: JSON.stringify({ code: "answer_failed", message: "The answer could not be completed; try again" }),
        });
      } finally {
        clearInterval(keepAlive);
      }
    });
    // Proxies must neither buffer nor transform the stream (streamSSE sets a plain "no-cache").
    response.headers.set("Cache-Control", "no-cache, no-transform");
    response.headers.set("X-Accel-Buffering", "no");
    response.headers.set(CACHE_HEADER, reused);
    return response;
  });
  return app;
}

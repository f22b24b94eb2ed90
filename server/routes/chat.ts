import { Hono } from "hono";
import { streamSSE } from "hono/streaming";
import { ChatBody, parseJsonBody } from "../schemas.ts";
import { ask, requireArticle, type Services } from "../services.ts";

/**
 * `POST /api/chat`: an answer with citations, as JSON or, with `"stream": true` or
 * `Accept: text/event-stream`, as Server-Sent Events: `token`… then `citations` then `done`.
 */
export function chatRoutes(services: Services, log: (entry: Record<string, unknown>) => void): Hono {
  const app = new Hono();
  app.post("/chat", async (c) => {
    const body = await parseJsonBody(c.req.raw, ChatBody);
    const question = { question: body.question, history: body.history, ...(body.articleId && { articleId: body.articleId }) };
    const wantsStream = body.stream || (c.req.header("accept") ?? "").includes("text/event-stream");
    if (!wantsStream) return c.json(await ask(services, question, c.req.raw.signal));

    // Checked before the stream opens, so an unknown article is a plain 404.
    requireArticle(services, body.articleId);
    const response = streamSSE(c, async (stream) => {
      // **NOTE:** errors thrown in here bypass app.onError: the stream must report them itself.
      try {
        const answer = await ask(services, question, c.req.raw.signal);
        for (const piece of answer.answer.match(/\S+\s*/gu) ?? []) {
          if (stream.aborted) return;
          await stream.writeSSE({ event: "token", data: JSON.stringify({ text: piece }) });
        }
        await stream.writeSSE({ event: "citations", data: JSON.stringify(answer.citations) });
        await stream.writeSSE({ event: "done", data: JSON.stringify({ found: answer.found, mode: answer.mode, ...(answer.warning && { warning: answer.warning }) }) });
      } catch (err) {
        log({ level: "error", msg: "chat stream failed", error: err instanceof Error ? err.stack : String(err) });
        await stream.writeSSE({ event: "error", data: JSON.stringify({ code: "internal_error", message: "The answer could not be completed; try again" }) });
      }
    });
    // Proxies must neither buffer nor transform the stream (streamSSE sets a plain "no-cache").
    response.headers.set("Cache-Control", "no-cache, no-transform");
    response.headers.set("X-Accel-Buffering", "no");
    return response;
  });
  return app;
}

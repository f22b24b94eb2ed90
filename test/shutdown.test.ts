import assert from "node:assert/strict";
import path from "node:path";
import { after, describe, it } from "node:test";
import { startFakeOpenAI } from "./support/fake-openai.ts";
import { seedCopy, startServer, tempDir } from "./support/helpers.ts";

/**
 * SIGTERM (a deploy, a scale-down) while a reader's answer is streaming: the reader still gets
 * the whole answer, its citations and `done`, new connections are refused, and the process then
 * exits 0. The chat model is a local fake that writes slowly.
 */
const fake = await startFakeOpenAI();
after(() => fake.close());

describe("graceful shutdown", () => {
  it("lets a chat stream in flight finish, then exits 0", async () => {
    const words = ["قزوین ", "در شش ماه ", "نخست امسال ", "۲۶۳ میلیون دلار ", "کالا ", "صادر کرد ", "[1]."];
    fake.script = () => ({ chunks: words, delayMs: 250 });
    const server = await startServer({
      ARTICLES_DIR: await seedCopy(),
      INDEX_DIR: path.join(await tempDir(), "index"),
      FEEDBACK_DIR: path.join(await tempDir(), "feedback"),
      OPENAI_API_KEY: "sk-test",
      OPENAI_BASE_URL: fake.baseURL,
      CHAT_MODEL: "fake-chat",
    });
    after(() => server.child.kill("SIGKILL"));

    const res = await fetch(`${server.url}/api/chat`, {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: JSON.stringify({ question: "ارزش صادرات کالا از قزوین چقدر بود؟", stream: true }),
    });
    assert.equal(res.status, 200);
    const reader = res.body!.getReader();
    const decoder = new TextDecoder();
    let raw = "";
    while (!raw.includes("event: token")) {
      const { value, done } = await reader.read();
      assert.ok(!done, "the stream ended before its first word");
      raw += decoder.decode(value, { stream: true });
    }

    server.child.kill("SIGTERM");
    // Once the server has begun shutting down, it takes no new connections.
    await waitFor(() => server.logs.some((l) => l.msg === "shutting down: finishing requests in flight"));
    await assert.rejects(fetch(`${server.url}/api/health`), "a new connection is refused during the drain");

    for (;;) {
      const { value, done } = await reader.read();
      if (done) break;
      raw += decoder.decode(value, { stream: true });
    }
    const events = raw
      .split("\n\n")
      .filter((block) => /^event: /m.test(block))
      .map((block) => ({
        event: /^event: (.+)$/m.exec(block)![1]!,
        data: JSON.parse(/^data: (.+)$/m.exec(block)![1]!),
      }));
    const tokens = events.filter((e) => e.event === "token").map((e) => e.data.text as string);
    assert.equal(tokens.join(""), words.join(""), "the whole answer arrived");
    assert.deepEqual(
      events.slice(tokens.length).map((e) => e.event),
      ["citations", "done"],
    );
    assert.equal(events.at(-2)!.data.length, 1, "its citation");
    assert.deepEqual(events.at(-1)!.data, { found: true, mode: "llm" });
    assert.equal(await server.exited, 0);
  });
});

async function waitFor(condition: () => boolean, ms = 5000): Promise<void> {
  const until = Date.now() + ms;
  while (!condition()) {
    if (Date.now() > until) throw new Error(`not within ${ms} ms`);
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
}

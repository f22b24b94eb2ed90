import assert from "node:assert/strict";
import { after, describe, it } from "node:test";
import http from "node:http";
import path from "node:path";
import { FUZZ_KINDS, fuzzRequests, judge, runFuzz } from "./support/fuzz.ts";
import { seedApp, seedCopy, startServer, tempDir } from "./support/helpers.ts";

/**
 * Malformed and hostile requests (test/support/fuzz.ts, shared with `npm run bench -- --load`) never
 * get a 5xx, get the contract's error shape under /api, leak nothing, and leave the server
 * answering. Seeded, so a failure can be replayed.
 */
const { app, logged } = await seedApp();

describe("2,000 malformed or hostile requests", () => {
  it("get 4xx with the error shape (or a real answer), never a 5xx or a leak, and the server still answers", async () => {
    const statuses = new Map<number, number>();
    const kinds = new Map<string, number>();
    for (const request of fuzzRequests(20261122, 2000)) {
      const res = await app.request(request.path, {
        method: request.method,
        headers: request.headers,
        ...(request.body !== undefined && { body: request.body as RequestInit["body"] }),
      });
      const body = await res.text();
      statuses.set(res.status, (statuses.get(res.status) ?? 0) + 1);
      kinds.set(request.kind, (kinds.get(request.kind) ?? 0) + 1);
      assert.equal(
        judge(request, res.status, body),
        undefined,
        `${res.status} for ${request.kind}: ${request.method} ${request.path.slice(0, 200)} → ${body.slice(0, 200)}`,
      );
    }
    assert.deepEqual([...kinds.keys()].sort(), [...FUZZ_KINDS].sort(), "every kind was sent");
    assert.ok((statuses.get(400) ?? 0) > 500, `few 400s: ${JSON.stringify([...statuses])}`);
    assert.deepEqual(
      logged.filter((l) => l.level === "error"),
      [],
    );
    const res = await app.request("/api/chat", {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: JSON.stringify({ question: "قم چند شهرک صنعتی دارد؟" }),
    });
    assert.ok(((await res.json()) as { answer: string }).answer.startsWith("هفت شهرک صنعتی"));
  });

  it("over real sockets, 16 at a time, get no 5xx and no dropped connection, even when their body is never read", async () => {
    const server = await startServer({
      ARTICLES_DIR: await seedCopy(),
      INDEX_DIR: path.join(await tempDir(), "index"),
      FEEDBACK_DIR: path.join(await tempDir(), "feedback"),
      RATE_LIMIT_PER_MINUTE: "0",
      ADMIN_TOKEN: "fuzz-admin-token-0123456789",
    });
    after(async () => {
      server.child.kill("SIGTERM");
      await server.exited;
    });
    const { rows, failures } = await runFuzz(server.url, { count: 1200, seed: 7, concurrency: 16 });
    assert.deepEqual(failures, []);
    assert.equal(
      rows.reduce((n, r) => n + r.server5xx + r.socketErrors + r.badBodies, 0),
      0,
      JSON.stringify(rows),
    );

    // A body refused unread (413) ends its connection, so no next request is sent on it while
    // the rest of the body is still being drained.
    const refused = await new Promise<http.IncomingMessage>((resolve, reject) => {
      const body = JSON.stringify({ question: "قم چند شهرک صنعتی دارد؟", pad: "x".repeat(100_000) });
      const url = new URL(`${server.url}/api/chat`);
      const req = http.request(
        {
          host: url.hostname,
          port: url.port,
          path: url.pathname,
          method: "POST",
          headers: { "content-type": "application/json", "content-length": Buffer.byteLength(body) },
        },
        (res) => {
          res.resume();
          resolve(res);
        },
      );
      req.on("error", reject);
      req.end(body);
    });
    assert.equal(refused.statusCode, 413);
    assert.equal(refused.headers.connection, "close");
  });
});

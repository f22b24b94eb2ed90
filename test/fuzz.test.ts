import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { FUZZ_KINDS, fuzzRequests, judge } from "../bench/fuzz.ts";
import { seedApp } from "./helpers.ts";

/**
 * Malformed and hostile requests (bench/fuzz.ts, shared with `npm run bench -- --load`) never
 * get a 5xx, get the contract's error shape under /api, leak nothing, and leave the server
 * answering. Seeded, so a failure can be replayed.
 */
const { app, logged } = await seedApp();

describe("2,000 malformed or hostile requests", () => {
  it("get 4xx with the error shape (or a real answer), never a 5xx or a leak, and the server still answers", async () => {
    const statuses = new Map<number, number>();
    const kinds = new Map<string, number>();
    for (const request of fuzzRequests(20261122, 2000)) {
      const res = await app.request(request.path, { method: request.method, headers: request.headers, ...(request.body !== undefined && { body: request.body as RequestInit["body"] }) });
      const body = await res.text();
      statuses.set(res.status, (statuses.get(res.status) ?? 0) + 1);
      kinds.set(request.kind, (kinds.get(request.kind) ?? 0) + 1);
      assert.equal(judge(request, res.status, body), undefined, `${res.status} for ${request.kind}: ${request.method} ${request.path.slice(0, 200)} → ${body.slice(0, 200)}`);
    }
    assert.deepEqual([...kinds.keys()].sort(), [...FUZZ_KINDS].sort(), "every kind was sent");
    assert.ok((statuses.get(400) ?? 0) > 500, `few 400s: ${JSON.stringify([...statuses])}`);
    assert.deepEqual(logged.filter((l) => l.level === "error"), []);
    const res = await app.request("/api/chat", { method: "POST", body: JSON.stringify({ question: "قم چند شهرک صنعتی دارد؟" }) });
    assert.ok(((await res.json()) as { answer: string }).answer.startsWith("هفت شهرک صنعتی"));
  });
});

import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { LIMITS } from "../server/schemas.ts";
import { seedApp } from "./support/helpers.ts";

const { app } = await seedApp();

describe("GET /api/openapi.json", () => {
  it("describes every route, with request schemas taken from the validators", async () => {
    const res = await app.request("/api/openapi.json");
    assert.equal(res.status, 200);
    const doc = (await res.json()) as any;
    assert.equal(doc.openapi, "3.1.0");
    assert.deepEqual(Object.keys(doc.paths).sort(), [
      "/api/articles",
      "/api/articles/{id}",
      "/api/chat",
      "/api/health",
      "/api/search",
    ]);
    const chat = doc.paths["/api/chat"].post.requestBody.content["application/json"].schema;
    assert.deepEqual(chat.required, ["question"]);
    assert.equal(chat.properties.question.maxLength, LIMITS.questionChars, "the same limit the server enforces");
    assert.equal(chat.properties.history.maxItems, LIMITS.historyTurns);
    const search = doc.paths["/api/search"].post.requestBody.content["application/json"].schema;
    assert.equal(search.properties.k.maximum, LIMITS.maxK);
    assert.deepEqual(
      doc.paths["/api/articles"].get.parameters.map((p: { name: string }) => p.name),
      ["limit", "offset"],
    );
    assert.ok(doc.paths["/api/chat"].post.responses["200"].content["text/event-stream"]);
    assert.ok(doc.components.schemas.Answer.properties.citations);
  });

  it("has a readable page for people", async () => {
    const res = await app.request("/api/docs");
    assert.equal(res.status, 200);
    const html = await res.text();
    assert.match(html, /POST \/api\/chat/);
    assert.match(html, /&quot;question&quot;/);
  });
});

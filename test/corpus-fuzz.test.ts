import assert from "node:assert/strict";
import path from "node:path";
import { after, describe, it } from "node:test";
import {
  CORPUS_FUZZ_KINDS,
  corpusFuzzTable,
  fuzzCorpus,
  runCorpusFuzz,
  writeFuzzFiles,
  type Send,
} from "./support/corpus-fuzz.ts";
import { createApp } from "../server/app.ts";
import { FeedbackStore } from "../server/feedback.ts";
import { BACKENDS, backendSkip, seedBackend } from "./support/backends.ts";
import { tempDir } from "./support/helpers.ts";

/**
 * Articles a newsroom really publishes, and some an attacker would: English names that are
 * JavaScript's own («constructor», «__proto__», «toString»), URLs, emoji, bidi marks, HTML,
 * 10,000-character words, a one-line megabyte (test/support/corpus-fuzz.ts). Ingested and published,
 * then asked about, read, replaced and deleted: no 5xx, and those named for JavaScript's own
 * words answer their own questions.
 * `npm run bench -- --fuzz` runs the full corpus against the real server.
 */
const TOKEN = "corpus-fuzz-admin-token-0123";
// One ratings database for both stores: opening PGlite takes seconds.
const feedback = new FeedbackStore(path.join(await tempDir(), "feedback"));
after(() => feedback.close());

for (const backend of BACKENDS) {
  describe(`a corpus of hostile and unlucky articles on the ${backend} index`, { skip: backendSkip(backend) }, () => {
    it("is ingested, published, asked about, replaced and deleted without a single 5xx", async () => {
      const articles = fuzzCorpus(20261204, "small");
      const articlesDir = path.join(await tempDir(), "articles");
      await writeFuzzFiles(articlesDir, articles);
      const { assistant, logged } = await seedBackend(backend, articlesDir);
      const app = createApp(assistant, { log: (e) => logged.push(e), feedback, admin: { token: TOKEN, articlesDir } });
      const send: Send = async (method, url, body, headers = {}) => {
        const res = await app.request(url, {
          method,
          headers: { "content-type": "application/json", ...headers },
          ...(body !== undefined && { body: JSON.stringify(body) }),
        });
        return { status: res.status, text: await res.text() };
      };
      const result = await runCorpusFuzz(send, articles, { adminToken: TOKEN });
      const table = corpusFuzzTable(result);
      assert.deepEqual(result.failures, [], table);
      assert.deepEqual(
        result.rows.map((r) => r.kind),
        [...CORPUS_FUZZ_KINDS],
      );
      for (const row of result.rows)
        assert.ok(row.requests > 0 && row.server5xx === 0 && row.streamErrors === 0, table);
      assert.deepEqual(
        logged.filter((l) => l.level === "error"),
        [],
      );
      // An article named for what JavaScript objects hold answers like any other.
      const names = result.rows.find((r) => r.kind === "prototype names")!;
      assert.ok(names.asked >= 20 && names.right === names.asked, table);
    });
  });
}

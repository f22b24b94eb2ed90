import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { LIMITS } from "../server/schemas.ts";
import { BACKENDS, backendSkip, seedBackend } from "./support/backends.ts";
import { FURNITURE, post } from "./support/helpers.ts";

const QOM = "003_5e0f5a173f3dffd5";
const QAZVIN_EXPORTS = "000_6460d26cea20ff96";

async function json(res: Response | Promise<Response>) {
  const r = await res;
  return { status: r.status, body: (await r.json()) as any, headers: r.headers };
}

async function expectError(res: Response | Promise<Response>, status: number, code: string, message?: RegExp) {
  const { status: s, body } = await json(res);
  assert.equal(s, status, JSON.stringify(body));
  assert.equal(body.error.code, code);
  assert.equal(typeof body.error.message, "string");
  if (message) assert.match(body.error.message, message);
}

for (const backend of BACKENDS) {
  describe(`the HTTP API on the ${backend} index`, { skip: backendSkip(backend) }, async () => {
    const { app, index } = await seedBackend(backend);

    describe("GET /api/health", () => {
      it("reports the corpus, the embedder, the answerer and the re-ranker", async () => {
        const { status, body } = await json(app.request("/api/health"));
        assert.equal(status, 200);
        assert.deepEqual(body, {
          status: "ok",
          articles: 5,
          chunks: index.manifest.counts.chunks,
          embedder: "local-hash-v1-d256",
          answerer: "extractive",
          reranker: "learned",
        });
      });
    });

    describe("GET /api/articles", () => {
      it("lists articles newest first, with their metadata and the total", async () => {
        const { body } = await json(app.request("/api/articles"));
        assert.equal(body.total, 5);
        assert.deepEqual(body.articles.map((a: any) => a.id).slice(0, 2), [
          "004_6f85bbe77279df80",
          "001_ac32e4e684eddc00",
        ]);
        assert.deepEqual(body.articles[0], {
          id: "004_6f85bbe77279df80",
          title: "استاندار قزوین: هم اکنون ۱۴۰ واحد دانشبنیان در سطح استان فعالیت دارند",
          source: "باشگاه خبرنگاران جوان",
          publishedAt: "2025-12-15",
        });
      });

      it("pages with limit and offset", async () => {
        const all = (await json(app.request("/api/articles"))).body.articles.map((a: any) => a.id);
        const page = (await json(app.request("/api/articles?limit=2&offset=2"))).body;
        assert.deepEqual(
          page.articles.map((a: any) => a.id),
          all.slice(2, 4),
        );
        assert.equal(page.total, 5);
      });

      it("rejects a bad limit or offset, naming it", async () => {
        await expectError(app.request("/api/articles?limit=0"), 400, "invalid_request", /^limit must be at least 1/);
        await expectError(app.request("/api/articles?limit=abc"), 400, "invalid_request", /^limit /);
        await expectError(
          app.request("/api/articles?offset=-1"),
          400,
          "invalid_request",
          /^offset must not be negative/,
        );
        await expectError(
          app.request(`/api/articles?limit=${LIMITS.pageSize + 1}`),
          400,
          "invalid_request",
          /limit must be at most 100/,
        );
      });
    });

    describe("GET /api/articles/:id", () => {
      it("returns the cleaned article with suggested questions", async () => {
        const { status, body } = await json(app.request(`/api/articles/${QAZVIN_EXPORTS}`));
        assert.equal(status, 200);
        assert.equal(body.title, "۲۶۳ میلیون دلار کالا از قزوین صادر شد");
        assert.equal(body.source, "تسنیم");
        assert.ok(body.text.startsWith("به گزارش خبرگزاری تسنیم"));
        assert.ok(Array.isArray(body.suggestedQuestions));
        for (const f of FURNITURE) assert.ok(!body.text.includes(f));
      });

      it("answers 404 for an unknown id", async () => {
        await expectError(app.request("/api/articles/no-such-article"), 404, "article_not_found", /no-such-article/);
      });
    });

    describe("POST /api/search", () => {
      it("returns chunks ranked best first, with their article and exact text", async () => {
        const { status, body } = await json(post(app, "/api/search", { query: "فرش دستباف و ابریشم قم", k: 5 }));
        assert.equal(status, 200);
        assert.equal(body.results.length, 5);
        assert.equal(body.results[0].articleId, QOM);
        for (const [i, r] of body.results.entries()) {
          assert.deepEqual(Object.keys(r).sort(), ["articleId", "chunkId", "end", "score", "start", "text", "title"]);
          assert.equal(index.articles.get(r.articleId)!.text.slice(r.start, r.end), r.text);
          if (i > 0) assert.ok(body.results[i - 1].score >= r.score, "not sorted by score");
        }
      });

      it("defaults k to 10 and never returns more chunks than there are", async () => {
        const { body } = await json(post(app, "/api/search", { query: "صنعت" }));
        assert.equal(body.results.length, 10);
        const all = await json(post(app, "/api/search", { query: "صنعت", k: 50 }));
        assert.equal(all.body.results.length, index.manifest.counts.chunks);
      });

      it("boosts the reader's article without hiding related ones", async () => {
        const plain = (await json(post(app, "/api/search", { query: "افزایش صادرات", k: 5 }))).body.results;
        const scoped = (
          await json(post(app, "/api/search", { query: "افزایش صادرات", k: 5, articleId: "002_804e4a69935f094f" }))
        ).body.results;
        assert.equal(scoped[0].articleId, "002_804e4a69935f094f");
        assert.ok(
          scoped.some((r: any) => r.articleId !== "002_804e4a69935f094f"),
          "related articles must stay visible",
        );
        assert.ok(plain.length === scoped.length);
      });

      it("rejects bad input with a message that names the field", async () => {
        await expectError(post(app, "/api/search", {}), 400, "invalid_request", /^query is required/);
        await expectError(
          post(app, "/api/search", { query: "   " }),
          400,
          "invalid_request",
          /^query must not be empty/,
        );
        await expectError(post(app, "/api/search", { query: 12 }), 400, "invalid_request", /^query must be a string/);
        await expectError(
          post(app, "/api/search", { query: "قم", k: 0 }),
          400,
          "invalid_request",
          /^k must be at least 1/,
        );
        await expectError(
          post(app, "/api/search", { query: "قم", k: 51 }),
          400,
          "invalid_request",
          /^k must be at most 50/,
        );
        await expectError(
          post(app, "/api/search", { query: "قم", k: "5" }),
          400,
          "invalid_request",
          /^k must be a number/,
        );
        await expectError(
          post(app, "/api/search", { query: "قم", k: 2.5 }),
          400,
          "invalid_request",
          /^k must be a whole number/,
        );
        await expectError(
          post(app, "/api/search", { query: "قم", articleId: 7 }),
          400,
          "invalid_request",
          /^articleId must be a string/,
        );
        await expectError(post(app, "/api/search", { query: "قم", articleId: "nope" }), 404, "article_not_found");
      });
    });

    describe("POST /api/chat", () => {
      it("answers a Persian question with the figure, quoting and citing the article", async () => {
        const { status, body } = await json(
          post(app, "/api/chat", { question: "چند واحد صنفی در استان قم فعالیت می‌کنند؟" }),
        );
        assert.equal(status, 200);
        assert.equal(body.found, true);
        assert.equal(body.mode, "extractive");
        assert.ok(body.answer.includes("۴۵هزار واحد صنفی"), body.answer);
        assert.equal(body.citations[0].articleId, QOM);
        assert.equal(body.citations[0].n, 1);
        assert.ok(body.answer.includes("[1]"));
      });

      it("quotes only exact article text, and every [n] marker has its citation", async () => {
        for (const question of [
          "ارزش صادرات قم در فروردین و اردیبهشت چقدر بود؟",
          "مهم‌ترین مشکل صنایع کوچک قزوین چیست؟",
          "رئیس سازمان صنعت، معدن و تجارت استان قزوین کیست؟",
        ]) {
          const { body } = await json(post(app, "/api/chat", { question }));
          assert.equal(body.found, true, question);
          const markers = [...body.answer.matchAll(/\[(\d+)\]/g)].map((m) => Number(m[1]));
          assert.ok(markers.length > 0);
          for (const n of markers)
            assert.ok(
              body.citations.some((c: any) => c.n === n),
              `[${n}] has no citation`,
            );
          for (const c of body.citations) {
            const article = index.articles.get(c.articleId)!;
            assert.equal(article.text.slice(c.start, c.end), c.quote);
            assert.equal(c.title, article.title);
            assert.equal(typeof c.score, "number");
          }
        }
      });

      it("says it does not know, citing nothing, when the articles do not answer", async () => {
        const { status, body } = await json(post(app, "/api/chat", { question: "قیمت بنزین در تهران چقدر است؟" }));
        assert.equal(status, 200);
        assert.equal(body.found, false);
        assert.deepEqual(body.citations, []);
        assert.match(body.answer, /پاسخی .*پیدا نکردم/);
      });

      it("summarises the article the reader is on", async () => {
        const { body } = await json(
          post(app, "/api/chat", { question: "خلاصه این خبر چیست؟", articleId: QAZVIN_EXPORTS }),
        );
        assert.equal(body.found, true);
        assert.ok(body.citations.every((c: any) => c.articleId === QAZVIN_EXPORTS));
        assert.ok(body.answer.includes("۲۶۳ میلیون دلار کالا از قزوین صادر شد"));
      });

      it("never quotes page furniture, even when asked for it", async () => {
        for (const question of [
          "گفتگو با هوش مصنوعی",
          "انتهای پیام",
          "آدرس ایمیل خود را با فرمت مناسب وارد نمایید",
          "مهمترین اخبار ایران و جهان",
          "شناسه خبر 644699 چیست؟",
        ]) {
          const { body } = await json(post(app, "/api/chat", { question }));
          for (const f of FURNITURE) {
            assert.ok(!body.citations.some((c: any) => c.quote.includes(f)), `quote with «${f}» for «${question}»`);
          }
        }
        const { body } = await json(
          post(app, "/api/search", { query: "گفتگو با هوش مصنوعی سلام راهنماییت کنم", k: 50 }),
        );
        for (const r of body.results)
          for (const f of FURNITURE) assert.ok(!r.text.includes(f), `chunk ${r.chunkId} has «${f}»`);
      });

      it("accepts history and ignores unknown fields", async () => {
        const { status, body } = await json(
          post(app, "/api/chat", {
            question: "قم چند شهرک صنعتی دارد؟",
            history: [
              { role: "user", content: "سلام" },
              { role: "assistant", content: "سلام!" },
            ],
            extra: { any: 1 },
          }),
        );
        assert.equal(status, 200);
        assert.equal(body.found, true);
      });

      it("rejects bad input with a 4xx that says what was wrong", async () => {
        await expectError(post(app, "/api/chat", {}), 400, "invalid_request", /^question is required/);
        await expectError(
          post(app, "/api/chat", { question: "" }),
          400,
          "invalid_request",
          /^question must not be empty/,
        );
        await expectError(
          post(app, "/api/chat", { question: ["قم"] }),
          400,
          "invalid_request",
          /^question must be a string/,
        );
        await expectError(
          post(app, "/api/chat", { question: "ق".repeat(LIMITS.questionChars + 1) }),
          400,
          "invalid_request",
          /^question is longer than 1000 characters/,
        );
        await expectError(
          post(app, "/api/chat", { question: "قم", history: "سلام" }),
          400,
          "invalid_request",
          /^history must be an array/,
        );
        await expectError(
          post(app, "/api/chat", { question: "قم", history: [{ role: "system", content: "x" }] }),
          400,
          "invalid_request",
          /^history\[0\]\.role must be "user" or "assistant"/,
        );
        await expectError(
          post(app, "/api/chat", { question: "قم", history: [{ role: "user", content: 5 }] }),
          400,
          "invalid_request",
          /^history\[0\]\.content must be a string/,
        );
        const turns = Array.from({ length: LIMITS.historyTurns + 1 }, () => ({ role: "user", content: "سلام" }));
        await expectError(
          post(app, "/api/chat", { question: "قم", history: turns }),
          400,
          "invalid_request",
          /^history has more than 20 turns/,
        );
        await expectError(
          post(app, "/api/chat", { question: "قم", stream: "yes" }),
          400,
          "invalid_request",
          /^stream must be true or false/,
        );
        await expectError(
          post(app, "/api/chat", { question: "قم", articleId: "nope" }),
          404,
          "article_not_found",
          /"nope"/,
        );
        await expectError(post(app, "/api/chat", "{not json"), 400, "invalid_json", /not valid JSON/);
        await expectError(post(app, "/api/chat", ""), 400, "invalid_json", /empty/);
        await expectError(post(app, "/api/chat", "[1,2]"), 400, "invalid_request", /JSON object/);
        await expectError(post(app, "/api/chat", "null"), 400, "invalid_request", /JSON object/);
      });

      it("refuses NUL characters in any field, naming the field", async () => {
        await expectError(
          post(app, "/api/chat", { question: "قم\u0000 چند شهرک صنعتی دارد؟" }),
          400,
          "invalid_request",
          /^question must not contain NUL characters/,
        );
        await expectError(
          post(app, "/api/chat", { question: "قم", history: [{ role: "user", content: "\u0000" }] }),
          400,
          "invalid_request",
          /^history\[0\]\.content must not contain NUL characters/,
        );
        await expectError(
          post(app, "/api/search", { query: "قم", articleId: "a\u0000b" }),
          400,
          "invalid_request",
          /^articleId must not contain NUL characters/,
        );
      });

      it("says invalid_json, not that a field is missing, for a body that is not UTF-8 or holds a raw NUL", async () => {
        const bytes = (...parts: Array<string | number[]>) =>
          Buffer.concat(parts.map((p) => (typeof p === "string" ? Buffer.from(p) : Buffer.from(p))));
        // A broken byte inside a field's name: decoded leniently, «question» became another name.
        await expectError(
          post(app, "/api/chat", bytes('{"quest', [0xc3, 0x28], 'ion":"قم چند شهرک صنعتی دارد؟"}')),
          400,
          "invalid_json",
          /not valid UTF-8/,
        );
        await expectError(
          post(app, "/api/chat", bytes('{"question":"قم ', [0x80], '"}')),
          400,
          "invalid_json",
          /not valid UTF-8/,
        );
        await expectError(
          post(app, "/api/search", bytes('{"query":"', [0xed, 0xa0, 0x80], '"}')),
          400,
          "invalid_json",
          /not valid UTF-8/,
        );
        await expectError(
          post(app, "/api/chat", bytes('{"question":"قم', [0], '"}')),
          400,
          "invalid_json",
          /not valid JSON/,
        );
        await expectError(
          post(app, "/api/chat", bytes([0], '{"question":"قم"}')),
          400,
          "invalid_json",
          /not valid JSON/,
        );
        // A UTF-8 byte order mark is UTF-8.
        assert.equal(
          (await post(app, "/api/chat", bytes([0xef, 0xbb, 0xbf], '{"question":"قم چند شهرک صنعتی دارد؟"}'))).status,
          200,
        );
      });

      it("reads bodies sent as JSON only (415 otherwise), so a page elsewhere cannot post without a CORS preflight", async () => {
        const body = JSON.stringify({ question: "قم چند شهرک صنعتی دارد؟" });
        for (const type of [
          "text/plain",
          "text/plain;charset=UTF-8",
          "application/x-www-form-urlencoded",
          "multipart/form-data; boundary=x",
        ]) {
          for (const route of ["/api/chat", "/api/search"]) {
            await expectError(
              app.request(route, { method: "POST", headers: { "content-type": type }, body }),
              415,
              "unsupported_media_type",
              new RegExp(`Content-Type: application/json \\(not "${type.replace(/[.*+?^${}()|[\]\\]/g, "\\$&")}"\\)`),
            );
          }
        }
        await expectError(
          app.request("/api/chat", { method: "POST", body: new Uint8Array(Buffer.from(body)) }),
          415,
          "unsupported_media_type",
          /Content-Type: application\/json$/,
        );
        for (const type of ["application/json", "application/json; charset=utf-8", "Application/JSON"]) {
          assert.equal(
            (await app.request("/api/chat", { method: "POST", headers: { "content-type": type }, body })).status,
            200,
            type,
          );
        }
      });

      it("answers 413 to a body over the limit", async () => {
        const big = JSON.stringify({ question: "قم", pad: "x".repeat(LIMITS.bodyBytes) });
        await expectError(post(app, "/api/chat", big), 413, "payload_too_large", /64 KiB/);
      });

      it("answers 404 in the error shape for unknown routes", async () => {
        await expectError(app.request("/api/nothing"), 404, "not_found", /GET \/api\/nothing/);
        await expectError(app.request("/api/chat"), 404, "not_found");
      });
    });

    describe("POST /api/chat with streaming", () => {
      async function events(res: Response) {
        const text = await res.text();
        return text
          .split("\n\n")
          .filter((block) => block.trim() !== "")
          .map((block) => {
            const event = /^event: (.+)$/m.exec(block)?.[1];
            const data = /^data: (.+)$/m.exec(block)?.[1];
            return { event, data: data === undefined ? undefined : JSON.parse(data) };
          });
      }

      it("sends tokens, then citations, then done, adding up to the JSON answer", async () => {
        const question = "قم چند شهرک صنعتی دارد؟";
        const plain = (await json(post(app, "/api/chat", { question }))).body;
        const res = await post(app, "/api/chat", { question, stream: true });
        assert.equal(res.status, 200);
        assert.match(res.headers.get("content-type") ?? "", /^text\/event-stream/);
        assert.equal(res.headers.get("cache-control"), "no-cache, no-transform");
        assert.equal(res.headers.get("x-accel-buffering"), "no");
        const list = await events(res);
        const tokens = list.filter((e) => e.event === "token");
        assert.ok(tokens.length > 1);
        assert.equal(tokens.map((t) => t.data.text).join(""), plain.answer);
        assert.deepEqual(
          list.slice(tokens.length).map((e) => e.event),
          ["citations", "done"],
        );
        assert.deepEqual(list.at(-2)!.data, plain.citations);
        assert.deepEqual(list.at(-1)!.data, {
          found: true,
          mode: "extractive",
          short: plain.short,
          confidence: plain.confidence,
        });
        assert.ok(plain.confidence >= 0.5 && plain.confidence <= 1, `confidence ${plain.confidence}`);
        assert.equal(plain.short, "هفت شهرک صنعتی");
      });

      it("streams when the client asks with Accept: text/event-stream", async () => {
        const res = await app.request("/api/chat", {
          method: "POST",
          headers: { "content-type": "application/json", accept: "text/event-stream" },
          body: JSON.stringify({ question: "قیمت بنزین چقدر است؟" }),
        });
        const list = await events(res);
        const done = list.at(-1)!;
        assert.equal(done.event, "done");
        assert.equal(done.data.found, false);
        assert.equal(done.data.mode, "extractive");
        // A refusal tells how sure the best answer it turned down was: below the threshold.
        assert.ok(done.data.confidence === undefined || done.data.confidence < 0.5, JSON.stringify(done.data));
      });

      it("rejects bad input before the stream opens", async () => {
        await expectError(post(app, "/api/chat", { question: "", stream: true }), 400, "invalid_request");
        await expectError(
          post(app, "/api/chat", { question: "قم", stream: true, articleId: "nope" }),
          404,
          "article_not_found",
        );
      });
    });
  });
}

import assert from "node:assert/strict";
import path from "node:path";
import { describe, it } from "node:test";
import { openIndex } from "../core/corpus/embedded/store.ts";
import { buildIndex } from "../ingest/build.ts";
import { createApp } from "../server/app.ts";
import { killDuringBatchUpdate } from "./support/faults.ts";
import { BACKENDS, backendSkip, seedBackend, type Backend } from "./support/backends.ts";
import { post, same, seedCopy, tempDir } from "./support/helpers.ts";

const TOKEN = "test-admin-token-0123456789";
const ANZALI = {
  title: "رکورد تازه بندر انزلی",
  text: "بندر انزلی امسال پذیرای ۴۷۰ کشتی تجاری بود و حجم کالای تخلیه شده در این بندر به ۳ میلیون تن رسید.",
  source: "ایرنا",
};

async function adminApp(backend: Backend, token: string | null = TOKEN) {
  const articlesDir = await seedCopy();
  const { assistant } = await seedBackend(backend, articlesDir);
  const app = createApp(assistant, { log: () => {}, ...(token && { admin: { token, articlesDir } }) });
  return { app, articlesDir };
}

function send(
  app: Awaited<ReturnType<typeof adminApp>>["app"],
  method: string,
  url: string,
  body?: unknown,
  token: string | null = TOKEN,
) {
  return app.request(url, {
    method,
    headers: { "content-type": "application/json", ...(token && { authorization: `Bearer ${token}` }) },
    ...(body !== undefined && { body: JSON.stringify(body) }),
  });
}

async function chat(app: Awaited<ReturnType<typeof adminApp>>["app"], question: string) {
  return (await (await post(app, "/api/chat", { question })).json()) as {
    answer: string;
    found: boolean;
    citations: Array<{ articleId: string }>;
  };
}

for (const backend of BACKENDS) {
  describe(`the article management API on the ${backend} index`, { skip: backendSkip(backend) }, () => {
    it("makes a published article answerable at once, a replaced one answer anew, and a deleted one unanswerable", async () => {
      const { app } = await adminApp(backend);
      assert.equal((await chat(app, "بندر انزلی امسال پذیرای چند کشتی بود؟")).found, false);

      const started = performance.now();
      const put = await send(app, "PUT", "/api/articles/anzali-1", ANZALI);
      assert.equal(put.status, 200);
      const answer = await chat(app, "بندر انزلی امسال پذیرای چند کشتی بود؟");
      assert.ok(performance.now() - started < 1000, "answerable within a second");
      assert.equal(answer.found, true);
      assert.ok(same(answer.answer).includes(same("۴۷۰ کشتی")), answer.answer);
      assert.equal(answer.citations[0]!.articleId, "anzali-1");
      assert.ok(
        (
          (await (await app.request("/api/articles?limit=100")).json()) as { articles: Array<{ id: string }> }
        ).articles.some((a) => a.id === "anzali-1"),
      );

      await send(app, "PUT", "/api/articles/anzali-1", { ...ANZALI, text: ANZALI.text.replace("۴۷۰", "۵۱۲") });
      const replaced = await chat(app, "بندر انزلی امسال پذیرای چند کشتی بود؟");
      assert.ok(
        same(replaced.answer).includes(same("۵۱۲ کشتی")) && !same(replaced.answer).includes(same("۴۷۰")),
        replaced.answer,
      );

      assert.equal((await send(app, "DELETE", "/api/articles/anzali-1")).status, 204);
      assert.equal((await chat(app, "بندر انزلی امسال پذیرای چند کشتی بود؟")).found, false);
      assert.equal((await app.request("/api/articles/anzali-1")).status, 404);
      assert.equal((await send(app, "DELETE", "/api/articles/anzali-1")).status, 404);
    });

    it("gives a question asked again the answer it gave (X-Answer-Cache: hit), and writes it anew after any change to the articles", async () => {
      const { app } = await adminApp(backend);
      const question = "بندر انزلی امسال پذیرای چند کشتی بود؟";
      const ask = async (body: Record<string, unknown> = {}, headers: Record<string, string> = {}) => {
        const res = await app.request("/api/chat", {
          method: "POST",
          headers: { "content-type": "application/json", ...headers },
          body: JSON.stringify({ question, ...body }),
        });
        assert.equal(res.status, 200);
        return {
          cache: res.headers.get("x-answer-cache"),
          body: (await res.json()) as { answer: string; found: boolean; citations: Array<{ articleId: string }> },
        };
      };
      assert.equal((await send(app, "PUT", "/api/articles/anzali-1", ANZALI)).status, 200);
      const first = await ask();
      assert.equal(first.cache, "miss");
      assert.ok(first.body.found && same(first.body.answer).includes(same("۴۷۰ کشتی")), first.body.answer);
      const again = await ask();
      assert.equal(again.cache, "hit");
      assert.deepEqual(again.body, first.body);
      // Typed another way (Arabic «ي» and «ك», a ZWNJ, doubled spaces), it is the same question:
      // written anew, its answer is the same, so the kept one is given.
      const variant = { question: "بندر  انزلي ام\u200cسال پذيراي چند كشتي بود؟" };
      const variantAgain = await ask(variant);
      assert.equal(variantAgain.cache, "hit");
      assert.deepEqual(variantAgain.body, first.body);
      assert.deepEqual((await ask(variant, { "cache-control": "no-cache" })).body, first.body);

      // Streamed, the kept answer comes as tokens that add up to it, with its citations.
      const res = await app.request("/api/chat", {
        method: "POST",
        headers: { "content-type": "application/json" },
        body: JSON.stringify({ question, stream: true }),
      });
      assert.equal(res.headers.get("x-answer-cache"), "hit");
      const events = (await res.text())
        .split("\n\n")
        .filter((b) => b.startsWith("event: "))
        .map((b) => ({ event: /^event: (.+)$/m.exec(b)![1], data: JSON.parse(/^data: (.+)$/m.exec(b)![1]!) }));
      assert.equal(
        events
          .filter((e) => e.event === "token")
          .map((e) => e.data.text)
          .join(""),
        first.body.answer,
      );
      assert.deepEqual(events.find((e) => e.event === "citations")!.data, first.body.citations);

      // Asked on an article's page, or after a conversation, it is another question; `no-cache` asks for a new answer.
      assert.equal((await ask({ articleId: "anzali-1" })).cache, "miss");
      assert.equal(
        (
          await ask({
            history: [
              { role: "user", content: "سلام" },
              { role: "assistant", content: "سلام! بپرسید." },
            ],
          })
        ).cache,
        "miss",
      );
      const fresh = await ask({}, { "cache-control": "no-cache" });
      assert.equal(fresh.cache, "miss");
      assert.deepEqual(fresh.body, first.body);

      // Any change may change any answer: another article's publication makes this one stale too.
      await send(app, "PUT", "/api/articles/rasht-1", {
        title: "نمایشگاه کتاب رشت",
        text: "نمایشگاه کتاب رشت با حضور ۲۱۰ ناشر در گیلان گشایش یافت.",
      });
      const afterOther = await ask();
      assert.equal(afterOther.cache, "miss");
      assert.deepEqual(afterOther.body, first.body);
      await send(app, "PUT", "/api/articles/anzali-1", { ...ANZALI, text: ANZALI.text.replace("۴۷۰", "۵۱۲") });
      const replaced = await ask();
      assert.equal(replaced.cache, "miss");
      assert.ok(
        same(replaced.body.answer).includes(same("۵۱۲ کشتی")) && !same(replaced.body.answer).includes(same("۴۷۰")),
        replaced.body.answer,
      );
      assert.equal((await send(app, "DELETE", "/api/articles/anzali-1")).status, 204);
      const deleted = await ask();
      assert.deepEqual([deleted.cache, deleted.body.found, deleted.body.citations.length], ["miss", false, 0]);
    });

    it("publishes a batch all or nothing, naming the bad article", async () => {
      const { app } = await adminApp(backend);
      const bad = await send(app, "POST", "/api/articles", {
        articles: [
          { id: "b1", ...ANZALI },
          { id: "b2", title: "بی‌متن" },
        ],
      });
      assert.equal(bad.status, 400);
      assert.match(((await bad.json()) as { error: { message: string } }).error.message, /^articles\[1\]: has no text/);
      assert.equal((await app.request("/api/articles/b1")).status, 404, "nothing of a rejected batch is published");

      const ok = await send(app, "POST", "/api/articles", [
        { id: "b1", ...ANZALI },
        { id: "b2", title: "نمایشگاه کتاب رشت", text: "نمایشگاه کتاب رشت با حضور ۲۱۰ ناشر در گیلان گشایش یافت." },
      ]);
      assert.equal(ok.status, 201);
      assert.equal((await chat(app, "چند ناشر در نمایشگاه کتاب رشت حضور دارند؟")).citations[0]!.articleId, "b2");
    });

    it("publishes an id given twice in one batch once, as its later version", async () => {
      const { app } = await adminApp(backend);
      const res = await send(app, "POST", "/api/articles", [
        { id: "anzali-1", ...ANZALI },
        { id: "anzali-1", ...ANZALI, text: ANZALI.text.replace("۴۷۰", "۵۱۲") },
      ]);
      assert.equal(res.status, 201);
      const answer = await chat(app, "بندر انزلی امسال پذیرای چند کشتی بود؟");
      assert.ok(
        same(answer.answer).includes(same("۵۱۲ کشتی")) && !same(answer.answer).includes(same("۴۷۰")),
        answer.answer,
      );
      const listed = (await (await app.request("/api/articles?limit=100")).json()) as {
        articles: Array<{ id: string }>;
        total: number;
      };
      assert.deepEqual([listed.total, listed.articles.filter((a) => a.id === "anzali-1").length], [6, 1]);
    });

    it("refuses changes without the right token, and does not exist without ADMIN_TOKEN", async () => {
      const { app } = await adminApp(backend);
      for (const token of [null, "wrong-token-wrong-token"]) {
        const res = await send(app, "PUT", "/api/articles/x1", ANZALI, token);
        assert.equal(res.status, 401);
        assert.equal(((await res.json()) as { error: { code: string } }).error.code, "unauthorized");
        assert.equal((await send(app, "DELETE", "/api/articles/000_6460d26cea20ff96", undefined, token)).status, 401);
      }
      assert.equal((await app.request("/api/articles/x1")).status, 404);
      assert.equal((await app.request("/api/articles/000_6460d26cea20ff96")).status, 200, "reading stays open");
      const { app: closed } = await adminApp(backend, null);
      assert.equal((await send(closed, "PUT", "/api/articles/x1", ANZALI)).status, 404);
    });

    it("refuses an article whose url is not an http(s) address, or that holds NUL, naming the field", async () => {
      const { app } = await adminApp(backend);
      for (const url of [
        "javascript:alert(document.cookie)",
        "JAVASCRIPT:alert(1)",
        "  javascript:alert(1)",
        "java\nscript:alert(1)",
        "data:text/html,x",
        "vbscript:x",
        "/relative/path",
        "news.example/1",
      ]) {
        const res = await send(app, "PUT", "/api/articles/bad-url", { ...ANZALI, url });
        const body = (await res.json()) as { error: { code: string; message: string } };
        assert.equal(res.status, 400, url);
        assert.equal(body.error.code, "invalid_article");
        assert.match(body.error.message, /^field "url" must be an http:\/\/ or https:\/\/ address/, url);
      }
      const batch = await send(app, "POST", "/api/articles", [
        { id: "b1", ...ANZALI },
        { id: "b2", ...ANZALI, url: "javascript:alert(1)" },
      ]);
      assert.match(
        ((await batch.json()) as { error: { message: string } }).error.message,
        /^articles\[1\]: field "url" must be an http/,
      );
      const nul = await send(app, "PUT", "/api/articles/nul", { ...ANZALI, title: "تیتر\u0000" });
      assert.equal(nul.status, 400);
      assert.match(
        ((await nul.json()) as { error: { message: string } }).error.message,
        /^field "title" contains a NUL character/,
      );
      for (const id of ["bad-url", "b1", "nul"])
        assert.equal((await app.request(`/api/articles/${id}`)).status, 404, "nothing refused was published");

      assert.equal(
        (await send(app, "PUT", "/api/articles/good-url", { ...ANZALI, url: "https://www.example.ir/news/1" })).status,
        200,
      );
      assert.equal(
        ((await (await app.request("/api/articles/good-url")).json()) as { url: string }).url,
        "https://www.example.ir/news/1",
      );
      // Sent as anything but JSON, nothing is published.
      const plain = await app.request("/api/articles/plain", {
        method: "PUT",
        headers: { "content-type": "text/plain", authorization: `Bearer ${TOKEN}` },
        body: JSON.stringify(ANZALI),
      });
      assert.equal(plain.status, 415);
      assert.equal((await app.request("/api/articles/plain")).status, 404);
    });

    it("stores HTML in an article as text", async () => {
      const { app } = await adminApp(backend);
      await send(app, "PUT", "/api/articles/html", {
        title: "<b>تیتر</b>",
        text: "متن <script>alert(1)</script> خبر.",
      });
      const article = (await (await app.request("/api/articles/html")).json()) as { title: string; text: string };
      assert.equal(article.title, "<b>تیتر</b>");
      assert.ok(article.text.includes("<script>alert(1)</script>"));
      const page = await (await app.request("/articles/html")).text();
      assert.ok(!page.includes("<script>alert(1)</script>") && page.includes("&lt;script&gt;alert(1)&lt;/script&gt;"));
    });
  });
}

describe("the article management API on the embedded index, with ARTICLES_DIR", () => {
  it("deletes an article that came from a file, and it stays deleted after a rebuild", async () => {
    const { app, articlesDir } = await adminApp("embedded");
    assert.equal((await send(app, "DELETE", "/api/articles/002_804e4a69935f094f")).status, 204);
    await send(app, "PUT", "/api/articles/anzali-1", ANZALI);
    const indexDir = await tempDir();
    await buildIndex({ articlesDir, indexDir, embedder: { kind: "local" } });
    const rebuilt = await openIndex(indexDir, { kind: "local" });
    assert.ok(!rebuilt.articles.has("002_804e4a69935f094f"));
    assert.ok(rebuilt.articles.has("anzali-1"), "a published article is in ARTICLES_DIR");
  });
});

describe("kill -9 during a batch update", () => {
  it("loses no acknowledged article: after a restart each one is answerable", async () => {
    // Batches of 3, 3 at a time; kill -9 once 9 articles are acknowledged, the others in flight.
    const result = await killDuringBatchUpdate({
      articlesDir: await seedCopy(),
      indexDir: path.join(await tempDir(), "index"),
      articles: 30,
      batchSize: 3,
      concurrency: 3,
      killAfter: 9,
    });
    assert.ok(
      result.acknowledged.length >= 9 && result.acknowledged.length < 30,
      `acknowledged ${result.acknowledged.length} of 30`,
    );
    assert.deepEqual(result.answerable, result.acknowledged);
  });
});

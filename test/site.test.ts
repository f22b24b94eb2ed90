import assert from "node:assert/strict";
import { writeFile } from "node:fs/promises";
import path from "node:path";
import { describe, it } from "node:test";
import { SUGGESTIONS_OFFERED } from "../answer/suggestions.ts";
import { loadConfig } from "../core/config.ts";
import { createApp } from "../server/app.ts";
import { escapeHtml, jalaliDate } from "../server/pages.ts";
import { BACKENDS, backendSkip, seedBackend } from "./support/backends.ts";
import { post, seedApp, seedCopy } from "./support/helpers.ts";

const { app, assistant } = await seedApp();

const CSP =
  "default-src 'self'; script-src 'self'; style-src 'self'; font-src 'self'; connect-src 'self'; img-src 'self' data:; frame-ancestors 'self'";
const QAZVIN_SMALL_INDUSTRY = "001_ac32e4e684eddc00";
const QAZVIN_KNOWLEDGE = "004_6f85bbe77279df80";
const UNDATED = "000_6460d26cea20ff96";

async function html(res: Response | Promise<Response>) {
  const r = await res;
  return { status: r.status, headers: r.headers, body: await r.text() };
}

function assertPageHeaders(headers: Headers) {
  assert.match(headers.get("content-type") ?? "", /^text\/html; charset=utf-8$/i);
  assert.equal(headers.get("content-security-policy"), CSP);
  assert.equal(headers.get("x-content-type-options"), "nosniff");
  assert.equal(headers.get("referrer-policy"), "strict-origin-when-cross-origin");
}

/** The front page's list item of one article. */
function itemOf(body: string, id: string): string {
  const at = body.indexOf(`href="/articles/${id}"`);
  assert.ok(at > 0, `no link to ${id}`);
  return body.slice(body.lastIndexOf("<li", at), body.indexOf("</li>", at));
}

for (const backend of BACKENDS) {
  describe(`the demo site on the ${backend} index`, { skip: backendSkip(backend) }, async () => {
    const { app, index } = await seedBackend(backend);

    describe("GET / (the demo news front page)", () => {
      it("is a Persian RTL page listing every article newest first, linked to its page", async () => {
        const { status, headers, body } = await html(app.request("/"));
        assert.equal(status, 200);
        assertPageHeaders(headers);
        assert.match(body, /^<!doctype html>/i);
        assert.ok(body.includes('<html lang="fa" dir="rtl">'));
        assert.match(body, /<title>گفتگو — اخبار<\/title>/);
        assert.ok(body.includes('<link rel="stylesheet" href="/site.css">'));
        assert.match(
          await (await app.request("/site.css")).text(),
          /@font-face\s*\{[^}]*url\("\/fonts\/vazirmatn\.woff2"\)/,
        );
        const newestFirst = (await (await app.request("/api/articles")).json()).articles.map((a: any) => a.id);
        const positions = newestFirst.map((id: string) => body.indexOf(`href="/articles/${id}"`));
        assert.equal(positions.length, 5);
        assert.ok(
          positions.every((p: number, i: number) => p > 0 && (i === 0 || p > positions[i - 1])),
          "not newest first",
        );
        for (const article of index.articles.values()) {
          const item = itemOf(body, article.id);
          assert.ok(item.includes(`>${escapeHtml(article.title)}</a>`), article.id);
          if (article.source) assert.ok(item.includes(escapeHtml(article.source)), article.id);
        }
      });

      it("shows publication dates in the Jalali calendar with Persian digits, and none when undated", async () => {
        const { body } = await html(app.request("/"));
        assert.ok(itemOf(body, QAZVIN_SMALL_INDUSTRY).includes("۱ شهریور ۱۴۰۱"));
        assert.ok(itemOf(body, QAZVIN_KNOWLEDGE).includes("۲۴ آذر ۱۴۰۴"));
        assert.ok(!itemOf(body, UNDATED).includes("<time"));
        assert.equal(jalaliDate("2022-08-23T22:21:00+04:30"), "۱ شهریور ۱۴۰۱");
        assert.equal(jalaliDate("2025-12-15"), "۲۴ آذر ۱۴۰۴");
        assert.equal(jalaliDate(undefined), "");
        assert.equal(jalaliDate("not a date"), "");
      });
    });

    describe("GET /articles/:id (an article page)", () => {
      it("shows headline, source, Jalali date and paragraphs, then embeds the widget as any site would", async () => {
        const article = index.articles.get(QAZVIN_KNOWLEDGE)!;
        const { status, headers, body } = await html(app.request(`/articles/${QAZVIN_KNOWLEDGE}`));
        assert.equal(status, 200);
        assertPageHeaders(headers);
        assert.ok(body.includes('<html lang="fa" dir="rtl">'));
        assert.ok(body.includes(`<h1>${escapeHtml(article.title)}</h1>`));
        assert.ok(body.includes(`<title>${escapeHtml(article.title)} — گفتگو</title>`));
        assert.ok(body.includes("باشگاه خبرنگاران جوان"));
        assert.ok(body.includes("۲۴ آذر ۱۴۰۴"));
        const paragraphs = article.text
          .split(/\n\n+/)
          .map((p) => p.trim())
          .filter(Boolean);
        assert.equal(body.match(/<p>/g)?.length, paragraphs.length);
        for (const p of paragraphs) assert.ok(body.includes(`<p>${escapeHtml(p)}</p>`));
        const tag = `<script src="/widget.js" data-article-id="${QAZVIN_KNOWLEDGE}" async></script>`;
        assert.ok(body.includes(tag), "the widget script tag");
        assert.ok(
          body.indexOf(tag) > body.indexOf(`<p>${escapeHtml(paragraphs.at(-1)!)}</p>`),
          "the widget comes after the article",
        );
        // No inline script or style: the CSP would block them. The styles come from /site.css.
        assert.equal([...body.matchAll(/<script\b[^>]*>/g)].length, 1);
        assert.doesNotMatch(body, /<style|\sstyle=/);
        assert.ok(body.includes('<link rel="stylesheet" href="/site.css">'));
        const css = await app.request("/site.css");
        assert.equal(css.status, 200);
        assert.match(css.headers.get("content-type") ?? "", /^text\/css/);
        assert.match(await css.text(), /\.story h1/);
      });

      it("answers 404 with a Persian HTML page for an unknown id", async () => {
        const { status, headers, body } = await html(app.request("/articles/no-such-article"));
        assert.equal(status, 404);
        assertPageHeaders(headers);
        assert.ok(body.includes('<html lang="fa" dir="rtl">'));
        assert.ok(body.includes("پیدا نشد"));
        assert.ok(!body.includes("<script"));
      });

      it("gives other unknown pages the HTML 404 too, while /api keeps its JSON errors", async () => {
        const page = await html(app.request("/no/such/page"));
        assert.equal(page.status, 404);
        assertPageHeaders(page.headers);
        const api = await app.request("/api/no-such-route");
        assert.equal(api.status, 404);
        assert.equal(((await api.json()) as any).error.code, "not_found");
      });
    });

    describe("HTML escaping", async () => {
      const dir = await seedCopy();
      const EVIL_ID = `evil"<b>&'`;
      const TITLE = `<img src=x onerror=alert(1)> خبر <script>alert(1)</script>`;
      const TEXT = `صادرات استان <img src=x onerror=alert(1)> به ۱۰ میلیون دلار رسید.\n\nمدیرکل گفت: <script>alert(1)</script> & "همه" چیز 'خوب' است.`;
      await writeFile(
        path.join(dir, "evil.jsonl"),
        JSON.stringify({
          id: EVIL_ID,
          title: TITLE,
          text: TEXT,
          source: `<b>منبع</b>`,
          publishedAt: "2024-03-20",
          url: "javascript:alert(1)",
        }) + "\n",
      );
      const evil = await seedBackend(backend, dir);

      it("keeps the markup-like text in the article (so escaping is what makes it safe)", () => {
        const article = evil.index.articles.get(EVIL_ID)!;
        assert.ok(article.title.includes("<img src=x onerror=alert(1)>"));
        assert.ok(article.text.includes("<script>alert(1)</script>"));
      });

      it("renders titles, text, sources and ids as text on the article page", async () => {
        const { status, body } = await html(evil.app.request(`/articles/${encodeURIComponent(EVIL_ID)}`));
        assert.equal(status, 200);
        assert.ok(!body.includes("<img src=x"));
        assert.ok(!body.includes("<script>alert(1)</script>"));
        assert.ok(!body.includes("<b>"));
        assert.ok(!body.includes("javascript:"), "a non-http(s) url is not linked");
        assert.ok(body.includes("&lt;img src=x onerror=alert(1)&gt;"));
        assert.ok(body.includes("&lt;script&gt;alert(1)&lt;/script&gt;"));
        assert.ok(body.includes("&amp; &quot;همه&quot; چیز &#39;خوب&#39; است."));
        assert.ok(body.includes("&lt;b&gt;منبع&lt;/b&gt;"));
        assert.ok(
          body.includes(`<script src="/widget.js" data-article-id="evil&quot;&lt;b&gt;&amp;&#39;" async></script>`),
        );
        assert.equal([...body.matchAll(/<script\b/g)].length, 1);
      });

      it("renders them as text on the front page, with the id escaped in the link", async () => {
        const { body } = await html(evil.app.request("/"));
        assert.ok(!body.includes("<img src=x"));
        assert.ok(!body.includes("<script"));
        assert.ok(body.includes("&lt;img src=x onerror=alert(1)&gt; خبر &lt;script&gt;alert(1)&lt;/script&gt;"));
        assert.ok(body.includes(`href="/articles/${escapeHtml(encodeURIComponent(EVIL_ID))}"`));
      });

      it("escapes the five HTML characters", () => {
        assert.equal(
          escapeHtml(`<a href="x" title='y'>&</a>`),
          "&lt;a href=&quot;x&quot; title=&#39;y&#39;&gt;&amp;&lt;/a&gt;",
        );
      });
    });

    describe("suggested questions", () => {
      it("offers only questions that Goftogu answers from that same article", async () => {
        let offered = 0;
        for (const id of index.articles.keys()) {
          const { suggestedQuestions } = (await (await app.request(`/api/articles/${id}`)).json()) as any;
          assert.ok(Array.isArray(suggestedQuestions));
          for (const question of suggestedQuestions) {
            const answer = (await (await post(app, "/api/chat", { question, articleId: id })).json()) as any;
            assert.equal(answer.found, true, `«${question}» on ${id}`);
            assert.ok(
              answer.citations.some((c: any) => c.articleId === id),
              `«${question}» does not cite ${id}`,
            );
            offered++;
          }
        }
        assert.ok(offered >= 5, "the seeds should offer suggestions");
      });
    });
  });
}

describe("GET /widget.js", () => {
  it("serves the bundled widget with a short cache and an ETag, and 304 when it has not changed", async () => {
    const res = await app.request("/widget.js");
    assert.equal(res.status, 200);
    assert.equal(res.headers.get("content-type"), "application/javascript; charset=utf-8");
    assert.equal(res.headers.get("cache-control"), "public, max-age=300");
    const etag = res.headers.get("etag");
    assert.match(etag ?? "", /^"[^"]+"$/);
    assert.ok((await res.text()).length > 0);

    const again = await app.request("/widget.js", { headers: { "if-none-match": etag! } });
    assert.equal(again.status, 304);
    assert.equal(await again.text(), "");
    assert.equal(again.headers.get("etag"), etag);
    assert.equal((await app.request("/widget.js", { headers: { "if-none-match": `"old", W/${etag}` } })).status, 304);
    assert.equal((await app.request("/widget.js", { headers: { "if-none-match": '"old"' } })).status, 200);
  });
});

describe("GET /fonts/vazirmatn.woff2", () => {
  it("serves the variable Vazirmatn, cacheable for a year and loadable from any site", async () => {
    const res = await app.request("/fonts/vazirmatn.woff2");
    assert.equal(res.status, 200);
    assert.equal(res.headers.get("content-type"), "font/woff2");
    assert.equal(res.headers.get("cache-control"), "public, max-age=31536000, immutable");
    assert.equal(res.headers.get("access-control-allow-origin"), "*");
    const bytes = new Uint8Array(await res.arrayBuffer());
    assert.equal(new TextDecoder().decode(bytes.slice(0, 4)), "wOF2");
    assert.ok(bytes.length > 50_000);
  });
});

describe("CORS on /api", () => {
  const preflight = (target: { request: typeof app.request }, origin: string) =>
    target.request("/api/chat", {
      method: "OPTIONS",
      headers: { origin, "access-control-request-method": "POST", "access-control-request-headers": "content-type" },
    });

  it("by default lets any site's widget call the API", async () => {
    const res = await preflight(app, "https://news.example");
    assert.equal(res.status, 204);
    assert.ok(["*", "https://news.example"].includes(res.headers.get("access-control-allow-origin") ?? ""));
    assert.match(res.headers.get("access-control-allow-methods") ?? "", /POST/);
    assert.match(res.headers.get("access-control-allow-headers") ?? "", /content-type/i);
    assert.equal(res.headers.get("access-control-max-age"), "600");

    const chat = await app.request("/api/chat", {
      method: "POST",
      headers: { origin: "https://news.example", "content-type": "application/json" },
      body: JSON.stringify({ question: "قم چند شهرک صنعتی دارد؟" }),
    });
    assert.equal(chat.status, 200);
    assert.ok(chat.headers.get("access-control-allow-origin"));
    const error = await app.request("/api/chat", {
      method: "POST",
      headers: { origin: "https://news.example", "content-type": "application/json" },
      body: "{",
    });
    assert.equal(error.status, 400);
    assert.ok(error.headers.get("access-control-allow-origin"), "errors are readable by the widget too");
  });

  it("allows only the configured origins when ALLOWED_ORIGINS is set", async () => {
    const restricted = createApp(assistant, { allowedOrigins: ["https://a.example"], log: () => {} });
    const allowed = await preflight(restricted, "https://a.example");
    assert.equal(allowed.headers.get("access-control-allow-origin"), "https://a.example");
    const denied = await preflight(restricted, "https://b.example");
    assert.equal(denied.headers.get("access-control-allow-origin"), null);
    const get = await restricted.request("/api/health", { headers: { origin: "https://b.example" } });
    assert.equal(get.headers.get("access-control-allow-origin"), null);
    assert.match(get.headers.get("vary") ?? "", /origin/i);
  });

  it("reads ALLOWED_ORIGINS as a comma-separated list of origins, * by default", () => {
    assert.equal(loadConfig({}).allowedOrigins, "*");
    assert.equal(loadConfig({ ALLOWED_ORIGINS: "*" }).allowedOrigins, "*");
    assert.deepEqual(
      loadConfig({ ALLOWED_ORIGINS: "https://a.example, http://localhost:8080/,https://A.example" }).allowedOrigins,
      ["https://a.example", "http://localhost:8080"],
    );
    assert.throws(
      () => loadConfig({ ALLOWED_ORIGINS: "https://a.example/news" }),
      /ALLOWED_ORIGINS: "https:\/\/a\.example\/news" is not an origin/,
    );
    assert.throws(() => loadConfig({ ALLOWED_ORIGINS: "a.example" }), /ALLOWED_ORIGINS/);
  });
});

describe("suggested questions, checked once", () => {
  it("drops a suggestion that leads to «I don't know», checking each article once", async () => {
    const { app: fresh, assistant: s, index: idx } = await seedApp();
    const article = idx.articles.get(UNDATED)!;
    const unanswerable = "قیمت بنزین در تهران چقدر است؟";
    article.suggestedQuestions = [unanswerable, ...article.suggestedQuestions];
    const answer = s.answerer.answer.bind(s.answerer);
    let calls = 0;
    s.answerer.answer = (req) => {
      calls++;
      return answer(req);
    };
    const first = (await (await fresh.request(`/api/articles/${UNDATED}`)).json()) as any;
    assert.ok(!first.suggestedQuestions.includes(unanswerable));
    assert.deepEqual(
      first.suggestedQuestions,
      article.suggestedQuestions.filter((q) => q !== unanswerable).slice(0, SUGGESTIONS_OFFERED),
    );
    assert.ok(calls > 0);
    const checkedCalls = calls;
    const second = (await (await fresh.request(`/api/articles/${UNDATED}`)).json()) as any;
    assert.deepEqual(second.suggestedQuestions, first.suggestedQuestions);
    assert.equal(calls, checkedCalls, "checked once, then cached");
  });
});

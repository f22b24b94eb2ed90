import assert from "node:assert/strict";
import type { ChildProcess } from "node:child_process";
import { existsSync } from "node:fs";
import { mkdir, writeFile } from "node:fs/promises";
import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import path from "node:path";
import { after, before, describe, it } from "node:test";
import { chromium, type Browser, type Page } from "playwright-core";
import { seedCopy, startServer, tempDir } from "./support/helpers.ts";

/**
 * The widget in a real browser (Debian's Chromium, driven by playwright-core), against the real
 * server process: the demo article page, a foreign page on another port with hostile CSS,
 * a phone-sized screen, the keyboard alone. Screenshots go to test/artifacts/.
 */
const CHROMIUM = "/usr/bin/chromium";
const ROOT = path.resolve(import.meta.dirname, "..");
const ARTIFACTS = path.join(ROOT, "test/artifacts");
const QAZVIN = "000_6460d26cea20ff96";
// CI installs Chromium (.ci/run) and must run these tests; a developer without it is told why.
const skip = !existsSync(CHROMIUM) && !process.env.CI ? `needs ${CHROMIUM} (apt-get install -y chromium)` : false;

let server: ChildProcess;
let base = "";
let foreign: Server;
let foreignBase = "";
let browser: Browser;

async function startGoftogu(): Promise<void> {
  const articles = await seedCopy();
  // An article that tries to inject markup: it must show as text and run nothing.
  const evil = {
    id: "evil",
    url: "JavaScript:window.__xss=5",
    title: "خبر <img src=x onerror=window.__xss=1> آزمایشی",
    text: "متن خبر <script>window.__xss=2</script> با تصویر <img src=x onerror=window.__xss=3> منتشر شد.\n\nصادرات شرکت نمونه امسال ۵۰ میلیون دلار بود.",
  };
  await writeFile(path.join(articles, "evil.jsonl"), JSON.stringify(evil) + "\n");
  const running = await startServer({
    ARTICLES_DIR: articles,
    INDEX_DIR: path.join(await tempDir(), "index"),
    FEEDBACK_DIR: path.join(await tempDir(), "feedback"),
  });
  server = running.child;
  base = running.url;
}

/** Set when the slow stream's reader went away before it finished. */
let slowClosedEarly = false;

async function startForeignSite(): Promise<void> {
  foreign = createServer((req, res) => {
    // A stand-in API that answers slowly, for the stop button: same origin as its page.
    if (req.url?.startsWith("/slow/api/articles/")) {
      res.setHeader("content-type", "application/json");
      res.end(JSON.stringify({ id: "slow", title: "خبر آهسته", suggestedQuestions: [] }));
      return;
    }
    if (req.url === "/slow/api/chat") {
      res.writeHead(200, { "content-type": "text/event-stream" });
      let i = 0;
      const timer = setInterval(() => {
        if (i++ < 50) res.write(`event: token\ndata: ${JSON.stringify({ text: `واژه${i} ` })}\n\n`);
        else {
          clearInterval(timer);
          res.end();
        }
      }, 200);
      res.on("close", () => {
        if (i < 50) slowClosedEarly = true;
        clearInterval(timer);
      });
      return;
    }
    // A stand-in API whose citation links to a «javascript:» URL: the widget must not link it.
    if (req.url === "/bad-url/api/articles/x") {
      res.setHeader("content-type", "application/json");
      res.end(
        JSON.stringify({ id: "x", title: "خبر آزمایشی", url: "JavaScript:window.__xss=4", suggestedQuestions: [] }),
      );
      return;
    }
    if (req.url === "/bad-url/api/chat") {
      res.writeHead(200, { "content-type": "text/event-stream" });
      const citation = {
        n: 1,
        articleId: "x",
        title: "خبر آزمایشی",
        url: " JavaScript:window.__xss=4",
        quote: "صادرات ۵۰ میلیون دلار بود.",
        start: 0,
        end: 26,
        score: 1,
      };
      res.end(
        `event: token\ndata: ${JSON.stringify({ text: "۵۰ میلیون دلار [1]" })}\n\nevent: citations\ndata: ${JSON.stringify([citation])}\n\nevent: done\ndata: {"found":true,"mode":"extractive"}\n\n`,
      );
      return;
    }
    if (req.url === "/bad-url-page") {
      res.setHeader("content-type", "text/html; charset=utf-8");
      res.end(
        `<!doctype html><html lang="fa" dir="rtl"><body><p>صفحه</p><script src="${base}/widget.js" data-article-id="x" data-api-base="${foreignBase}/bad-url" async></script></body></html>`,
      );
      return;
    }
    if (req.url === "/slow-page") {
      res.setHeader("content-type", "text/html; charset=utf-8");
      res.end(
        `<!doctype html><html lang="fa" dir="rtl"><body><p>صفحه</p><script src="${base}/widget.js" data-article-id="slow" data-api-base="${foreignBase}/slow" async></script></body></html>`,
      );
      return;
    }
    res.setHeader("content-type", "text/html; charset=utf-8");
    res.end(`<!doctype html><html lang="fa" dir="rtl"><head><meta charset="utf-8"><title>سایت دیگر</title>
<style>* { all: unset !important; } div { display: none !important; } button { display: none; } body { font-size: 3px; }</style></head>
<body><div><h1>یک سایت خبری دیگر</h1><p>متن این سایت.</p></div>
<script src="${base}/widget.js" data-article-id="${QAZVIN}" async></script>
<script src="${base}/widget.js" data-article-id="${QAZVIN}" async></script>
</body></html>`);
  });
  await new Promise<void>((resolve) => foreign.listen(0, "127.0.0.1", resolve));
  foreignBase = `http://127.0.0.1:${(foreign.address() as AddressInfo).port}`;
}

async function newPage(viewport = { width: 1280, height: 900 }): Promise<Page> {
  const context = await browser.newContext({ viewport, locale: "fa-IR" });
  return context.newPage();
}

async function openWidget(page: Page): Promise<void> {
  await page.locator("goftogu-widget .launcher").click();
  await page.locator("goftogu-widget .panel").waitFor({ state: "visible" });
}

/** Types a question, sends it with Enter, and waits for the finished answer (its feedback row). */
async function ask(page: Page, question: string): Promise<string> {
  const answers = page.locator("goftogu-widget .msg.assistant");
  const before = await answers.count();
  await page.locator("goftogu-widget textarea").fill(question);
  await page.locator("goftogu-widget textarea").press("Enter");
  await page
    .locator("goftogu-widget .msg.assistant .actions")
    .nth(before - 1)
    .waitFor({ timeout: 15_000 });
  return (await answers.nth(before).innerText()).trim();
}

async function shot(page: Page, name: string): Promise<void> {
  await page.screenshot({ path: path.join(ARTIFACTS, name) });
}

describe("the «گفتگو با هوش مصنوعی» widget in Chromium", { skip }, () => {
  before(async () => {
    await mkdir(ARTIFACTS, { recursive: true });
    await startGoftogu();
    await startForeignSite();
    browser = await chromium.launch({
      executablePath: CHROMIUM,
      args: [
        "--no-sandbox",
        "--disable-gpu",
        "--disable-background-networking",
        "--disable-component-update",
        "--no-first-run",
        "--disable-sync",
      ],
    });
  });

  after(async () => {
    await browser?.close();
    foreign?.close();
    server?.kill("SIGTERM");
  });

  it("greets the reader with the article's title and streams a cited answer with the figure", async () => {
    const page = await newPage();
    const streamed: string[] = [];
    page.on("response", (r) => {
      if (r.url().endsWith("/api/chat")) streamed.push(r.headers()["content-type"] ?? "");
    });
    await page.goto(`${base}/articles/${QAZVIN}`);
    await openWidget(page);
    const greeting = await page.locator("goftogu-widget .msg.assistant").first().innerText();
    assert.match(greeting, /سلام! می\u200cخوای درباره\u200cی «۲۶۳ میلیون دلار کالا از قزوین صادر شد» بیشتر بدونی؟/);
    await shot(page, "desktop-greeting.png");

    const answer = await ask(page, "ارزش صادرات قزوین چقدر بود؟");
    assert.match(answer, /۲۶۳ میلیون دلار/);
    assert.ok(
      streamed.some((t) => t.startsWith("text/event-stream")),
      `chat was not streamed: ${streamed}`,
    );
    const chip = page.locator("goftogu-widget .msg.assistant .cite").first();
    await chip.click();
    const quote = page.locator("goftogu-widget .quote").first();
    assert.match(await quote.innerText(), /۲۶۳ میلیون دلار/);
    assert.equal(await quote.locator("a").getAttribute("href"), `${base}/articles/${QAZVIN}`);
    await shot(page, "desktop-answer-with-citation.png");
    await page.context().close();
  });

  it("answers a suggested question, and a typed follow-up uses the conversation", async () => {
    const page = await newPage();
    const bodies: string[] = [];
    page.on("request", (r) => {
      if (r.url().endsWith("/api/chat")) bodies.push(r.postData() ?? "");
    });
    await page.goto(`${base}/articles/004_6f85bbe77279df80`);
    await openWidget(page);
    const chips = page.locator("goftogu-widget .chips button");
    await chips.first().waitFor({ timeout: 10_000 });
    await chips.first().click();
    await page.locator("goftogu-widget .msg.assistant .actions").first().waitFor({ timeout: 15_000 });
    assert.doesNotMatch(await page.locator("goftogu-widget .msg.assistant").nth(1).innerText(), /پیدا نکردم/);

    await ask(page, "خط تولید جدید آرایشی و بهداشتی قزوین با چه سرمایه‌ای افتتاح شد؟");
    const followUp = await ask(page, "برای چند نفر اشتغال ایجاد کرد؟");
    assert.match(followUp, /۱۰۰ نفر/);
    const last = JSON.parse(bodies.at(-1)!) as { history: Array<{ role: string; content: string }> };
    assert.ok(
      last.history.some((t) => t.role === "user" && t.content.includes("آرایشی و بهداشتی")),
      "the previous turn was sent as history",
    );

    // The conversation survives a reload (sessionStorage) and «گفتگوی تازه» clears it.
    await page.reload();
    await openWidget(page);
    assert.ok((await page.locator("goftogu-widget .msg.user").count()) >= 3);
    await page.locator("goftogu-widget header button", { hasText: "گفتگوی تازه" }).click();
    assert.equal(await page.locator("goftogu-widget .msg.user").count(), 0);
    await page.context().close();
  });

  it("shows markup in an article as text and runs none of it", async () => {
    const page = await newPage();
    await page.goto(`${base}/articles/evil`);
    assert.match(await page.locator("body").innerText(), /<script>window.__xss=2<\/script>/);
    await openWidget(page);
    assert.match(
      await page.locator("goftogu-widget .msg.assistant").first().innerText(),
      /<img src=x onerror=window.__xss=1>/,
    );
    const answer = await ask(page, "صادرات شرکت نمونه امسال چقدر بود؟");
    assert.match(answer, /۵۰ میلیون دلار/);
    assert.equal(await page.evaluate(() => (window as unknown as { __xss?: number }).__xss), undefined);
    assert.equal(await page.locator("img").count(), 0, "no image element was created from article text");
    // Its «javascript:» url was dropped at ingest: the citation links to the article's page.
    await page.locator("goftogu-widget .msg.assistant .cite").first().click();
    assert.equal(await page.locator("goftogu-widget .quote a").first().getAttribute("href"), `${base}/articles/evil`);
    assert.equal(await page.locator("a.original").count(), 0, "the demo page links no «javascript:» url");
    await page.context().close();
  });

  it("never links a citation to a «javascript:» URL, even when an API sends one", async () => {
    const page = await newPage();
    await page.goto(`${foreignBase}/bad-url-page`);
    await openWidget(page);
    assert.match(await ask(page, "صادرات چقدر بود؟"), /۵۰ میلیون دلار/);
    await page.locator("goftogu-widget .msg.assistant .cite").first().click();
    const link = page.locator("goftogu-widget .quote a").first();
    assert.equal(await link.getAttribute("href"), `${foreignBase}/bad-url/articles/x`);
    await link.click();
    await page.waitForLoadState();
    assert.equal(await page.evaluate(() => (window as unknown as { __xss?: number }).__xss), undefined);
    await page.context().close();
  });

  it("works on another site's page, whatever its CSS, loaded twice", async () => {
    const page = await newPage();
    await page.goto(foreignBase);
    await page.locator("goftogu-widget .launcher").waitFor({ state: "visible" });
    assert.equal(await page.locator("goftogu-widget").count(), 1, "a second copy of the script does nothing");
    assert.equal(
      await page.evaluate(() => typeof (window as unknown as { Goftogu?: { open: unknown } }).Goftogu?.open),
      "function",
    );
    await openWidget(page);
    const answer = await ask(page, "ارزش صادرات قزوین چقدر بود؟");
    assert.match(answer, /۲۶۳ میلیون دلار/);
    const box = await page.locator("goftogu-widget .panel").boundingBox();
    assert.ok(box && box.width > 300 && box.height > 400, `panel is laid out: ${JSON.stringify(box)}`);
    await shot(page, "foreign-site-hostile-css.png");
    await page.context().close();
  });

  it("fills a phone screen (390×844)", async () => {
    const page = await newPage({ width: 390, height: 844 });
    await page.goto(`${base}/articles/${QAZVIN}`);
    await shot(page, "mobile-closed.png");
    await openWidget(page);
    const box = await page.locator("goftogu-widget .panel").boundingBox();
    assert.deepEqual(
      box && [Math.round(box.x), Math.round(box.y), Math.round(box.width), Math.round(box.height)],
      [0, 0, 390, 844],
    );
    await ask(page, "قم چند شهرک صنعتی دارد؟");
    await shot(page, "mobile-answer.png");
    await page.context().close();
  });

  it("can be used with the keyboard alone", async () => {
    const page = await newPage();
    await page.goto(`${base}/articles/${QAZVIN}`);
    const launcherFocused = () =>
      page.evaluate(
        () =>
          document.querySelector("goftogu-widget")?.shadowRoot?.activeElement?.classList.contains("launcher") ?? false,
      );
    for (let i = 0; i < 40 && !(await launcherFocused()); i++) await page.keyboard.press("Tab");
    assert.ok(await launcherFocused(), "Tab reaches the launcher");
    await page.keyboard.press("Enter");
    await page.locator("goftogu-widget .panel").waitFor({ state: "visible" });
    const focusedTag = () =>
      page.evaluate(() => document.querySelector("goftogu-widget")?.shadowRoot?.activeElement?.tagName);
    assert.equal(await focusedTag(), "TEXTAREA", "the input has focus when the panel opens");
    await page.keyboard.type("قم چند شهرک صنعتی دارد؟");
    await page.keyboard.press("Enter");
    await page.locator("goftogu-widget .msg.assistant .actions").first().waitFor({ timeout: 15_000 });
    for (let i = 0; i < 15; i++) {
      await page.keyboard.press("Tab");
      assert.ok(
        await page.evaluate(() => !!document.querySelector("goftogu-widget")?.shadowRoot?.activeElement),
        "focus stays in the panel",
      );
    }
    await page.keyboard.press("Escape");
    await page.locator("goftogu-widget .panel").waitFor({ state: "hidden" });
    assert.ok(await launcherFocused(), "Escape closes and returns focus to the launcher");
    await shot(page, "keyboard-closed.png");
    await page.context().close();
  });

  it("stops a streaming answer with the stop button, and the server sees the reader leave", async () => {
    const page = await newPage();
    await page.goto(`${foreignBase}/slow-page`);
    await openWidget(page);
    await page.locator("goftogu-widget textarea").fill("یک پرسش");
    await page.locator("goftogu-widget textarea").press("Enter");
    await page.locator("goftogu-widget .msg.assistant", { hasText: "واژه2" }).waitFor();
    await page.locator("goftogu-widget form button.stop").click();
    await page.locator("goftogu-widget .msg.assistant", { hasText: "(پاسخ متوقف شد)" }).waitFor();
    assert.ok(await page.locator("goftogu-widget form button[type=submit]").isVisible(), "send is back");
    assert.ok(!(await page.locator("goftogu-widget form button.stop").isVisible()));
    for (let i = 0; i < 20 && !slowClosedEarly; i++) await new Promise((r) => setTimeout(r, 100));
    assert.ok(slowClosedEarly, "the request was aborted");
    await page.context().close();
  });

  it("follows a dark colour scheme and keeps mixed Persian and English in reading order", async () => {
    const context = await browser.newContext({ viewport: { width: 1280, height: 900 }, colorScheme: "dark" });
    const page = await context.newPage();
    await page.goto(`${base}/articles/${QAZVIN}`);
    await openWidget(page);
    const background = await page
      .locator("goftogu-widget .panel")
      .evaluate((el) => getComputedStyle(el).backgroundColor);
    assert.equal(background, "rgb(22, 25, 29)");
    await page.locator("goftogu-widget textarea").fill("تست فارسی و English با هم ۲۶۳");
    await page.locator("goftogu-widget textarea").press("Enter");
    const asked = page.locator("goftogu-widget .msg.user p").last();
    await asked.waitFor();
    assert.equal(await asked.innerText(), "تست فارسی و English با هم ۲۶۳");
    assert.deepEqual(await asked.evaluate((el) => [getComputedStyle(el).direction, getComputedStyle(el).unicodeBidi]), [
      "rtl",
      "plaintext",
    ]);
    await page
      .locator("goftogu-widget .msg.assistant .actions, goftogu-widget .error")
      .first()
      .waitFor({ timeout: 15_000 });
    await shot(page, "desktop-dark-mixed-text.png");
    await context.close();
  });

  it("says in Persian what to do when the question is empty or the server is unreachable", async () => {
    const page = await newPage();
    await page.goto(`${base}/articles/${QAZVIN}`);
    await openWidget(page);
    await page.locator("goftogu-widget textarea").press("Enter");
    assert.match(await page.locator("goftogu-widget .error").innerText(), /لطفاً پرسش خود را بنویسید/);
    await page.route("**/api/chat", (route) => route.abort("connectionrefused"));
    await page.locator("goftogu-widget textarea").fill("قم چند شهرک صنعتی دارد؟");
    await page.locator("goftogu-widget textarea").press("Enter");
    await page.locator("goftogu-widget .error button").waitFor();
    assert.match(await page.locator("goftogu-widget .error").innerText(), /اتصال به سرور برقرار نشد/);
    await page.unroute("**/api/chat");
    await page.route("**/api/chat", (route) =>
      route.fulfill({
        status: 429,
        contentType: "application/json",
        body: '{"error":{"code":"rate_limited","message":"Too many requests"}}',
      }),
    );
    await page.locator("goftogu-widget .error button").click();
    await page.locator("goftogu-widget .error button").waitFor();
    assert.match(await page.locator("goftogu-widget .error").innerText(), /از حد مجاز گذشته است/);
    await page.unroute("**/api/chat");
    await page.locator("goftogu-widget .error button").click();
    await page.locator("goftogu-widget .msg.assistant .actions").first().waitFor({ timeout: 15_000 });
    assert.match(await page.locator("goftogu-widget .msg.assistant").last().innerText(), /هفت شهرک صنعتی/);
    await shot(page, "retry-after-error.png");
    await page.context().close();
  });
});

import assert from "node:assert/strict";
import type { ChildProcess } from "node:child_process";
import { existsSync } from "node:fs";
import { mkdir, writeFile } from "node:fs/promises";
import { createServer, type Server, type ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";
import path from "node:path";
import { gzipSync } from "node:zlib";
import { after, before, describe, it } from "node:test";
import axe from "axe-core";
import { chromium, type Browser, type BrowserContextOptions, type Page, type Route } from "playwright-core";
import { seedCopy, startServer, tempDir } from "./support/helpers.ts";
import { widgetBundle } from "../server/widget-bundle.ts";
import { answerBlocks, copyText } from "../web/widget/answer-view.ts";
import { parseMarkdown, parsePlain, toPlainText } from "../web/widget/markdown.ts";

/**
 * The widget in a real browser (Debian's Chromium, driven by playwright-core), against the real
 * server process: the demo article page, foreign pages on another port (with hostile CSS, or with
 * a strict Content-Security-Policy, floating and inline), a phone-sized screen, the keyboard
 * alone, failures of every kind, and axe. Screenshots go to test/artifacts/.
 */
const CHROMIUM = "/usr/bin/chromium";
const ROOT = path.resolve(import.meta.dirname, "..");
const ARTIFACTS = path.join(ROOT, "test/artifacts");
const QAZVIN = "000_6460d26cea20ff96";
const QAZVIN_QUESTION = "ارزش صادرات قزوین چقدر بود؟";
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

/** Pages of the foreign news site, by path: sent with the strict policy below. */
const sitePages = new Map<string, { html: string; connect: string[] }>();

/**
 * The policy a careful news site sends, with the Goftogu server (GOFTOGU) allowed for the script,
 * its stylesheet, its font and its API, and nothing inline. A page whose widget asks a stand-in
 * API on the foreign site itself also allows that in connect-src.
 */
function strictPolicy(connect: string[]): string {
  return `default-src 'self'; script-src 'self' ${base}; style-src 'self' ${base}; connect-src ${[base, ...connect].join(" ")}; font-src ${base}`;
}

const attribute = (value: string) => value.replace(/&/g, "&amp;").replace(/"/g, "&quot;");

/**
 * A page of the foreign site embedding the widget with `attrs` (without `data-`), inside an
 * article column 600 px wide, with the site's own stylesheet and no inline style or script.
 */
function sitePage(
  pagePath: string,
  attrs: Record<string, string>,
  options: { body?: (script: string) => string; connect?: string[] } = {},
): string {
  const tag = `<script src="${base}/widget.js" ${Object.entries({ "article-id": QAZVIN, ...attrs })
    .map(([k, v]) => `data-${k}="${attribute(v)}"`)
    .join(" ")} async></script>`;
  const body =
    options.body?.(tag) ??
    `<main class="column"><h1>یک خبر</h1><p>متن خبر در سایتی دیگر.</p>${tag}<p id="after">پایان خبر.</p></main>`;
  sitePages.set(pagePath, {
    html: `<!doctype html><html lang="fa" dir="rtl"><head><meta charset="utf-8"><title>سایت خبری</title><link rel="stylesheet" href="/site.css"></head><body>${body}</body></html>`,
    connect: options.connect ?? [],
  });
  return `${foreignBase}${pagePath}`;
}

/** The stand-in APIs' citation, for their articles «x» and «md». */
function citation(articleId: string, url: string) {
  return {
    n: 1,
    articleId,
    title: "خبر آزمایشی",
    url,
    quote: "صادرات ۵۰ میلیون دلار بود.",
    start: 0,
    end: 26,
    score: 1,
  };
}

function sse(res: ServerResponse, events: Array<[string, unknown]>): void {
  res.writeHead(200, { "content-type": "text/event-stream", "access-control-allow-origin": "*" });
  res.end(events.map(([name, data]) => `event: ${name}\ndata: ${JSON.stringify(data)}\n\n`).join(""));
}

/** What a chat model writes: Markdown, a safe link and one that must never become a link. */
const MODEL_ANSWER = [
  "**صادرات** شرکت نمونه رشد کرد [1]:",
  "",
  "- ارزش: ۵۰ میلیون دلار [1]",
  "- مقصد: کشورهای همسایه",
  "",
  "1. گام نخست",
  "2. گام دوم",
  "",
  "بیشتر: [گزارش کامل](https://example.com/report) و [پیوند بد](javascript:window.__xss=6) و <b>نه</b>",
].join("\n");

async function startForeignSite(): Promise<void> {
  foreign = createServer((req, res) => {
    const page = sitePages.get(req.url ?? "");
    if (page) {
      res.writeHead(200, {
        "content-type": "text/html; charset=utf-8",
        "content-security-policy": strictPolicy(page.connect),
      });
      res.end(page.html);
      return;
    }
    if (req.url === "/site.css") {
      res.setHeader("content-type", "text/css");
      res.end(
        "body { margin: 0; font-family: serif; background: #fafafa; color: #222; } .column { width: 600px; margin: 24px auto; } .slot { margin: 16px 0; }",
      );
      return;
    }
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
    // A stand-in API that starts an answer and then says nothing more: the widget must give up.
    if (req.url?.startsWith("/stall/api/articles/")) {
      res.writeHead(404, { "content-type": "application/json" });
      res.end('{"error":{"code":"not_found","message":"…"}}');
      return;
    }
    if (req.url === "/stall/api/chat") {
      res.writeHead(200, { "content-type": "text/event-stream", "access-control-allow-origin": "*" });
      res.write(`event: token\ndata: ${JSON.stringify({ text: "آغاز " })}\n\n`);
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
      sse(res, [
        ["token", { text: "۵۰ میلیون دلار [1]" }],
        ["citations", [citation("x", " JavaScript:window.__xss=4")]],
        ["done", { found: true, mode: "extractive" }],
      ]);
      return;
    }
    // A stand-in of the model answerer (OPENAI_BASE_URL and CHAT_MODEL set): Markdown, streamed.
    if (req.url?.startsWith("/model/api/articles/")) {
      res.writeHead(200, { "content-type": "application/json", "access-control-allow-origin": "*" });
      res.end(JSON.stringify({ id: "md", title: "خبر آزمایشی", suggestedQuestions: [] }));
      return;
    }
    if (req.url === "/model/api/chat") {
      sse(res, [
        ...MODEL_ANSWER.split(/(?<= )/).map((text): [string, unknown] => ["token", { text }]),
        ["citations", [citation("md", "https://example.com/md")]],
        ["done", { found: true, mode: "llm" }],
      ]);
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

async function newPage(viewport = { width: 1280, height: 900 }, options: BrowserContextOptions = {}): Promise<Page> {
  const context = await browser.newContext({ viewport, locale: "fa-IR", ...options });
  return context.newPage();
}

/**
 * Everything the page's Content-Security-Policy refused, as the page sees it (the
 * `securitypolicyviolation` events, which cross shadow roots) and as Chromium reports it.
 * Call before the page loads.
 */
async function watchPolicy(page: Page): Promise<() => Promise<string[]>> {
  const reported: string[] = [];
  page.on("console", (m) => {
    if (/Content.Security.Policy/i.test(m.text())) reported.push(m.text());
  });
  await page.addInitScript(() => {
    const seen: string[] = [];
    (window as unknown as { __violations: string[] }).__violations = seen;
    document.addEventListener(
      "securitypolicyviolation",
      (e) => seen.push(`${e.effectiveDirective} ${e.blockedURI} ${e.sourceFile}:${e.lineNumber}`),
      true,
    );
  });
  return async () => [
    ...reported,
    ...(await page.evaluate(() => (window as unknown as { __violations: string[] }).__violations)),
  ];
}

/** Errors the page saw thrown (the widget must throw none at its host). */
function watchErrors(page: Page): string[] {
  const errors: string[] = [];
  page.on("pageerror", (e) => errors.push(e.message));
  return errors;
}

/** The `goftogu:*` events as a listener on the site's document receives them. Call before the page loads. */
async function watchEvents(
  page: Page,
): Promise<() => Promise<Array<{ type: string; detail: Record<string, unknown> }>>> {
  await page.addInitScript(() => {
    const seen: Array<{ type: string; detail: unknown }> = [];
    (window as unknown as { __events: typeof seen }).__events = seen;
    for (const type of ["open", "close", "ask", "answer", "feedback", "error"])
      document.addEventListener(`goftogu:${type}`, (e) =>
        seen.push({ type: e.type, detail: (e as CustomEvent).detail }),
      );
  });
  return () =>
    page.evaluate(
      () => (window as unknown as { __events: Array<{ type: string; detail: Record<string, unknown> }> }).__events,
    );
}

async function openWidget(page: Page): Promise<void> {
  await page.locator("goftogu-widget .launcher").click();
  await page.locator("goftogu-widget .panel").waitFor({ state: "visible" });
}

/** Types a question, sends it with Enter, and waits for the finished answer (its actions row). */
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

/** Sends a question and waits for the error it ends in; its message. */
async function askAndFail(page: Page, question: string): Promise<string> {
  await page.locator("goftogu-widget textarea").fill(question);
  await page.locator("goftogu-widget textarea").press("Enter");
  await page.locator("goftogu-widget .error button").waitFor({ timeout: 15_000 });
  return page.locator("goftogu-widget .error").innerText();
}

const style = (page: Page, selector: string, property: string) =>
  page.locator(`goftogu-widget ${selector}`).evaluate((el, p) => getComputedStyle(el).getPropertyValue(p), property);

async function shot(page: Page, name: string): Promise<void> {
  await page.screenshot({ path: path.join(ARTIFACTS, name) });
}

/** axe's serious and critical findings in the widget (its shadow root included), one line each. */
async function accessibilityProblems(page: Page): Promise<string[]> {
  await page.evaluate(axe.source);
  const results = await page.evaluate(() =>
    (window as unknown as { axe: typeof axe }).axe.run("goftogu-widget", { resultTypes: ["violations"] }),
  );
  return results.violations
    .filter((v) => v.impact === "serious" || v.impact === "critical")
    .map((v) => `${v.id} (${v.impact}): ${v.nodes.map((n) => JSON.stringify(n.target)).join(", ")}`);
}

before(async () => {
  await mkdir(ARTIFACTS, { recursive: true });
  await startGoftogu();
  await startForeignSite();
});

after(() => {
  foreign?.close();
  server?.kill("SIGTERM");
});

describe("markdown-lite: the little of Markdown a model's answer may use", () => {
  it("reads paragraphs, bullet and numbered lists, bold and citation markers", () => {
    assert.deepEqual(parseMarkdown(MODEL_ANSWER).slice(0, 3), [
      {
        type: "paragraph",
        children: [
          { type: "bold", children: [{ type: "text", text: "صادرات" }] },
          { type: "text", text: " شرکت نمونه رشد کرد " },
          { type: "cite", n: 1 },
          { type: "text", text: ":" },
        ],
      },
      {
        type: "list",
        ordered: false,
        start: 1,
        items: [
          [
            { type: "text", text: "ارزش: ۵۰ میلیون دلار " },
            { type: "cite", n: 1 },
          ],
          [{ type: "text", text: "مقصد: کشورهای همسایه" }],
        ],
      },
      {
        type: "list",
        ordered: true,
        start: 1,
        items: [[{ type: "text", text: "گام نخست" }], [{ type: "text", text: "گام دوم" }]],
      },
    ]);
  });

  it("links only http(s) addresses: any other link keeps its words and loses its address", () => {
    const blocks = parseMarkdown("[گزارش](https://example.com/a) و [بد](javascript:window.x=1) و [محلی](/x)");
    assert.deepEqual(blocks, [
      {
        type: "paragraph",
        children: [
          { type: "link", href: "https://example.com/a", children: [{ type: "text", text: "گزارش" }] },
          { type: "text", text: " و " },
          { type: "text", text: "بد" },
          { type: "text", text: " و " },
          { type: "text", text: "محلی" },
        ],
      },
    ]);
  });

  it("interprets nothing else: headings, code, HTML and quotes are the characters they are", () => {
    const text = "# عنوان\n`کد` <b>پررنگ</b> _کج_\n> نقل";
    assert.deepEqual(parseMarkdown(text), [{ type: "paragraph", children: [{ type: "text", text }] }]);
  });

  it("numbers a list from its first item, in Persian digits too, and joins an indented line to its item", () => {
    assert.deepEqual(parseMarkdown("۳. سوم\n   ادامهٔ سوم\n۴. چهارم"), [
      {
        type: "list",
        ordered: true,
        start: 3,
        items: [[{ type: "text", text: "سوم ادامهٔ سوم" }], [{ type: "text", text: "چهارم" }]],
      },
    ]);
  });

  it("reads an extractive answer line by line, with nothing but citation markers", () => {
    const text = "۲۶۳ میلیون دلار [1]\nبه گزارش تسنیم: «- نه فهرست، **نه پررنگ**» [1]";
    assert.deepEqual(parsePlain(text), [
      {
        type: "paragraph",
        children: [
          { type: "text", text: "۲۶۳ میلیون دلار " },
          { type: "cite", n: 1 },
        ],
      },
      {
        type: "paragraph",
        children: [
          { type: "text", text: "به گزارش تسنیم: «- نه فهرست، **نه پررنگ**» " },
          { type: "cite", n: 1 },
        ],
      },
    ]);
  });
});

describe("an answer as the widget shows it", () => {
  const quote =
    "وی بیان کرد: در ۶ ماه نخست امسال بیش از ۴۳۳ هزار تن کالا به ارزش ۲۶۳ میلیون دلار از قزوین صادر شده است.";
  const qazvin = {
    text: `۲۶۳ میلیون دلار [1]\nبه گزارش تسنیم: «${quote}» [1]`,
    citations: [
      { n: 1, articleId: QAZVIN, title: "۲۶۳ میلیون دلار کالا از قزوین صادر شد", quote, start: 0, end: 1, score: 1 },
    ],
    short: "۲۶۳ میلیون دلار",
    mode: "extractive",
  };

  it("shows a short answer once: without the line that quotes it again", () => {
    assert.equal(toPlainText(answerBlocks(qazvin)), "۲۶۳ میلیون دلار [1]");
  });

  it("keeps what is not a quote, such as another article's differing figure", () => {
    const text = `اکبر ابدالی [1]\nطبق خبر «انتصاب»: «${quote}» [1]\nدر خبر «انتصاب تازه» (ایرنا): رضا رحمانی [2]`;
    assert.equal(
      toPlainText(answerBlocks({ ...qazvin, text, short: "اکبر ابدالی" })),
      "اکبر ابدالی [1]\nدر خبر «انتصاب تازه» (ایرنا): رضا رحمانی [2]",
    );
  });

  it("shows an answer without a short answer as it was written", () => {
    const { short: _, ...whole } = qazvin;
    assert.equal(toPlainText(answerBlocks(whole)), qazvin.text);
  });

  it("copies the answer with its sources' titles and links", () => {
    assert.equal(
      copyText(qazvin, "https://goftogu.example"),
      `۲۶۳ میلیون دلار [1]\n\nمنابع پاسخ:\n[1] ۲۶۳ میلیون دلار کالا از قزوین صادر شد — https://goftogu.example/articles/${QAZVIN}`,
    );
  });
});

describe("widget.js and widget.css as served", () => {
  it("keeps the widget within its budget: 20 kB gzipped", async () => {
    const code = await (await fetch(`${base}/widget.js`)).text();
    const gzipped = gzipSync(code).length;
    assert.ok(gzipped <= 20_480, `widget.js is ${gzipped} bytes gzipped`);
  });

  it("logs the bundle's size once, when it is built", async () => {
    const logged: Array<Record<string, unknown>> = [];
    const first = await widgetBundle((entry) => logged.push(entry));
    await widgetBundle((entry) => logged.push(entry));
    assert.deepEqual(logged, [
      {
        level: "info",
        msg: "widget bundled",
        bytes: Buffer.byteLength(first.code),
        gzipBytes: gzipSync(first.code).length,
      },
    ]);
  });

  it("serves widget.css to any site's page, cached with an ETag (304 when unchanged)", async () => {
    const res = await fetch(`${base}/widget.css`);
    assert.equal(res.status, 200);
    assert.equal(res.headers.get("content-type"), "text/css; charset=utf-8");
    assert.equal(res.headers.get("access-control-allow-origin"), "*");
    assert.equal(res.headers.get("cache-control"), "public, max-age=300");
    assert.match(await res.text(), /\.launcher\s*\{/);
    const etag = res.headers.get("etag");
    assert.ok(etag);
    assert.equal((await fetch(`${base}/widget.css`, { headers: { "if-none-match": etag } })).status, 304);
  });
});

describe("the «گفتگو با هوش مصنوعی» widget in Chromium", { skip }, () => {
  before(async () => {
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
  });

  it("greets the reader with the article's title and streams a cited answer, shown once", async () => {
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

    const answer = await ask(page, QAZVIN_QUESTION);
    assert.match(answer, /۲۶۳ میلیون دلار/);
    assert.ok(
      streamed.some((t) => t.startsWith("text/event-stream")),
      `chat was not streamed: ${streamed}`,
    );
    // The short answer with its chip; the quote is folded under it, not a line of the answer.
    const bubble = page.locator("goftogu-widget .msg.assistant").nth(1);
    assert.equal((await bubble.locator(".body").innerText()).trim(), "۲۶۳ میلیون دلار ۱");
    const quote = bubble.locator(".quote");
    assert.ok(!(await quote.isVisible()), "the quote is folded");
    assert.doesNotMatch(answer, /وی بیان کرد/);
    const chip = bubble.locator(".cite").first();
    assert.equal(await chip.getAttribute("aria-expanded"), "false");
    await chip.click();
    assert.equal(await chip.getAttribute("aria-expanded"), "true");
    assert.match(await quote.innerText(), /وی بیان کرد: .*۲۶۳ میلیون دلار/);
    assert.equal(await quote.locator("a").getAttribute("href"), `${base}/articles/${QAZVIN}`);
    await shot(page, "desktop-answer-with-citation.png");
    await chip.click();
    assert.ok(!(await quote.isVisible()), "the chip folds it again");

    // After a reload the conversation is shown as it was.
    const shown = await bubble.innerText();
    await page.reload();
    await openWidget(page);
    assert.equal(await page.locator("goftogu-widget .msg.assistant").nth(1).innerText(), shown);
    await page.locator("goftogu-widget .msg.assistant .cite").first().click();
    assert.match(await page.locator("goftogu-widget .quote").first().innerText(), /وی بیان کرد/);
    await page.context().close();
  });

  it("shows an answer without a short answer as written, with chips", async () => {
    const page = await newPage();
    await page.goto(`${base}/articles/${QAZVIN}`);
    await openWidget(page);
    const answer = await ask(page, "خلاصه این خبر چیست؟");
    assert.match(answer, /«.+»/, "the quoted sentences are the answer");
    assert.ok((await page.locator("goftogu-widget .msg.assistant").nth(1).locator(".body .cite").count()) >= 1);
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
    const last = JSON.parse(bodies.at(-1)!) as { history: Array<Record<string, unknown>> };
    assert.ok(
      last.history.some((t) => t.role === "user" && String(t.content).includes("آرایشی و بهداشتی")),
      "the previous turn was sent as history",
    );
    assert.ok(
      last.history.every((t) => Object.keys(t).sort().join() === "content,role"),
      "history is {role, content} only",
    );

    // The conversation survives a reload (sessionStorage), the same on screen, and «گفتگوی تازه» clears it.
    const shown = await page.locator("goftogu-widget .log").innerText();
    await page.reload();
    await openWidget(page);
    assert.equal(await page.locator("goftogu-widget .log").innerText(), shown);
    assert.equal(await page.locator("goftogu-widget .msg.assistant .actions").count(), 3);
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
    // Shift+Enter starts a new line and sends nothing; Tab goes on to the send button.
    await page.keyboard.type("سطر یک");
    await page.keyboard.press("Shift+Enter");
    await page.keyboard.type("سطر دو");
    assert.equal(await page.locator("goftogu-widget textarea").inputValue(), "سطر یک\nسطر دو");
    assert.equal(await page.locator("goftogu-widget .msg.user").count(), 0);
    await page.keyboard.press("Tab");
    assert.equal(
      await page.evaluate(() => document.querySelector("goftogu-widget")?.shadowRoot?.activeElement?.textContent),
      "ارسال",
    );
    await page.keyboard.press("Shift+Tab");
    await page.keyboard.press("Control+A");
    await page.keyboard.press("Backspace");
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
    // The reader's system turns light, and back: the open widget follows.
    const panelBackground = () =>
      page.locator("goftogu-widget .panel").evaluate((el) => getComputedStyle(el).backgroundColor);
    // The widget hears the change from the media query's event, a moment after it: up to a second.
    const settlesOn = async (colour: string) => {
      for (let i = 0; i < 50 && (await panelBackground()) !== colour; i++) await page.waitForTimeout(20);
      return panelBackground();
    };
    await page.emulateMedia({ colorScheme: "light" });
    assert.equal(await settlesOn("rgb(255, 255, 255)"), "rgb(255, 255, 255)");
    await page.emulateMedia({ colorScheme: "dark" });
    assert.equal(await settlesOn("rgb(22, 25, 29)"), "rgb(22, 25, 29)");
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

  it("says whose problem it is when no answer comes, and gives the question back", async () => {
    const page = await newPage();
    const events = await watchEvents(page);
    await page.goto(`${base}/articles/${QAZVIN}`);
    await openWidget(page);
    const box = page.locator("goftogu-widget textarea");
    await box.press("Enter");
    assert.match(await page.locator("goftogu-widget .error").innerText(), /لطفاً پرسش خود را بنویسید/);

    const question = "قم چند شهرک صنعتی دارد؟";
    const json = (status: number, code: string) => ({
      status,
      contentType: "application/json",
      body: JSON.stringify({ error: { code, message: "…" } }),
    });
    const server = /سرور گفتگو با مشکلی روبه‌رو شده است/;
    const failures: Array<[string, (route: Route) => Promise<void>, RegExp]> = [
      [
        "connection refused",
        (route) => route.abort("connectionrefused"),
        /سرور گفتگو در دسترس نیست و مشکل از اینترنت شما نیست/,
      ],
      ["500", (route) => route.fulfill(json(500, "internal_error")), server],
      ["503 while the index loads", (route) => route.fulfill(json(503, "not_ready")), server],
      [
        "an error event mid-stream",
        (route) =>
          route.fulfill({
            status: 200,
            contentType: "text/event-stream",
            body: 'event: token\ndata: {"text":"آغاز "}\n\nevent: error\ndata: {"code":"answer_failed","message":"…"}\n\n',
          }),
        server,
      ],
      ["429", (route) => route.fulfill(json(429, "rate_limited")), /تعداد پرسش‌ها از حد مجاز گذشته است؛ .*صبر کنید/],
    ];
    for (const [what, respond, message] of failures) {
      await page.route("**/api/chat", respond);
      assert.match(await askAndFail(page, question), message, what);
      assert.doesNotMatch(await page.locator("goftogu-widget .error").innerText(), /اینترنت شما قطع/, what);
      assert.equal(await box.inputValue(), question, `${what}: the question is back in the box`);
      assert.equal(
        await page.locator("goftogu-widget .msg.user").count(),
        0,
        `${what}: no unanswered question in the log`,
      );
      await page.unroute("**/api/chat");
    }
    assert.deepEqual(
      (await events()).filter((e) => e.type === "goftogu:error").map((e) => e.detail.reason),
      ["unreachable", "server", "server", "server", "quota"],
    );
    // The retry button asks the question again, and it leaves the box.
    await page.locator("goftogu-widget .error button").click();
    await page.locator("goftogu-widget .msg.assistant .actions").first().waitFor({ timeout: 15_000 });
    assert.match(await page.locator("goftogu-widget .msg.assistant").last().innerText(), /هفت شهرک صنعتی/);
    assert.equal(await box.inputValue(), "");
    await shot(page, "retry-after-error.png");
    await page.context().close();
  });

  it("blames the reader's connection only when the browser says it is offline", async () => {
    const page = await newPage();
    await page.goto(`${base}/articles/${QAZVIN}`);
    await openWidget(page);
    await page.context().setOffline(true);
    assert.match(await askAndFail(page, QAZVIN_QUESTION), /به نظر می‌رسد اینترنت شما قطع است/);
    assert.equal(await page.locator("goftogu-widget textarea").inputValue(), QAZVIN_QUESTION);
    await shot(page, "offline.png");
    await page.context().setOffline(false);
    await page.locator("goftogu-widget .error button").click();
    await page.locator("goftogu-widget .msg.assistant .actions").first().waitFor({ timeout: 15_000 });
    assert.match(await page.locator("goftogu-widget .msg.assistant").last().innerText(), /۲۶۳ میلیون دلار/);
    await page.context().close();
  });

  it("gives up on an answer that does not come, or stops coming, after 30 s of silence", async () => {
    // No response at all: the request hangs.
    const page = await newPage();
    await page.clock.install();
    await page.goto(`${base}/articles/${QAZVIN}`);
    await openWidget(page);
    await page.route("**/api/chat", () => {});
    await page.locator("goftogu-widget textarea").fill(QAZVIN_QUESTION);
    await page.locator("goftogu-widget textarea").press("Enter");
    await page.locator("goftogu-widget .typing").waitFor();
    await page.clock.runFor(29_000);
    assert.equal(await page.locator("goftogu-widget .error").isVisible(), false, "still waiting at 29 s");
    await page.clock.runFor(2_000);
    await page.locator("goftogu-widget .error button").waitFor();
    assert.match(await page.locator("goftogu-widget .error").innerText(), /پاسخ بیش از اندازه طول کشید/);
    assert.equal(await page.locator("goftogu-widget textarea").inputValue(), QAZVIN_QUESTION);
    await page.context().close();

    // An answer that starts, then falls silent.
    const stalled = await newPage();
    await stalled.clock.install();
    await stalled.goto(sitePage("/stall", { "api-base": `${foreignBase}/stall` }, { connect: [foreignBase] }));
    await openWidget(stalled);
    await stalled.locator("goftogu-widget textarea").fill("یک پرسش");
    await stalled.locator("goftogu-widget textarea").press("Enter");
    await stalled.locator("goftogu-widget .msg.assistant", { hasText: "آغاز" }).waitFor();
    await stalled.clock.runFor(31_000);
    await stalled.locator("goftogu-widget .error button").waitFor();
    assert.match(await stalled.locator("goftogu-widget .error").innerText(), /پاسخ بیش از اندازه طول کشید/);
    assert.equal(await stalled.locator("goftogu-widget .msg.assistant", { hasText: "آغاز" }).count(), 0);
    assert.equal(await stalled.locator("goftogu-widget textarea").inputValue(), "یک پرسش");
    await stalled.context().close();
  });

  it("shows fully styled under a strict Content-Security-Policy, with nothing refused", async () => {
    const page = await newPage();
    const refused = await watchPolicy(page);
    const errors = watchErrors(page);
    const fonts: string[] = [];
    page.on("requestfinished", (r) => {
      if (r.url().includes("/fonts/")) fonts.push(r.url());
    });
    await page.goto(sitePage("/strict", {}));
    const launcher = page.locator("goftogu-widget .launcher");
    await launcher.waitFor();
    const button = await launcher.boundingBox();
    assert.ok(button && button.height >= 44 && button.width > 150, `launcher: ${JSON.stringify(button)}`);
    assert.ok(button.x <= 21 && button.y + button.height >= 900 - 21, "in the bottom left corner");
    assert.equal(await style(page, ".launcher", "background-color"), "rgb(11, 114, 133)");
    assert.equal(await style(page, ".launcher", "color"), "rgb(255, 255, 255)");
    assert.equal(await style(page, ".launcher", "position"), "fixed");
    await shot(page, "strict-csp-closed.png");
    await openWidget(page);
    assert.equal(await style(page, ".panel", "position"), "fixed");
    const panel = await page.locator("goftogu-widget .panel").boundingBox();
    assert.deepEqual(panel && [Math.round(panel.width), Math.round(panel.height)], [380, 600]);
    assert.equal(await style(page, "header", "background-color"), "rgb(11, 114, 133)");
    assert.match(await ask(page, QAZVIN_QUESTION), /۲۶۳ میلیون دلار/);
    assert.match(await style(page, ".root", "font-family"), /^"?GoftoguVazirmatn"?, /);
    assert.deepEqual(fonts, [`${base}/fonts/vazirmatn.woff2`], "the font came from Goftogu");
    await shot(page, "strict-csp-answer.png");
    assert.deepEqual(await refused(), []);
    assert.deepEqual(errors, []);
    await page.context().close();
  });

  it("links widget.css where constructed stylesheets are missing, still within the policy", async () => {
    const page = await newPage();
    const refused = await watchPolicy(page);
    await page.addInitScript(() => {
      // An older browser: no ShadowRoot.adoptedStyleSheets.
      delete (ShadowRoot.prototype as { adoptedStyleSheets?: unknown }).adoptedStyleSheets;
    });
    await page.goto(sitePage("/strict-older-browser", {}));
    await page.locator("goftogu-widget .launcher").waitFor();
    assert.equal(await page.locator("goftogu-widget link[rel=stylesheet]").getAttribute("href"), `${base}/widget.css`);
    await page.waitForFunction(
      () =>
        getComputedStyle(document.querySelector("goftogu-widget")!.shadowRoot!.querySelector(".launcher")!)
          .backgroundColor === "rgb(11, 114, 133)",
    );
    await openWidget(page);
    assert.equal(await style(page, ".panel", "position"), "fixed");
    assert.deepEqual(await refused(), []);
    await page.context().close();
  });

  it("inline: a box where the script is, as wide as the article, open, and no dialog", async () => {
    const page = await newPage();
    const refused = await watchPolicy(page);
    const events = await watchEvents(page);
    await page.goto(sitePage("/inline", { mode: "inline" }));
    const panel = page.locator("goftogu-widget .panel");
    await panel.waitFor({ state: "visible" });
    await page.locator("goftogu-widget .msg.assistant").first().waitFor();
    assert.equal(
      await page.evaluate(() => document.querySelector('script[src$="/widget.js"]')?.nextElementSibling?.tagName),
      "GOFTOGU-WIDGET",
    );
    assert.equal(await page.locator("goftogu-widget .launcher").isVisible(), false);
    assert.equal(await style(page, ".panel", "position"), "relative");
    const box = (await panel.boundingBox())!;
    const column = (await page.locator(".column").boundingBox())!;
    assert.deepEqual([Math.round(box.x), Math.round(box.width)], [Math.round(column.x), 600]);
    const textBefore = (await page.locator(".column > p").first().boundingBox())!;
    const textAfter = (await page.locator("#after").boundingBox())!;
    assert.ok(textBefore.y < box.y && box.y + box.height <= textAfter.y, "in the article, between its paragraphs");
    assert.ok(box.height < 560, `as tall as its conversation: ${box.height}`);
    assert.equal(await page.getByRole("region", { name: "گفتگو با هوش مصنوعی" }).count(), 1);
    assert.equal(await page.locator("goftogu-widget [role=dialog]").count(), 0);
    assert.ok(await page.evaluate(() => document.activeElement === document.body), "it took no focus");
    await shot(page, "inline-greeting.png");

    assert.match(await ask(page, QAZVIN_QUESTION), /۲۶۳ میلیون دلار/);
    await page.locator("goftogu-widget textarea").press("Escape");
    await page.evaluate(() => (window as unknown as { Goftogu: { close(): void } }).Goftogu.close());
    assert.ok(await panel.isVisible(), "neither Escape nor Goftogu.close() closes it");
    assert.deepEqual(
      (await events()).filter((e) => e.type === "goftogu:open").map((e) => e.detail),
      [{ articleId: QAZVIN, mode: "inline" }],
    );
    assert.deepEqual(await refused(), []);
    await shot(page, "inline-answer.png");
    await page.context().close();
  });

  it("inline: grows with the conversation up to 560 px, then its log scrolls", async () => {
    const page = await newPage();
    await page.addInitScript((key) => {
      const turns = [];
      for (let i = 0; i < 6; i++)
        turns.push(
          { role: "user", content: `پرسش ${i}` },
          { role: "assistant", content: "پاسخی بلند و بلندتر ".repeat(20), mode: "extractive", citations: [] },
        );
      sessionStorage.setItem(key, JSON.stringify(turns));
    }, `goftogu:v1:conversation:${QAZVIN}`);
    await page.goto(sitePage("/inline-long", { mode: "inline" }));
    await page.locator("goftogu-widget .msg.user").first().waitFor();
    assert.equal(Math.round((await page.locator("goftogu-widget .panel").boundingBox())!.height), 560);
    const log = page.locator("goftogu-widget .log");
    assert.ok(await log.evaluate((el) => el.scrollHeight > el.clientHeight + 100), "the log scrolls");
    await page.context().close();
  });

  it("inline: goes into data-target, or after the script when the target is missing or not a selector", async () => {
    const cases: Array<[string, string]> = [
      ["#chat-slot", "chat-slot"],
      ["#missing", "column"],
      ["[[", "column"],
    ];
    for (const [k, [target, parent]] of cases.entries()) {
      const page = await newPage();
      const errors = watchErrors(page);
      await page.goto(
        sitePage(
          `/target-${k}`,
          { mode: "inline", target },
          {
            body: (tag) =>
              `<main class="column" id="column"><h1>خبر</h1><div id="chat-slot" class="slot"></div><p>متن خبر.</p>${tag}</main>`,
          },
        ),
      );
      await page.locator("goftogu-widget .panel").waitFor();
      assert.equal(
        await page.evaluate(() => document.querySelector("goftogu-widget")?.parentElement?.id),
        parent,
        target,
      );
      if (parent === "column")
        assert.equal(
          await page.evaluate(() => document.querySelector("script[data-mode]")?.nextElementSibling?.tagName),
          "GOFTOGU-WIDGET",
        );
      assert.equal(Math.round((await page.locator("goftogu-widget .panel").boundingBox())!.width), 600);
      assert.deepEqual(errors, []);
      await page.context().close();
    }
  });

  it("takes the site's look: theme, accent, font, corner and its own words", async () => {
    const page = await newPage(undefined, { colorScheme: "light" });
    const refused = await watchPolicy(page);
    const requested: string[] = [];
    page.on("request", (r) => requested.push(r.url()));
    await page.goto(
      sitePage("/look", {
        theme: "dark",
        accent: "rebeccapurple",
        font: '"Noto Naskh Arabic", serif',
        position: "right",
        heading: "از این خبر بپرسید",
        placeholder: "پرسش شما درباره‌ی این خبر…",
        "send-label": "بفرست",
        "launcher-label": "پرسش از خبر",
        greeting: "سلام! هر پرسشی درباره‌ی این خبر داری بپرس.",
      }),
    );
    const launcher = page.locator("goftogu-widget .launcher");
    await launcher.waitFor();
    assert.match(await launcher.innerText(), /پرسش از خبر/);
    assert.equal(await style(page, ".launcher", "background-color"), "rgb(102, 51, 153)");
    const corner = (await launcher.boundingBox())!;
    assert.ok(corner.x + corner.width >= 1280 - 21, "in the bottom right corner");
    await openWidget(page);
    assert.equal(
      await style(page, ".panel", "background-color"),
      "rgb(22, 25, 29)",
      "dark though the browser is light",
    );
    assert.equal(await page.locator("goftogu-widget h2").innerText(), "از این خبر بپرسید");
    assert.equal(
      await page.locator("goftogu-widget textarea").getAttribute("placeholder"),
      "پرسش شما درباره‌ی این خبر…",
    );
    assert.equal(await page.locator("goftogu-widget form button[type=submit]").innerText(), "بفرست");
    assert.equal(
      await page.locator("goftogu-widget .msg.assistant").first().innerText(),
      "سلام! هر پرسشی درباره‌ی این خبر داری بپرس.",
    );
    assert.match(await style(page, ".root", "font-family"), /^"Noto Naskh Arabic", serif$/);
    assert.deepEqual(
      requested.filter((url) => url.includes("/fonts/")),
      [],
      "no Vazirmatn download with the site's own font",
    );
    await shot(page, "site-look-dark-right.png");
    assert.deepEqual(await refused(), []);
    await page.context().close();

    // Light in a dark browser; data-color is the accent's other name; a light accent gets dark text.
    const light = await newPage(undefined, { colorScheme: "dark" });
    await light.goto(sitePage("/look-light", { theme: "light", color: "#ffd43b" }));
    await openWidget(light);
    assert.equal(await style(light, ".panel", "background-color"), "rgb(255, 255, 255)");
    assert.equal(await style(light, "header", "background-color"), "rgb(255, 212, 59)");
    assert.equal(await style(light, "header", "color"), "rgb(17, 17, 17)");
    await light.context().close();

    // What is not a colour is ignored.
    const wrong = await newPage();
    await wrong.goto(sitePage("/look-wrong", { accent: "url(javascript:alert(1))", theme: "sepia" }));
    await wrong.locator("goftogu-widget .launcher").waitFor();
    assert.equal(await style(wrong, ".launcher", "background-color"), "rgb(11, 114, 133)");
    await wrong.context().close();
  });

  it("tells the site's analytics what the reader does, as DOM events on the document", async () => {
    const page = await newPage();
    const events = await watchEvents(page);
    await page.goto(sitePage("/events", {}));
    await openWidget(page);
    await ask(page, QAZVIN_QUESTION);
    await page.getByRole("button", { name: "مفید", exact: true }).click();
    await page.keyboard.press("Escape");
    await page.locator("goftogu-widget .launcher").waitFor();
    assert.deepEqual(await events(), [
      { type: "goftogu:open", detail: { articleId: QAZVIN, mode: "floating" } },
      { type: "goftogu:ask", detail: { articleId: QAZVIN, question: QAZVIN_QUESTION } },
      {
        type: "goftogu:answer",
        detail: { articleId: QAZVIN, question: QAZVIN_QUESTION, found: true, mode: "extractive", citedIds: [QAZVIN] },
      },
      { type: "goftogu:feedback", detail: { articleId: QAZVIN, question: QAZVIN_QUESTION, rating: "up" } },
      { type: "goftogu:close", detail: { articleId: QAZVIN, mode: "floating" } },
    ]);
    await page.context().close();
  });

  it("copies an answer with its sources' titles and links, by keyboard too", async () => {
    const page = await newPage(undefined, { permissions: ["clipboard-read", "clipboard-write"] });
    await page.goto(sitePage("/copy", {}));
    await openWidget(page);
    await ask(page, QAZVIN_QUESTION);
    await page.getByRole("button", { name: "کپی پاسخ و منابع" }).focus();
    await page.keyboard.press("Enter");
    // The clipboard is written asynchronously: the button says so once it is done.
    await page.locator("goftogu-widget .actions .copy", { hasText: "کپی شد" }).waitFor({ timeout: 5_000 });
    assert.equal(
      await page.evaluate(() => navigator.clipboard.readText()),
      `۲۶۳ میلیون دلار [1]\n\nمنابع پاسخ:\n[1] ۲۶۳ میلیون دلار کالا از قزوین صادر شد — ${base}/articles/${QAZVIN}`,
    );
    await page.locator("goftogu-widget .actions .copy", { hasText: /^کپی$/ }).waitFor({ timeout: 5_000 });
    await page.context().close();
  });

  it("renders a model's Markdown as lists, bold and safe links, never as HTML", async () => {
    const page = await newPage();
    const refused = await watchPolicy(page);
    await page.goto(sitePage("/model", { "api-base": `${foreignBase}/model` }, { connect: [foreignBase] }));
    await openWidget(page);
    await ask(page, "صادرات شرکت نمونه چقدر بود؟");
    const body = page.locator("goftogu-widget .msg.assistant").nth(1).locator(".body");
    assert.equal(await body.locator("strong").innerText(), "صادرات");
    assert.deepEqual(await body.locator("ul > li").allInnerTexts(), ["ارزش: ۵۰ میلیون دلار ۱", "مقصد: کشورهای همسایه"]);
    assert.deepEqual(await body.locator("ol > li").allInnerTexts(), ["گام نخست", "گام دوم"]);
    const link = body.locator("a");
    assert.equal(await link.count(), 1, "one link: the https one");
    assert.equal(await link.getAttribute("href"), "https://example.com/report");
    assert.equal(await link.getAttribute("rel"), "noopener noreferrer");
    assert.equal(await link.getAttribute("target"), "_blank");
    const text = await body.innerText();
    assert.match(text, /پیوند بد/);
    assert.doesNotMatch(text, /javascript/);
    assert.match(text, /<b>نه<\/b>/);
    assert.equal(await body.locator("b").count(), 0);
    await body.locator("li .cite").click();
    assert.match(await page.locator("goftogu-widget .quote").first().innerText(), /صادرات ۵۰ میلیون دلار بود/);
    await shot(page, "model-answer-markdown.png");
    assert.equal(await page.evaluate(() => (window as unknown as { __xss?: number }).__xss), undefined);
    assert.deepEqual(await refused(), []);
    await page.context().close();
  });

  it("has no serious or critical accessibility problem, open or closed, light or dark, floating or inline", async () => {
    const problems: string[] = [];
    for (const colorScheme of ["light", "dark"] as const) {
      const page = await newPage(undefined, { colorScheme });
      await page.goto(sitePage("/axe-floating", {}));
      await page.locator("goftogu-widget .launcher").waitFor();
      problems.push(...(await accessibilityProblems(page)).map((p) => `${colorScheme}, floating, closed: ${p}`));
      await openWidget(page);
      await page.locator("goftogu-widget .chips button").first().waitFor({ timeout: 10_000 });
      problems.push(...(await accessibilityProblems(page)).map((p) => `${colorScheme}, floating, open: ${p}`));
      await ask(page, QAZVIN_QUESTION);
      await page.locator("goftogu-widget .msg.assistant .cite").first().click();
      problems.push(...(await accessibilityProblems(page)).map((p) => `${colorScheme}, floating, answered: ${p}`));
      await page.context().close();

      const inline = await newPage(undefined, { colorScheme });
      await inline.goto(sitePage("/axe-inline", { mode: "inline" }));
      await inline.locator("goftogu-widget .msg.assistant").first().waitFor();
      problems.push(...(await accessibilityProblems(inline)).map((p) => `${colorScheme}, inline: ${p}`));
      await ask(inline, QAZVIN_QUESTION);
      await inline.route("**/api/chat", (route) => route.abort("connectionrefused"));
      await askAndFail(inline, "قم چند شهرک صنعتی دارد؟");
      problems.push(
        ...(await accessibilityProblems(inline)).map((p) => `${colorScheme}, inline, answered then failed: ${p}`),
      );
      await shot(inline, `inline-${colorScheme}-error.png`);
      await inline.context().close();
    }
    assert.deepEqual(problems, []);
  });
});

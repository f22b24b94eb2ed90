import assert from "node:assert/strict";
import { spawn } from "node:child_process";
import { readFile, writeFile } from "node:fs/promises";
import path from "node:path";
import { describe, it } from "node:test";
import { START_ARGS } from "./support/server.ts";
import { seedCopy, startServer, tempDir, type RunningServer } from "./support/helpers.ts";

const ROOT = path.resolve(import.meta.dirname, "..");

async function stop(running: RunningServer): Promise<number | null> {
  running.child.kill("SIGTERM");
  return running.exited;
}

async function chat(url: string, question: string) {
  const res = await fetch(`${url}/api/chat`, {
    method: "POST",
    headers: { "content-type": "application/json" },
    body: JSON.stringify({ question }),
  });
  return (await res.json()) as { answer: string; found: boolean; citations: Array<{ articleId: string }> };
}

describe("the server as `npm start` runs it", () => {
  it("builds the index on first start, answers over HTTP, reuses the index, rebuilds when an article changes", async () => {
    const articlesDir = await seedCopy();
    const env = { ARTICLES_DIR: articlesDir, INDEX_DIR: path.join(await tempDir(), "index") };

    const first = await startServer(env);
    try {
      assert.ok(
        first.logs.some((l) => l.msg === "index built" && l.reason === "no index yet"),
        JSON.stringify(first.logs),
      );
      const health = (await (await fetch(`${first.url}/api/health`)).json()) as Record<string, unknown>;
      assert.deepEqual(
        { status: health.status, articles: health.articles, answerer: health.answerer },
        { status: "ok", articles: 5, answerer: "extractive" },
      );
      const answer = await chat(first.url, "ارزش صادرات قزوین در ۶ ماه نخست امسال چقدر بود؟");
      assert.equal(answer.found, true);
      assert.ok(answer.answer.includes("۲۶۳ میلیون دلار"), answer.answer);
      assert.equal(answer.citations[0]!.articleId, "000_6460d26cea20ff96");
    } finally {
      assert.equal(await stop(first), 0, "SIGTERM ends the server cleanly");
    }

    const second = await startServer(env);
    try {
      assert.ok(
        second.logs.some((l) => l.msg === "index up to date"),
        JSON.stringify(second.logs),
      );
    } finally {
      await stop(second);
    }

    const file = path.join(articlesDir, "004_6f85bbe77279df80.txt");
    await writeFile(file, (await readFile(file, "utf8")).replace("۱۴۰ واحد دانشبنیان", "۱۷۵ واحد دانشبنیان"));
    const third = await startServer(env);
    try {
      assert.ok(
        third.logs.some(
          (l) => l.msg === "index built" && l.reason === "articles changed: 0 added, 1 changed, 0 removed",
        ),
        JSON.stringify(third.logs),
      );
      const answer = await chat(third.url, "چند شرکت دانش‌بنیان در استان قزوین فعالیت دارند؟");
      assert.ok(answer.answer.includes("۱۷۵ واحد دانشبنیان"), answer.answer);
    } finally {
      await stop(third);
    }
  });

  it("refuses to start with an invalid setting, naming it", async () => {
    const child = spawn(process.execPath, START_ARGS, {
      cwd: ROOT,
      env: { PATH: process.env.PATH, PORT: "seventy" },
      stdio: ["ignore", "pipe", "pipe"],
    });
    let out = "";
    child.stdout!.on("data", (d) => (out += d));
    const code = await new Promise<number | null>((resolve) => child.on("exit", resolve));
    assert.equal(code, 1);
    assert.match(out, /Invalid configuration:.*PORT/s);
  });
});

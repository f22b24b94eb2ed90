import assert from "node:assert/strict";
import { writeFile } from "node:fs/promises";
import path from "node:path";
import { describe, it } from "node:test";
import { loadConfig } from "../core/config.ts";
import { createApp } from "../server/app.ts";
import { post, seedApp, seedCopy } from "./support/helpers.ts";

const QAZVIN = "000_6460d26cea20ff96";
const TEMPLATE = "https://www.example.ir/news/{id}";

describe("ARTICLE_URL_TEMPLATE", () => {
  it("must be an http(s) address with {id}, and says so", () => {
    assert.equal(loadConfig({ ARTICLE_URL_TEMPLATE: TEMPLATE }).articleUrlTemplate, TEMPLATE);
    assert.equal(loadConfig({}).articleUrlTemplate, undefined);
    for (const bad of ["https://www.example.ir/news/", "javascript:alert('{id}')", "/news/{id}"])
      assert.throws(
        () => loadConfig({ ARTICLE_URL_TEMPLATE: bad }),
        /ARTICLE_URL_TEMPLATE: must be an http\(s\) address with \{id\}/,
      );
  });

  it("links citations, the article list and the article page of articles without a url to the publisher", async () => {
    const articles = await seedCopy();
    // One article of the publisher's own with its url, one whose id needs escaping.
    const own = {
      id: "own",
      url: "https://news.example/own",
      title: "صادرات زعفران",
      text: "صادرات زعفران خراسان امسال ۳۰۰ میلیون دلار بود.",
    };
    const odd = {
      id: "a/b c",
      title: "واردات برنج",
      text: "واردات برنج ایران در سال ۱۴۰۲ به ۴۰۰ هزار تن رسید و بیشتر آن از هند بود.",
    };
    await writeFile(path.join(articles, "extra.jsonl"), [own, odd].map((a) => JSON.stringify(a)).join("\n") + "\n");
    const { assistant } = await seedApp(articles);
    const app = createApp(assistant, { articleUrlTemplate: TEMPLATE, log: () => {} });

    const answer = (await (
      await post(app, "/api/chat", { question: "ارزش صادرات قزوین چقدر بود؟", articleId: QAZVIN })
    ).json()) as any;
    assert.equal(answer.found, true);
    assert.equal(answer.citations[0].url, `https://www.example.ir/news/${QAZVIN}`);

    const stream = await (
      await post(app, "/api/chat", {
        question: "واردات برنج ایران در سال ۱۴۰۲ چند تن بود؟",
        articleId: "a/b c",
        stream: true,
      })
    ).text();
    const citations = JSON.parse(/event: citations\ndata: (.*)/.exec(stream)![1]!);
    assert.equal(citations[0].articleId, "a/b c");
    assert.equal(citations[0].url, "https://www.example.ir/news/a%2Fb%20c");

    const own2 = (await (await post(app, "/api/chat", { question: "صادرات زعفران خراسان چقدر بود؟" })).json()) as any;
    assert.equal(own2.citations[0].url, "https://news.example/own", "an article's own url wins");

    const list = (await (await app.request("/api/articles?limit=100")).json()) as any;
    const byId = new Map(list.articles.map((a: any) => [a.id, a.url]));
    assert.equal(byId.get(QAZVIN), `https://www.example.ir/news/${QAZVIN}`);
    assert.equal(byId.get("own"), "https://news.example/own");
    const one = (await (await app.request(`/api/articles/${QAZVIN}`)).json()) as any;
    assert.equal(one.url, `https://www.example.ir/news/${QAZVIN}`);

    const html = await (await app.request(`/articles/${QAZVIN}`)).text();
    assert.match(html, new RegExp(`<a class="original" href="https://www.example.ir/news/${QAZVIN}"`));
  });

  it("leaves citations without a url when neither the article nor a template gives one", async () => {
    const { app } = await seedApp();
    const answer = (await (
      await post(app, "/api/chat", { question: "ارزش صادرات قزوین چقدر بود؟", articleId: QAZVIN })
    ).json()) as any;
    assert.equal(answer.citations[0].url, undefined);
  });
});

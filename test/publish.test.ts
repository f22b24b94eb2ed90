import assert from "node:assert/strict";
import path from "node:path";
import { after, before, describe, it } from "node:test";
import { startFakeOpenAI } from "./support/fake-openai.ts";
import { loadSentencePool } from "./support/sentence-pool.ts";
import { HnswlibCorpus, type SearchThread } from "../core/corpus/embedded/corpus.ts";
import { openIndex } from "../core/corpus/embedded/store.ts";
import type { SourceArticle } from "../core/article.ts";
import { buildIndex } from "../ingest/build.ts";
import { PreparationThread } from "../ingest/prepare-thread.ts";
import { prepareArticle } from "../ingest/prepare.ts";
import { createApp } from "../server/app.ts";
import { Assistant } from "../answer/assistant.ts";
import { post, same, seedCopy, tempDir } from "./support/helpers.ts";

const TOKEN = "test-admin-token-0123456789";
const ID = "sepidkenar-report";
const QUESTION = "بندر سپیدکنار امسال پذیرای چند کشتی تجاری بود؟";
const OLD = "۴۷۰ کشتی";
const NEW = "۵۱۲ کشتی";
/** Characters of news text around the article's one fact: hundreds of chunks, a publication the old code made readers wait for. */
const FILLER_CHARS = 400_000;

let filler: { before: string; after: string };

/** The article at `figure`: the same long report, with the ships' count in the middle. */
function report(figure: string): { title: string; text: string; source: string } {
  const fact = `بندر سپیدکنار امسال پذیرای ${figure} تجاری بود و حجم کالای تخلیه شده در این بندر به ۳ میلیون تن رسید.`;
  return {
    title: "گزارش سالانه بندر سپیدکنار",
    text: `${filler.before}\n\n${fact}\n\n${filler.after}`,
    source: "ایرنا",
  };
}

/** The article as the API reads it, and its cleaned text, which quotes come from. */
function source(figure: string): SourceArticle {
  const { title, text, source } = report(figure);
  return { id: ID, raw: text, title, source, origin: "api", contentHash: "" };
}
const cleaned = () => ({ old: prepareArticle(source(OLD)).text, new: prepareArticle(source(NEW)).text });

before(async () => {
  const pool = await loadSentencePool();
  const paragraphs: string[] = [];
  let chars = 0;
  for (let i = 0; chars < FILLER_CHARS; i += 3) {
    const paragraph = pool.sentences.slice(i, i + 3).join(" ");
    paragraphs.push(paragraph);
    chars += paragraph.length + 2;
  }
  const half = Math.floor(paragraphs.length / 2);
  filler = { before: paragraphs.slice(0, half).join("\n\n"), after: paragraphs.slice(half).join("\n\n") };
});

/** The app over the seed articles with the article API, its searches in process or on their own threads. */
async function publishingApp(threads: SearchThread) {
  const articlesDir = await seedCopy();
  const indexDir = path.join(await tempDir(), "index");
  await buildIndex({ articlesDir, indexDir, embedder: { kind: "local" } });
  const corpus = HnswlibCorpus.of(await openIndex(indexDir, { kind: "local" }), {
    searchThread: threads,
    lexicalThread: threads,
  });
  after(() => corpus.close());
  assert.equal(await corpus.searchThreadReady(), threads === "on");
  assert.equal(await corpus.lexicalThreadReady(), threads === "on");
  const app = createApp(new Assistant(corpus, { answerer: { kind: "extractive" } }), {
    log: () => {},
    admin: { token: TOKEN, articlesDir },
  });
  const publish = (article: ReturnType<typeof report>) =>
    app.request(`/api/articles/${ID}`, {
      method: "PUT",
      headers: { "content-type": "application/json", authorization: `Bearer ${TOKEN}` },
      body: JSON.stringify(article),
    });
  return { app, corpus, publish };
}

interface ChatAnswer {
  answer: string;
  found: boolean;
  citations: Array<{ articleId: string; quote: string }>;
}

async function ask(app: Awaited<ReturnType<typeof publishingApp>>["app"]): Promise<ChatAnswer> {
  const res = await post(app, "/api/chat", { question: QUESTION });
  assert.equal(res.status, 200);
  return (await res.json()) as ChatAnswer;
}

/** Which version of the article an answer comes from: "old", "new", or "mixed" when its figures or quotes are of both or neither. */
function versionOf(answer: ChatAnswer, texts: { old: string; new: string }): string {
  const said = same([answer.answer, ...answer.citations.map((c) => c.quote)].join("\n"));
  const quotes = answer.citations.filter((c) => c.articleId === ID).map((c) => same(c.quote));
  const fits = (version: "old" | "new") =>
    said.includes(same(version === "old" ? OLD : NEW)) &&
    !said.includes(same(version === "old" ? NEW : OLD)) &&
    quotes.every((q) => same(texts[version]).includes(q));
  return !answer.found || answer.citations[0]?.articleId !== ID
    ? `not answered from ${ID}: ${answer.answer}`
    : fits("old")
      ? "old"
      : fits("new")
        ? "new"
        : `mixed: ${answer.answer}`;
}

for (const threads of ["off", "on"] as const) {
  describe(`publishing a large article, searches ${threads === "on" ? "on their own threads" : "in process"}`, () => {
    it(
      "answers readers during the publication from the old version or the new, never both, then from the new",
      { timeout: 120_000 },
      async () => {
        const { app, publish } = await publishingApp(threads);
        const texts = cleaned();
        assert.equal((await publish(report(OLD))).status, 200);
        assert.equal(versionOf(await ask(app), texts), "old");

        let published = false;
        const started = performance.now();
        const replacing = Promise.resolve(publish(report(NEW))).then((res) => {
          published = true;
          return res;
        });
        const during: string[] = [];
        /** When each question asked during the publication was answered, from its start. */
        const answeredAt: number[] = [];
        while (!published) {
          // A reader's request comes in on a socket, a turn of the event loop: in process, a loop of
          // requests would otherwise run on promises alone and never let the publication go on.
          await new Promise(setImmediate);
          const answer = await ask(app);
          during.push(versionOf(answer, texts));
          if (!published) answeredAt.push(performance.now() - started);
        }
        assert.equal((await replacing).status, 200);
        // Readers are answered throughout, not only before the publication's work begins: a
        // publication that held the event loop let none through in the rest of its time.
        const took = performance.now() - started;
        const quarters = [0, 1, 2, 3].map(
          (q) => answeredAt.filter((t) => t >= (q * took) / 4 && t < ((q + 1) * took) / 4).length,
        );
        assert.ok(
          quarters.every((n) => n > 0),
          `questions answered in each quarter of the ${Math.round(took)} ms publication: ${quarters.join(", ")}`,
        );
        assert.deepEqual(
          during.filter((v) => v !== "old" && v !== "new"),
          [],
        );
        assert.ok(during.includes("old"), "the old version answers until the new one is live");
        assert.ok(!during.slice(during.indexOf("new")).includes("old"), "and the new one, once live, stays");

        const answer = await ask(app);
        assert.equal(versionOf(answer, texts), "new");
        assert.ok(same(answer.answer).includes(same(NEW)), answer.answer);
        assert.equal(answer.citations[0]!.articleId, ID);
      },
    );

    it(
      "leaves the old version answering when a publication fails part-way, and takes the next one",
      { timeout: 120_000 },
      async () => {
        const { app, corpus, publish } = await publishingApp(threads);
        const texts = cleaned();
        assert.equal((await publish(report(OLD))).status, 200);
        const before = await corpus.stats();

        const preparation = new PreparationThread();
        after(() => preparation.close());
        const sources = [source(NEW)];
        const prepared = await preparation.prepare(sources, await corpus.embedder());
        assert.ok(prepared.chunks.length > 300, `${prepared.chunks.length} chunks`);
        // A vector hnswlib cannot take, late in the batch: the slices before it are staged already.
        const vectors = [...prepared.vectors];
        vectors[prepared.chunks.length - 10] = Array.from(vectors[0]!).slice(0, 10);
        await assert.rejects(corpus.put({ sources, ...prepared, vectors }), /dimensions/);

        assert.deepEqual(await corpus.stats(), before);
        assert.equal(versionOf(await ask(app), texts), "old");
        const search = (await (
          await post(app, "/api/search", { query: "بندر سپیدکنار کشتی تجاری", k: 50 })
        ).json()) as { results: Array<{ articleId: string; text: string }> };
        assert.ok(search.results.some((r) => r.articleId === ID && same(r.text).includes(same(OLD))));
        assert.ok(
          !search.results.some((r) => same(r.text).includes(same(NEW))),
          "nothing of the failed version is found",
        );

        await corpus.put({ sources, ...prepared });
        assert.equal(versionOf(await ask(app), texts), "new");
        assert.equal((await corpus.stats()).chunks, before.chunks);
      },
    );
  });
}

describe("publishing with a remote embedder (EMBEDDING_MODEL)", () => {
  it("prepares the article off the event loop and has the model embed its chunks", async () => {
    const fake = await startFakeOpenAI();
    after(() => fake.close());
    const spec = { kind: "openai" as const, model: "fake-embed", apiKey: "sk-test", baseURL: fake.baseURL };
    const articlesDir = await seedCopy();
    const indexDir = path.join(await tempDir(), "index");
    await buildIndex({ articlesDir, indexDir, embedder: spec });
    const app = createApp(
      new Assistant(HnswlibCorpus.of(await openIndex(indexDir, spec)), { answerer: { kind: "extractive" } }),
      { log: () => {}, admin: { token: TOKEN, articlesDir } },
    );
    const built = fake.requests.length;

    const article = {
      title: "گزارش سالانه بندر سپیدکنار",
      text: "بندر سپیدکنار امسال پذیرای ۵۱۲ کشتی تجاری بود و حجم کالای تخلیه شده در این بندر به ۳ میلیون تن رسید.",
      source: "ایرنا",
    };
    const res = await app.request(`/api/articles/${ID}`, {
      method: "PUT",
      headers: { "content-type": "application/json", authorization: `Bearer ${TOKEN}` },
      body: JSON.stringify(article),
    });
    assert.equal(res.status, 200);
    const embedded = fake.requests
      .slice(built)
      .flatMap((r) => (r.url.endsWith("/embeddings") ? (r.body.input as string[]) : []));
    assert.ok(
      embedded.some((input) => input.startsWith(`${article.title}\n`) && input.includes("۵۱۲ کشتی")),
      "the article's chunk went to the model",
    );

    const answer = (await (await post(app, "/api/chat", { question: QUESTION })).json()) as ChatAnswer;
    assert.ok(answer.found && same(answer.answer).includes(same(NEW)), answer.answer);
    assert.equal(answer.citations[0]!.articleId, ID);
  });
});

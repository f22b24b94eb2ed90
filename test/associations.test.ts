import assert from "node:assert/strict";
import { readdirSync, readFileSync } from "node:fs";
import { writeFile } from "node:fs/promises";
import path from "node:path";
import { describe, it } from "node:test";
import { TermAssociations } from "../core/corpus/associations.ts";
import { HnswlibCorpus } from "../core/corpus/embedded/corpus.ts";
import { openIndex } from "../core/corpus/embedded/store.ts";
import { analyze } from "../core/persian/tokens.ts";
import { buildIndex } from "../ingest/build.ts";
import { DEFAULT_RETRIEVAL, Retriever } from "../answer/retrieve.ts";
import { SEEDS_DIR, tempDir } from "./support/helpers.ts";

/**
 * Term associations (core/corpus/associations.ts): which words a site's own articles use
 * together, learned at ingest, searched with RETRIEVAL_STAGES=…,associations.
 */

/**
 * A small archive: fuel news, where «بنزین» goes with «سهمیه» and «سوخت», among the seed
 * articles' sentences, each a story of its own, as the rest of a site's coverage.
 */
function fuelArchive(): Array<{ id: string; title: string; text: string }> {
  const fuel = [
    "سهمیه بنزین خودروهای شخصی در ماه آینده تغییر می‌کند و جایگاه سوخت آماده است.",
    "مصرف بنزین در تعطیلات بالا رفت و سهمیه سوخت کارت‌ها پر شد.",
    "نرخ بنزین سهمیه‌ای ثابت ماند و سوخت رسانی به جایگاه‌ها ادامه دارد.",
    "کارت سوخت شخصی برای دریافت سهمیه بنزین لازم است.",
    "واردات بنزین کاهش یافت و سهمیه سوخت هر خودرو حفظ شد.",
    "بنزین یورو چهار در جایگاه سوخت پایتخت عرضه شد و سهمیه تغییری نکرد.",
  ];
  const other = readdirSync(SEEDS_DIR)
    .flatMap((f) => readFileSync(path.join(SEEDS_DIR, f), "utf8").split(/[.\n]/u))
    .map((line) => line.trim())
    .filter((line) => line.length > 60 && !/سوخت|سهمیه|بنزین|جایگاه/u.test(line));
  const articles = [...fuel, ...other].map((text, i) => ({ id: `a${i}`, title: `خبر ${i}`, text }));
  // The story a reader's «بنزین» should reach though it never says the word.
  articles.push({
    id: "target",
    title: "خبر جایگاه‌ها",
    text: "از فردا سهمیه سوخت خودروهای عمومی دو برابر می‌شود و جایگاه‌ها شبانه‌روزی باز هستند.",
  });
  return articles;
}

describe("term associations", () => {
  it("pair the words an archive uses together, leave numbers out, and read back what they write", () => {
    const rows = fuelArchive().map((a) => analyze(a.text));
    rows.push(analyze("۲۰ ۲۰ ۲۰"), analyze("۲۰ ۲۰ ۲۰"), analyze("۲۰ ۲۰ ۲۰"));
    const learned = TermAssociations.learn(rows.length, (i) => rows[i]);
    const [fuel] = analyze("بنزین");
    const together = learned.of(fuel!).map(([t]) => t);
    assert.ok(together.includes(analyze("سهمیه")[0]!), JSON.stringify(learned.of(fuel!)));
    assert.ok(!together.some((t) => /^[0-9]/.test(t)));
    assert.deepEqual(learned.of(analyze("فوتبال")[0]!), []);
    const again = TermAssociations.fromJSON(learned.toJSON());
    assert.deepEqual(again.of(fuel!), learned.of(fuel!));
    assert.throws(
      () => TermAssociations.fromJSON('{"version":1,"terms":{"x":[1]}}'),
      /«x» are not \[term, pmi\] pairs/,
    );
  });

  it("are learned at ingest, recorded in the manifest, and reach a story in the archive's other words", async () => {
    const articlesDir = await tempDir();
    const indexDir = path.join(await tempDir(), "index");
    await writeFile(
      path.join(articlesDir, "news.jsonl"),
      fuelArchive()
        .map((a) => JSON.stringify(a))
        .join("\n"),
    );
    await buildIndex({ articlesDir, indexDir, embedder: { kind: "local" } });
    const index = await openIndex(indexDir, { kind: "local" });
    assert.ok(index.manifest.indexFiles?.["associations.json"], "associations.json is recorded with its checksum");
    const corpus = HnswlibCorpus.of(index);
    assert.ok(corpus.associations(analyze("بنزین")).size > 0);

    const question = "بنزین چه شد؟";
    const without = await new Retriever(corpus, { ...DEFAULT_RETRIEVAL, dense: false }).search(question, { k: 8 });
    assert.ok(!without.some((p) => p.chunk.articleId === "target"), "without associations nothing says «بنزین»");
    const withThem = await new Retriever(corpus, { ...DEFAULT_RETRIEVAL, dense: false, associations: true }).search(
      question,
      { k: 8 },
    );
    assert.ok(
      withThem.some((p) => p.chunk.articleId === "target"),
      withThem.map((p) => p.chunk.articleId).join(" "),
    );
  });
});

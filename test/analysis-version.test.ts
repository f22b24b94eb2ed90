import assert from "node:assert/strict";
import { createHash } from "node:crypto";
import { copyFile, mkdtemp, readFile, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import path from "node:path";
import { describe, it } from "node:test";
import { ANALYSIS_VERSION } from "../ingest/analysis-version.ts";
import { embedCorpus } from "../ingest/build.ts";
import { readCorpus, type SourceArticle } from "../ingest/read.ts";
import { SEEDS_DIR } from "./support/helpers.ts";

const DIGESTS = path.resolve(import.meta.dirname, "fixtures/analysis-digests.json");

/**
 * Texts that reach every part of the analysis the seed pages do not: ZWNJ and its absence,
 * Arabic letters, Latin and Arabic digits, colloquial verbs, English names, a Jalali date.
 */
const PINNED: SourceArticle[] = [
  {
    id: "pinned-1",
    origin: "pinned",
    contentHash: "",
    title: "افزایش صادرات غیر نفتی استان كرمان",
    raw: "به گزارش ايرنا، ارزش صادرات غیرنفتی استان کرمان در سال 1402 به ۱٫۲ میلیارد دلار رسید.\n\nمدیرکل گمرک گفت: «میخوایم صادرات رو دو برابر کنیم» و شرکت‌های Siemens و Hyundai هم در این طرح هستند.\n\nانتهای پیام",
    source: "ایرنا",
  },
  {
    id: "pinned-2",
    origin: "pinned",
    contentHash: "",
    raw: "۰۱ شهریور ۱۴۰۱ - ۲۲:۲۱\n\nنرخ تورم نقطه‌به‌نقطه ٣٥ درصد اعلام شد؛ کارشناسان می گویند قیمت‌ها همچنان بالا میرود.\n\nشناسه خبر: 123456",
  },
];

/**
 * An article page as a news site serves it (made once by test/support/news-site.ts, kept as it
 * is): what ingest/html.ts reads off a page is stored too.
 */
const PINNED_PAGE = path.resolve(import.meta.dirname, "fixtures/pinned-page.html");

async function pinnedPage(): Promise<SourceArticle[]> {
  const dir = await mkdtemp(path.join(tmpdir(), "goftogu-pinned-"));
  try {
    await copyFile(PINNED_PAGE, path.join(dir, "pinned-page.html"));
    const { articles, problems } = await readCorpus(dir);
    assert.deepEqual(problems, []);
    assert.equal(articles.length, 1);
    return articles;
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}

/**
 * What ingest stores of the pinned texts, with the local embedder: the cleaned articles and
 * their metadata, the chunks, the lexical documents, every chunk's tokens, and the vectors
 * (rounded past float noise). Any change to any of them changes the digest.
 */
async function analysisDigest(): Promise<string> {
  const { articles: seeds } = await readCorpus(SEEDS_DIR);
  const pinned = [...PINNED, ...(await pinnedPage())];
  const { articles, chunks, lexical, tokens, vectors } = await embedCorpus([...seeds, ...pinned], { kind: "local" });
  const hash = createHash("sha256");
  const add = (value: unknown) => hash.update(JSON.stringify(value)).update("\n");
  for (const a of articles) add(a);
  for (const c of chunks) add(c);
  for (const d of lexical) add(d);
  for (let row = 0; row < tokens.rows; row++) add([tokens.tokens(row, "title"), tokens.tokens(row, "body")]);
  for (const v of vectors) add(Array.from(v, (x) => Math.round(x * 1e6)));
  return hash.digest("hex");
}

describe("the analysis version", () => {
  it("is bumped whenever what ingest stores of a pinned text changes", async () => {
    const recorded = JSON.parse(await readFile(DIGESTS, "utf8")) as Record<string, string>;
    const digest = await analysisDigest();
    const where = `test/fixtures/analysis-digests.json`;
    assert.ok(
      recorded[ANALYSIS_VERSION] !== undefined,
      `ANALYSIS_VERSION ${ANALYSIS_VERSION} has no digest yet: add "${ANALYSIS_VERSION}": "${digest}" to ${where}`,
    );
    assert.equal(
      digest,
      recorded[ANALYSIS_VERSION],
      `what ingest stores changed, but ANALYSIS_VERSION is still ${ANALYSIS_VERSION}: indexes built before would be served with other analysis. ` +
        `Bump ANALYSIS_VERSION in ingest/analysis-version.ts and add "${ANALYSIS_VERSION + 1}": "${digest}" to ${where}`,
    );
  });
});

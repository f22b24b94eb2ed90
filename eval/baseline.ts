import { readFile, readdir } from "node:fs/promises";
import path from "node:path";
import { Bm25Index } from "../core/corpus/bm25.ts";
import { normalizeForMatch } from "../core/persian/normalize.ts";

/**
 * The naive baseline of the evaluation README: plain BM25 over whole passages, tokens split on
 * anything that is not a letter or digit after character normalisation only (ی/ک, digits,
 * diacritics). No stemming, no stopwords, no ZWNJ or compound handling, no chunking.
 */
export function naiveTokens(text: string): string[] {
  return normalizeForMatch(text)
    .split(/[^\p{L}\p{M}0-9]+/u)
    .filter(Boolean);
}

export async function naiveBm25(corpus: { dir: string } | { jsonl: string }): Promise<Bm25Index> {
  const docs: Array<{ id: string; title: string[]; body: string[] }> = [];
  if ("jsonl" in corpus) {
    for (const line of (await readFile(corpus.jsonl, "utf8")).split("\n")) {
      if (line.trim() === "") continue;
      const p = JSON.parse(line) as { id: string; title?: string; text: string };
      docs.push({ id: p.id, title: [], body: naiveTokens(`${p.title ?? ""} ${p.text}`) });
    }
  } else {
    for (const name of (await readdir(corpus.dir)).filter((n) => n.endsWith(".txt")).sort()) {
      docs.push({
        id: name.slice(0, -4),
        title: [],
        body: naiveTokens(await readFile(path.join(corpus.dir, name), "utf8")),
      });
    }
  }
  return Bm25Index.build(docs, { k1: 1.2, b: 0.75, titleWeight: 1 });
}

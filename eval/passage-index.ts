import { mkdir, mkdtemp, readFile, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import path from "node:path";
import { buildStore } from "../ingest/store.ts";
import { openCorpus } from "../core/corpus/open.ts";
import type { Corpus } from "../core/corpus/corpus.ts";
import type { StoreSpec } from "../core/config.ts";

/**
 * What `npm run train` learns from: a passages JSONL indexed with the product's own ingest, in
 * process, in a temporary directory removed afterwards, and its question lines.
 */
export async function withPassageIndex<T>(passagesFile: string, use: (corpus: Corpus) => Promise<T>): Promise<T> {
  const work = await mkdtemp(path.join(tmpdir(), "goftogu-train-"));
  const articlesDir = path.join(work, "articles");
  await mkdir(articlesDir);
  await writeFile(path.join(articlesDir, "passages.jsonl"), await readFile(passagesFile));
  const spec: StoreSpec = { kind: "embedded", searchThread: "off", lexicalThread: "off" };
  const embedder = { kind: "local" } as const;
  const indexDir = path.join(work, "index");
  try {
    await buildStore({ store: spec, articlesDir, indexDir, embedder, mode: "import", log: () => {} });
    const corpus = await openCorpus(spec, indexDir, embedder);
    try {
      return await use(corpus);
    } finally {
      await corpus.close();
    }
  } finally {
    await rm(work, { recursive: true, force: true });
  }
}

/** The lines of a JSONL file, parsed. */
export async function jsonl<T>(file: string): Promise<T[]> {
  return (await readFile(file, "utf8"))
    .split("\n")
    .filter((l) => l.trim() !== "")
    .map((l) => JSON.parse(l) as T);
}

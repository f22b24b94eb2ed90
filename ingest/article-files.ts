import { createHash } from "node:crypto";
import { mkdir, rename, writeFile } from "node:fs/promises";
import path from "node:path";
import type { SourceArticle } from "../core/article.ts";

/**
 * Articles Goftogu itself adds to ARTICLES_DIR (published through the API, or read from a feed):
 * one JSONL file each, named by a hash of the id (an id may hold any character, a URL included),
 * written to a temporary name and renamed, so a crash leaves the old file or the new one, never
 * half of one. The next build reads them as it reads any export.
 */
export function articleFile(articlesDir: string, id: string): string {
  return path.join(articlesDir, `api-${createHash("sha256").update(id).digest("hex").slice(0, 20)}.jsonl`);
}

export async function writeArticleFiles(articlesDir: string, sources: SourceArticle[]): Promise<void> {
  await mkdir(articlesDir, { recursive: true });
  for (const s of sources) await atomicWrite(articleFile(articlesDir, s.id), `${JSON.stringify(toJsonl(s))}\n`);
}

export async function atomicWrite(file: string, content: string): Promise<void> {
  const tmp = `${file}.tmp-${process.pid}-${Date.now()}`;
  await writeFile(tmp, content);
  await rename(tmp, file);
}

function toJsonl(s: SourceArticle): Record<string, string> {
  return {
    id: s.id,
    text: s.raw,
    ...(s.title && { title: s.title }),
    ...(s.url && { url: s.url }),
    ...(s.source && { source: s.source }),
    ...(s.publishedAt && { publishedAt: s.publishedAt }),
  };
}

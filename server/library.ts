import { createHash } from "node:crypto";
import { mkdir, rename, rm, writeFile } from "node:fs/promises";
import path from "node:path";
import { Document } from "@langchain/core/documents";
import type { Article } from "../core/article.ts";
import { embeddingText, lexicalDoc } from "../ingest/build.ts";
import { chunkArticle } from "../ingest/chunk.ts";
import { prepareArticle } from "../ingest/prepare.ts";
import { DELETED_FILE, readDeleted, type SourceArticle } from "../ingest/read.ts";
import { forgetChunks } from "./retrieve.ts";
import type { Services } from "./services.ts";

/**
 * Articles published and deleted while the server runs.
 *
 * Durable first: an article is acknowledged only after its file is in ARTICLES_DIR (written to a
 * temporary name, then renamed: a crash leaves the old file or the new one, never half of one);
 * a deletion only after its id is in the tombstone file. `kill -9` at any moment therefore loses
 * nothing acknowledged, and the next start rebuilds the index from the files.
 *
 * Then live: the article is cleaned, chunked and embedded with the index's own embedder, added to
 * HNSW and the lexical index, and answerable at once; a replaced or deleted article's chunks are
 * marked deleted in HNSW and dropped from the lexical index. Updates run one at a time.
 */
export class Library {
  private queue: Promise<unknown> = Promise.resolve();

  constructor(
    private readonly services: Services,
    private readonly articlesDir: string,
  ) {}

  /** Publishes (adds or replaces) articles; resolves with them once they are durable and live. */
  publish(sources: SourceArticle[]): Promise<Article[]> {
    return this.serially(async () => {
      await mkdir(this.articlesDir, { recursive: true });
      for (const s of sources) await atomicWrite(this.fileOf(s.id), `${JSON.stringify(toJsonl(s))}\n`);
      await this.untombstone(sources.map((s) => s.id));
      const articles = sources.map(prepareArticle);
      for (const a of articles) this.unindex(a.id);
      await this.index(articles);
      this.services.changed(articles.map((a) => a.id));
      return articles;
    });
  }

  /** Deletes an article; false when there is none with that id. */
  remove(id: string): Promise<boolean> {
    return this.serially(async () => {
      if (!this.services.index.articles.has(id)) return false;
      const deleted = await readDeleted(this.articlesDir);
      deleted.add(id);
      await atomicWrite(path.join(this.articlesDir, DELETED_FILE), JSON.stringify([...deleted].sort()));
      await rm(this.fileOf(id), { force: true });
      this.unindex(id);
      this.services.changed([id]);
      return true;
    });
  }

  private async index(articles: Article[]): Promise<void> {
    const index = this.services.index;
    const chunks = articles.flatMap((a) => chunkArticle(a));
    if (chunks.length > 0) {
      const vectors = await index.embedder.embedDocuments(chunks.map(embeddingText));
      const first = index.store.index.getCurrentCount();
      await index.store.addVectors(
        vectors,
        chunks.map((c) => new Document({ pageContent: c.text, metadata: { id: c.id, articleId: c.articleId, title: c.title, position: c.position, start: c.start, end: c.end } })),
      );
      chunks.forEach((c, i) => {
        index.chunks.set(c.id, c);
        index.labels.set(c.id, first + i);
        index.chunkCounts.set(c.articleId, (index.chunkCounts.get(c.articleId) ?? 0) + 1);
      });
      index.lexical.add(chunks.map(lexicalDoc));
    }
    for (const a of articles) index.articles.set(a.id, a);
    index.manifest.counts = { articles: index.articles.size, chunks: index.chunks.size };
  }

  /** Takes an article's chunks out of every structure that answers queries. */
  private unindex(articleId: string): void {
    const index = this.services.index;
    const gone = [...index.chunks.values()].filter((c) => c.articleId === articleId).map((c) => c.id);
    for (const id of gone) {
      const label = index.labels.get(id);
      if (label !== undefined) index.store.index.markDelete(label);
      index.labels.delete(id);
      index.chunks.delete(id);
    }
    index.lexical.remove(gone);
    forgetChunks(index, [...gone, `title:${articleId}`]);
    index.chunkCounts.delete(articleId);
    index.articles.delete(articleId);
    index.manifest.counts = { articles: index.articles.size, chunks: index.chunks.size };
  }

  private async untombstone(ids: string[]): Promise<void> {
    const deleted = await readDeleted(this.articlesDir);
    if (!ids.some((id) => deleted.has(id))) return;
    for (const id of ids) deleted.delete(id);
    await atomicWrite(path.join(this.articlesDir, DELETED_FILE), JSON.stringify([...deleted].sort()));
  }

  /** The file an API-published article lives in: named by a hash, as ids may hold any character. */
  private fileOf(id: string): string {
    return path.join(this.articlesDir, `api-${createHash("sha256").update(id).digest("hex").slice(0, 20)}.jsonl`);
  }

  private serially<T>(work: () => Promise<T>): Promise<T> {
    const next = this.queue.then(work, work);
    this.queue = next.catch(() => {});
    return next;
  }
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

async function atomicWrite(file: string, content: string): Promise<void> {
  const tmp = `${file}.tmp-${process.pid}-${Date.now()}`;
  await writeFile(tmp, content);
  await rename(tmp, file);
}

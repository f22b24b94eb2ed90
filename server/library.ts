import { rm } from "node:fs/promises";
import path from "node:path";
import type { Article } from "../core/article.ts";
import type { Corpus } from "../core/corpus/corpus.ts";
import { articleFile, atomicWrite, writeArticleFiles } from "../ingest/article-files.ts";
import { PreparationThread } from "../ingest/prepare-thread.ts";
import { DELETED_FILE, readDeleted, type SourceArticle } from "../ingest/read.ts";

/**
 * Articles published and deleted while the server runs.
 *
 * Durable first. With the embedded index an article is acknowledged only after its file is in
 * ARTICLES_DIR (written to a temporary name, then renamed: a crash leaves the old file or the new
 * one, never half of one), a deletion only after its id is in the tombstone file, as the next
 * start rebuilds the index from those files. With PostgreSQL the change is one transaction, and
 * its commit is the acknowledgement. Either way `kill -9` at any moment loses nothing
 * acknowledged.
 *
 * Then live: the article is cleaned, chunked and embedded with the index's own embedder, on a
 * worker thread (ingest/prepare-thread.ts), and the corpus swaps it in (HNSW and the lexical
 * index, in slices and then at once, or the database's rows), answerable by the next query;
 * with a database, on every server that shares it. Readers are answered meanwhile, from the
 * article's previous version until the swap. Updates from this server run one at a time; the
 * database orders those of several servers.
 */
export class Library {
  private queue: Promise<unknown> = Promise.resolve();
  private readonly preparation = new PreparationThread();

  constructor(
    private readonly corpus: Corpus,
    private readonly articlesDir: string,
  ) {}

  /**
   * Publishes (adds or replaces) articles; resolves with them once they are durable and live. An
   * id given twice in one batch is published once, as its later version (as ARTICLES_DIR reads).
   */
  publish(batch: SourceArticle[]): Promise<Article[]> {
    const sources = [...new Map(batch.map((s) => [s.id, s])).values()];
    return this.serially(async () => {
      if (!this.corpus.durable) {
        // Read before any file is written: a damaged list refuses the batch whole (see readDeleted).
        const deleted = await readDeleted(this.articlesDir);
        await writeArticleFiles(this.articlesDir, sources);
        await this.untombstone(
          deleted,
          sources.map((s) => s.id),
        );
      }
      const prepared = await this.preparation.prepare(sources, await this.corpus.embedder());
      await this.corpus.put({ sources, ...prepared });
      return prepared.articles;
    });
  }

  /** Deletes an article; false when there is none with that id. */
  remove(id: string): Promise<boolean> {
    return this.serially(async () => {
      if (!this.corpus.durable) {
        if (!(await this.corpus.hasArticle(id))) return false;
        const deleted = await readDeleted(this.articlesDir);
        deleted.add(id);
        await atomicWrite(path.join(this.articlesDir, DELETED_FILE), JSON.stringify([...deleted].sort()));
        await rm(articleFile(this.articlesDir, id), { force: true });
      }
      return this.corpus.remove(id);
    });
  }

  private async untombstone(deleted: Set<string>, ids: string[]): Promise<void> {
    if (!ids.some((id) => deleted.has(id))) return;
    for (const id of ids) deleted.delete(id);
    await atomicWrite(path.join(this.articlesDir, DELETED_FILE), JSON.stringify([...deleted].sort()));
  }

  private serially<T>(work: () => Promise<T>): Promise<T> {
    const next = this.queue.then(work, work);
    this.queue = next.catch(() => {});
    return next;
  }
}

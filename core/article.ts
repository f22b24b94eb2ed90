/**
 * An article as Goftogu keeps it after cleaning: the shape of the contract's JSONL line and of
 * `GET /api/articles/:id`. `text` is the cleaned article (no page furniture); every quote and
 * chunk offset refers to it.
 */
export interface Article {
  id: string;
  title: string;
  text: string;
  url?: string;
  /** News agency or publisher, e.g. «تسنیم», «ایرنا», «باشگاه خبرنگاران جوان». */
  source?: string;
  /** ISO-8601: a date ("2025-12-15") or a date-time with offset. */
  publishedAt?: string;
  /** The publisher's own id of the story («شناسه خبر»), when the page shows it. */
  newsId?: string;
  /** Questions this article answers, offered to readers by the widget. */
  suggestedQuestions: string[];
}

/** A piece of an article, the unit that is embedded, retrieved and cited. */
/**
 * An article as read from ARTICLES_DIR or received by the management API, before cleaning
 * (ingest/prepare.ts turns it into an `Article`). Kept whole by a database store, so it can
 * rebuild its index by itself.
 */
export interface SourceArticle {
  id: string;
  /**
   * Where it came from: `file.jsonl:12`, a `.txt` or `.html` file, `api` for the management API,
   * or `feed <url>` for a page read from a feed.
   */
  origin: string;
  /** The page as written (`.txt`), the article read off an HTML page, or the `text`/`body` of a JSONL line. */
  raw: string;
  title?: string;
  url?: string;
  source?: string;
  publishedAt?: string;
  /** sha256 of everything above: a changed article gets a new hash. */
  contentHash: string;
}

export interface Chunk {
  /** `${articleId}#${position}` */
  id: string;
  articleId: string;
  title: string;
  /** 0-based order of the chunk in its article. */
  position: number;
  /** Offsets into the article's cleaned text: `text === article.text.slice(start, end)`. */
  start: number;
  end: number;
  text: string;
}

export function chunkId(articleId: string, position: number): string {
  return `${articleId}#${position}`;
}

/** Dated articles newest first, then undated ones, each group by id: the order lists show. */
export function newestFirst(a: Article, b: Article): number {
  if (a.publishedAt && b.publishedAt)
    return Date.parse(b.publishedAt) - Date.parse(a.publishedAt) || a.id.localeCompare(b.id);
  if (a.publishedAt) return -1;
  if (b.publishedAt) return 1;
  return a.id.localeCompare(b.id);
}

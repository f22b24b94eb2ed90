/**
 * What answering refuses, as the domain sees it. The server maps each to its HTTP status
 * (server/app.ts); eval and bench see the same error, with no HTTP in it.
 */
export class ArticleNotFound extends Error {
  readonly code = "article_not_found";

  constructor(readonly articleId: string) {
    super(`No article with id "${articleId}"`);
    this.name = "ArticleNotFound";
  }
}

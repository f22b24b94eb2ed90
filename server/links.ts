import type { Citation } from "../answer/types.ts";
import { articleUrl } from "../core/url.ts";

/**
 * The publisher's links in what the API sends: an article's own web `url`, else
 * ARTICLE_URL_TEMPLATE filled with its id, else none (the widget then links the demo page).
 * Applied as answers leave, so a changed template needs no rebuilt index and no kept answer
 * carries an old link.
 */
export function linkCitations(citations: Citation[], template: string | undefined): Citation[] {
  return citations.map(({ url, ...citation }) => {
    const link = articleUrl({ id: citation.articleId, ...(url && { url }) }, template);
    return { ...citation, ...(link && { url: link }) };
  });
}

/** An article, or an article's summary, with its publisher link as `url` (or none). */
export function linkArticle<T extends { id: string; url?: string }>(article: T, template: string | undefined): T {
  const { url, ...rest } = article;
  const link = articleUrl(article, template);
  return { ...rest, ...(link && { url: link }) } as T;
}

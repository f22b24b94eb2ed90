import type { Article } from "../core/article.ts";
import { cleanPage } from "./clean.ts";
import { deriveTitle, extractSource } from "./metadata.ts";
import type { SourceArticle } from "./read.ts";
import { suggestQuestions } from "./suggest.ts";

/**
 * Turns a source article into the cleaned article Goftogu indexes. Fields given explicitly (a
 * JSONL line's title, source, date) win over what is read off the page.
 */
export function prepareArticle(src: SourceArticle): Article {
  const { text, facts } = cleanPage(src.raw, { hasTitle: src.title !== undefined });
  const source = src.source ?? extractSource(text, facts);
  // «استاندار قزوین:صنایع کوچک…» → «استاندار قزوین: صنایع کوچک…»
  const title = (src.title ?? facts.greetingTitle ?? facts.headline ?? deriveTitle(text, source)).replace(
    /\s*:(?=\S)/u,
    ": ",
  );
  const publishedAt = src.publishedAt ?? facts.publishedAt;
  const article: Article = {
    id: src.id,
    title,
    text,
    ...(src.url && { url: src.url }),
    ...(source && { source }),
    ...(publishedAt && { publishedAt }),
    ...(facts.newsId && { newsId: facts.newsId }),
    suggestedQuestions: [],
  };
  article.suggestedQuestions = suggestQuestions(article);
  return article;
}

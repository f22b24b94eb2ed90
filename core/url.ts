/**
 * Whether an article's `url` may become a link a reader clicks: an absolute `http:` or `https:`
 * address. Anything else is refused, `javascript:` and `data:` above all: the widget puts the
 * link in the page of the site that embeds it, where such a URL runs as that site's script.
 * Parsed as browsers parse an `href` (WHATWG URL), so «  JavaScript:», «java\tscript:» and other
 * spellings a browser accepts are seen for what they are.
 */
export function isWebUrl(value: string): boolean {
  let url: URL;
  try {
    url = new URL(value);
  } catch {
    return false;
  }
  return (url.protocol === "http:" || url.protocol === "https:") && url.hostname !== "";
}

/** Where `{id}` goes in ARTICLE_URL_TEMPLATE. */
export const ARTICLE_ID_PLACEHOLDER = "{id}";

/**
 * The publisher's address of an article: its own `url` when that is a web address, else the
 * site's template with the id filled in (`https://www.example.ir/news/{id}`), else none. The id
 * is percent-encoded, so an id can neither leave its path segment nor change the scheme or host.
 */
export function articleUrl(article: { id: string; url?: string }, template?: string): string | undefined {
  if (article.url && isWebUrl(article.url)) return article.url;
  if (!template) return undefined;
  const url = template.replaceAll(ARTICLE_ID_PLACEHOLDER, encodeURIComponent(article.id));
  return isWebUrl(url) ? url : undefined;
}

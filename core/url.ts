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

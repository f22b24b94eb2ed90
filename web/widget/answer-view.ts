import { isWebUrl } from "../../core/url.ts";
import type { Citation } from "./api.ts";
import { button, el, paragraph } from "./dom.ts";
import { citedNumbers, parseMarkdown, parsePlain, toPlainText, type Block, type Inline } from "./markdown.ts";
import { persianDigits, TEXT } from "./text.ts";

/**
 * One answer as the reader sees it: its text with `[n]` markers as citation chips, then its
 * sources, each folded, holding the quote and a link to the article; a chip unfolds its source.
 * An answer with a short answer (a figure, a name) shows it alone above its sources, so the
 * quote that supports it appears once, folded, not again as a line of the answer.
 */
export interface AnswerData {
  text: string;
  citations: Citation[];
  short?: string;
  /** "extractive", or the model answerer's mode, whose text is read as Markdown-lite. */
  mode?: string;
}

/**
 * A line that quotes an article, as the extractive answerer writes it: «به گزارش تسنیم: «…» [1]»,
 * «طبق خبر «عنوان»: «…» [1]».
 */
const QUOTE_LINE = /: «.*»(\s*\[\d+\])+\s*$/;

/** What the answer shows as text (the pure part of `renderAnswer`). */
export function answerBlocks(answer: AnswerData): Block[] {
  const text = answer.short ? compact(answer.text, answer.short) : answer.text;
  return answer.mode && answer.mode !== "extractive" ? parseMarkdown(text) : parsePlain(text);
}

/**
 * The lines of an answer that are not quotes: the short answer with its markers, and what the
 * answerer says besides it (another article's differing figure). The short answer alone when
 * every line is a quote.
 */
function compact(text: string, short: string): string {
  const lines = text.split("\n").filter((line) => line.trim() !== "" && !QUOTE_LINE.test(line));
  if (lines.length > 0) return lines.join("\n");
  return [short, ...(text.match(/\[\d+\]/g) ?? []).slice(0, 1)].join(" ");
}

/** The citations the answer marks, in order; all of them when it marks none. */
export function sourcesOf(answer: AnswerData): Citation[] {
  const marked = citedNumbers(parsePlain(answer.text));
  const cited = marked.flatMap((n) => answer.citations.filter((c) => c.n === n));
  return cited.length > 0 ? cited : answer.citations;
}

/**
 * Only an http(s) address becomes a citation's link: this page is the host site's, and a
 * «javascript:» URL in an article would run as its script. Anything else links to the article's
 * page on the Goftogu server.
 */
export function citationHref(citation: Citation, apiBase: string): string {
  return citation.url && isWebUrl(citation.url)
    ? citation.url
    : `${apiBase}/articles/${encodeURIComponent(citation.articleId)}`;
}

/** The answer and its sources as plain text, for the clipboard. */
export function copyText(answer: AnswerData, apiBase: string): string {
  const sources = sourcesOf(answer).map((c) => `[${c.n}] ${c.title} — ${citationHref(c, apiBase)}`);
  return [toPlainText(answerBlocks(answer)), ...(sources.length > 0 ? ["", `${TEXT.sources}:`, ...sources] : [])].join(
    "\n",
  );
}

let ids = 0;

export function renderAnswer(answer: AnswerData, apiBase: string): HTMLElement[] {
  const blocks = answerBlocks(answer);
  const markdown = !!answer.mode && answer.mode !== "extractive";
  const folds = new Map<number, HTMLDetailsElement>();
  const chips: Array<{ n: number; chip: HTMLButtonElement }> = [];
  const expanded = (n: number, open: boolean) => {
    for (const c of chips) if (c.n === n) c.chip.setAttribute("aria-expanded", String(open));
  };

  const sources = el("div", "sources");
  sources.setAttribute("role", "group");
  sources.setAttribute("aria-label", TEXT.sources);
  for (const citation of sourcesOf(answer)) {
    if (folds.has(citation.n)) continue;
    const fold = el("details");
    fold.id = `gf-source-${++ids}`;
    const summary = el("summary");
    summary.textContent = `${TEXT.source} ${persianDigits(String(citation.n))}: ${citation.title}`;
    const box = el("div", "quote");
    const link = el("a");
    link.href = citationHref(citation, apiBase);
    link.target = "_top";
    link.rel = "noopener";
    link.textContent = `${TEXT.viewArticle}: ${citation.title}`;
    box.append(paragraph(`«${citation.quote}»`), link);
    fold.append(summary, box);
    // Unfolded by its summary or by a chip: every chip of the source says so.
    fold.addEventListener("toggle", () => expanded(citation.n, fold.open));
    folds.set(citation.n, fold);
    sources.append(fold);
  }

  const chip = (n: number): HTMLButtonElement => {
    const fold = folds.get(n);
    const b = button(persianDigits(String(n)), () => {
      if (!fold) return;
      fold.open = !fold.open;
      expanded(n, fold.open);
      if (fold.open) fold.scrollIntoView({ block: "nearest" });
    });
    b.className = "cite";
    b.setAttribute("aria-label", `${TEXT.source} ${persianDigits(String(n))}`);
    if (fold) {
      b.setAttribute("aria-expanded", "false");
      b.setAttribute("aria-controls", fold.id);
    } else {
      // Before the citations arrive (while streaming) a chip is a number only.
      b.disabled = true;
    }
    chips.push({ n, chip: b });
    return b;
  };

  const body = el("div", markdown ? "body markdown" : "body");
  body.append(...blocks.map((b) => renderBlock(b, chip)));
  return folds.size > 0 ? [body, sources] : [body];
}

function renderBlock(block: Block, chip: (n: number) => HTMLElement): HTMLElement {
  if (block.type === "paragraph") {
    const p = el("p");
    p.append(...renderInline(block.children, chip));
    return p;
  }
  const list = el(block.ordered ? "ol" : "ul");
  if (list instanceof HTMLOListElement && block.start !== 1) list.start = block.start;
  for (const item of block.items) {
    const li = el("li");
    li.append(...renderInline(item, chip));
    list.append(li);
  }
  return list;
}

function renderInline(inlines: Inline[], chip: (n: number) => HTMLElement): Node[] {
  return inlines.map((i) => {
    if (i.type === "text") return document.createTextNode(i.text);
    if (i.type === "cite") return chip(i.n);
    if (i.type === "bold") {
      const strong = el("strong");
      strong.append(...renderInline(i.children, chip));
      return strong;
    }
    const link = el("a");
    link.href = i.href;
    link.target = "_blank";
    link.rel = "noopener noreferrer";
    link.append(...renderInline(i.children, chip));
    return link;
  });
}

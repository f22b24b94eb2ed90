import { isWebUrl } from "../../core/url.ts";

/**
 * Answer text as a small token tree that the widget turns into DOM nodes, never into HTML.
 *
 * `parseMarkdown` reads the little Markdown that chat models write: paragraphs, `-`/`*`/`1.`
 * lists, `**bold**`, `[text](url)` links (a link only to an http(s) address: anything else, such
 * as `javascript:`, stays the words of its label) and `[n]` citation markers. Nothing else is
 * interpreted: `#`, backticks, `<b>` and the rest are shown as the characters they are.
 * `parsePlain` reads extractive answers, whose lines are quoted article text: only `[n]` markers.
 * Pure: no DOM, so node tests run it as well as browsers.
 */
export type Inline =
  | { type: "text"; text: string }
  | { type: "bold"; children: Inline[] }
  | { type: "link"; href: string; children: Inline[] }
  | { type: "cite"; n: number };

export type Block =
  { type: "paragraph"; children: Inline[] } | { type: "list"; ordered: boolean; start: number; items: Inline[][] };

/** `- item`, `* item`, `1. item`, `1) item`; Persian digits count (models writing Persian use them). */
const LIST_ITEM = /^ {0,3}(?:[-*]|([0-9۰-۹]{1,9})[.)]) +(.*)$/;
const CITE = /\[([0-9۰-۹]{1,3})\]/g;
const INLINE = /\*\*(.+?)\*\*|\[([^[\]\n]+)\]\(([^()\s]+)\)|\[([0-9۰-۹]{1,3})\]/g;

export function parseMarkdown(text: string): Block[] {
  const blocks: Block[] = [];
  let paragraph: string[] = [];
  let list: { ordered: boolean; start: number; items: string[] } | undefined;
  const flush = () => {
    if (paragraph.length > 0) blocks.push({ type: "paragraph", children: parseInline(paragraph.join("\n")) });
    if (list)
      blocks.push({ type: "list", ordered: list.ordered, start: list.start, items: list.items.map(parseInline) });
    paragraph = [];
    list = undefined;
  };
  for (const line of text.replace(/\r\n?/g, "\n").split("\n")) {
    const item = LIST_ITEM.exec(line);
    if (item) {
      const ordered = item[1] !== undefined;
      if (!list || list.ordered !== ordered) {
        flush();
        list = { ordered, start: ordered ? toNumber(item[1]!) : 1, items: [] };
      }
      list.items.push(item[2]!);
    } else if (line.trim() === "") {
      flush();
    } else if (list && /^\s/.test(line)) {
      // An indented line goes on with the list item above it.
      list.items[list.items.length - 1] += ` ${line.trim()}`;
    } else {
      if (list) flush();
      paragraph.push(line);
    }
  }
  flush();
  return blocks;
}

/** One paragraph per line, with `[n]` markers as citations and everything else as text. */
export function parsePlain(text: string): Block[] {
  return text.split("\n").map((line) => {
    const children: Inline[] = [];
    let last = 0;
    for (const m of line.matchAll(CITE)) {
      pushText(children, line.slice(last, m.index));
      children.push({ type: "cite", n: toNumber(m[1]!) });
      last = m.index + m[0].length;
    }
    pushText(children, line.slice(last));
    return { type: "paragraph", children };
  });
}

export function parseInline(text: string): Inline[] {
  const out: Inline[] = [];
  let last = 0;
  for (const m of text.matchAll(INLINE)) {
    pushText(out, text.slice(last, m.index));
    last = m.index + m[0].length;
    if (m[1] !== undefined) out.push({ type: "bold", children: parseInline(m[1]) });
    else if (m[4] !== undefined) out.push({ type: "cite", n: toNumber(m[4]) });
    else if (isWebUrl(m[3]!)) out.push({ type: "link", href: m[3]!, children: parseInline(m[2]!) });
    else pushText(out, m[2]!);
  }
  pushText(out, text.slice(last));
  return out;
}

/** The citation numbers the blocks mark, each once, in order. */
export function citedNumbers(blocks: Block[]): number[] {
  const found = new Set<number>();
  const visit = (inlines: Inline[]): void => {
    for (const i of inlines) {
      if (i.type === "cite") found.add(i.n);
      else if (i.type !== "text") visit(i.children);
    }
  };
  for (const b of blocks) {
    if (b.type === "paragraph") visit(b.children);
    else b.items.forEach(visit);
  }
  return [...found];
}

/** The blocks as plain text, for the clipboard: links keep their address, markers their number. */
export function toPlainText(blocks: Block[]): string {
  const inline = (inlines: Inline[]): string =>
    inlines
      .map((i) => {
        if (i.type === "text") return i.text;
        if (i.type === "cite") return `[${i.n}]`;
        if (i.type === "bold") return inline(i.children);
        return `${inline(i.children)} (${i.href})`;
      })
      .join("");
  return blocks
    .map((b) =>
      b.type === "paragraph"
        ? inline(b.children)
        : b.items.map((item, k) => `${b.ordered ? `${b.start + k}.` : "-"} ${inline(item)}`).join("\n"),
    )
    .join("\n")
    .trim();
}

function pushText(out: Inline[], text: string): void {
  if (text !== "") out.push({ type: "text", text });
}

function toNumber(digits: string): number {
  return Number(digits.replace(/[۰-۹]/g, (d) => String(d.charCodeAt(0) - 0x06f0)));
}

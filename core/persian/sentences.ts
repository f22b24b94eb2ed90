/** A sentence and where it stands in the text it was cut from: `text === source.slice(start, end)`. */
export interface Span {
  text: string;
  start: number;
  end: number;
}

const TERMINATORS = new Set([".", "!", "?", "؟", "؛", "…"]);
const CLOSERS = new Set(["»", '"', "'", ")", "]", "”", "’"]);

/**
 * Splits text into sentences on `. ! ? ؟ ؛ …` and line breaks, returning offsets into the input
 * so a sentence can be quoted and located exactly.
 *
 * Not a boundary: a dot between digits («2.5»), a dot followed directly by a letter
 * («I.C.T», «ه.ش»), a dot after a single letter («ج. ا. ا»), and an ellipsis inside a line
 * («بسته بندی و ... در محل»). Closing quotes and brackets stay with their sentence.
 */
export function splitSentences(text: string): Span[] {
  const spans: Span[] = [];
  let start = 0;
  const push = (end: number) => {
    let s = start;
    let e = end;
    while (s < e && /\s/.test(text[s]!)) s++;
    while (e > s && /\s/.test(text[e - 1]!)) e--;
    if (e > s) spans.push({ text: text.slice(s, e), start: s, end: e });
    start = end;
  };
  for (let i = 0; i < text.length; i++) {
    const ch = text[i]!;
    if (ch === "\n") {
      push(i);
      continue;
    }
    if (!TERMINATORS.has(ch) || !isBoundary(text, i)) continue;
    let end = i + 1;
    while (end < text.length && (TERMINATORS.has(text[end]!) || CLOSERS.has(text[end]!))) end++;
    push(end);
    i = end - 1;
  }
  push(text.length);
  return spans;
}

function isBoundary(text: string, i: number): boolean {
  const ch = text[i]!;
  const prev = text[i - 1] ?? "";
  const next = text[i + 1] ?? "";
  if (ch === "." || ch === "…") {
    // «...» or «…» inside a line is an omission, not an end, unless the line ends there.
    const ellipsis = ch === "…" || next === "." || prev === ".";
    if (ellipsis) return restOfLineIsBlank(text, i + 1) || next === "\n";
    if (/[0-9\u06f0-\u06f9\u0660-\u0669]/.test(prev) && /[0-9\u06f0-\u06f9\u0660-\u0669]/.test(next)) return false;
    if (/\p{L}/u.test(next)) return false;
    // A single letter before the dot is an initial or abbreviation: «ج. ا. ا.», «A. Smith».
    const before = text[i - 2] ?? " ";
    if (/\p{L}/u.test(prev) && !/\p{L}/u.test(before)) return false;
  }
  return true;
}

function restOfLineIsBlank(text: string, from: number): boolean {
  for (let j = from; j < text.length; j++) {
    const c = text[j]!;
    if (c === "\n") return true;
    if (c !== "." && !/\s/.test(c)) return false;
  }
  return true;
}

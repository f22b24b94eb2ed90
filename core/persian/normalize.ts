/**
 * Character-level normalisation of Persian text for matching.
 *
 * Readers and publishers write the same word with different code points: Arabic yeh/kaf
 * (ي ك) for Persian ی ک, ۀ or ة for ه, hamza seats, optional diacritics, tatweel, and three
 * digit sets (۱۲۳, ١٢٣, 123). Everything that compares text (tokens, embeddings, answer
 * spans) goes through `normalizeForMatch`, so a question and an article agree on one form.
 * Displayed and quoted text is never normalised: quotes must be the article's own characters.
 */

export const ZWNJ = "\u200c";

const CHAR_MAP: Record<string, string> = {
  // Arabic yeh, alef maksura and yeh with hamza → Persian yeh
  "\u064a": "ی",
  "\u0649": "ی",
  "\u0626": "ی",
  // Arabic kaf → Persian kaf
  "\u0643": "ک",
  // heh with yeh above (ۀ), teh marbuta (ة), heh goal → heh
  "\u06c0": "ه",
  "\u0629": "ه",
  "\u06c1": "ه",
  "\u06d5": "ه",
  // alef forms → bare alef. آ is folded too: readers often type «امار» for «آمار».
  "\u0622": "ا",
  "\u0623": "ا",
  "\u0625": "ا",
  "\u0671": "ا",
  // waw with hamza → waw («مسؤول» / «مسوول»)
  "\u0624": "و",
  // Arabic decimal and thousands separators
  "\u066b": ".",
  "\u066c": ",",
  // Persian/Arabic comma, question mark and semicolon stay distinct characters: punctuation is
  // handled by the tokenizer and sentence splitter, not here.
};

// Harakat, tanwin, superscript alef, hamza above/below: optional marks a reader rarely types.
const DIACRITICS = /[\u064b-\u065f\u0670\u06d6-\u06ed]/g;
// Tatweel (kashida) stretches letters for layout only.
const TATWEEL = /\u0640/g;
// Lone hamza «ء» is dropped so «مسئله»/«مساله»/«مسأله» meet after the seat mapping.
const LONE_HAMZA = /\u0621/g;
// Zero-width and direction marks other than ZWNJ, which `normalizeForMatch` handles itself.
const INVISIBLES = /[\u200b\u200d\u200e\u200f\u202a-\u202e\u2066-\u2069\ufeff\u00ad]/g;
const PERSIAN_DIGIT_0 = 0x06f0;
const ARABIC_DIGIT_0 = 0x0660;

/** Maps Persian (۰–۹) and Arabic-Indic (٠–٩) digits to Latin 0–9. */
export function toLatinDigits(text: string): string {
  return text.replace(/[\u06f0-\u06f9\u0660-\u0669]/g, (d) => {
    const code = d.charCodeAt(0);
    return String(code >= PERSIAN_DIGIT_0 ? code - PERSIAN_DIGIT_0 : code - ARABIC_DIGIT_0);
  });
}

/** Maps Latin and Arabic-Indic digits to Persian digits, for text shown to readers. */
export function toPersianDigits(text: string): string {
  return toLatinDigits(text).replace(/[0-9]/g, (d) => String.fromCharCode(PERSIAN_DIGIT_0 + Number(d)));
}

/**
 * Canonical form for comparison: unified letters and digits, no diacritics, tatweel or
 * invisible marks, ZWNJ removed (so «می‌خواهم» and «میخواهم» meet), Latin lower-cased,
 * whitespace collapsed. Not length-preserving: use it for matching, never for offsets.
 */
export function normalizeForMatch(text: string): string {
  return text
    .normalize("NFC")
    .replace(FOLDED, (ch) => FOLD.get(ch)!)
    .toLowerCase()
    .replace(/\s+/g, " ")
    .trim();
}

/**
 * Every character `normalizeForMatch` maps or drops, in one class, so a text is folded in one
 * pass (it runs on every chunk of an archive at ingest). None of the mapped letters is dropped
 * afterwards, so one pass gives what applying the maps in turn would.
 */
const FOLD = new Map<string, string>([...Object.entries(CHAR_MAP), ["\u200c", ""]]);
for (let i = 0; i < 10; i++) {
  FOLD.set(String.fromCharCode(PERSIAN_DIGIT_0 + i), String(i));
  FOLD.set(String.fromCharCode(ARABIC_DIGIT_0 + i), String(i));
}
for (const dropped of [DIACRITICS, TATWEEL, LONE_HAMZA, INVISIBLES]) {
  for (let code = 0; code <= 0xffff; code++) {
    const ch = String.fromCharCode(code);
    dropped.lastIndex = 0;
    if (dropped.test(ch)) FOLD.set(ch, "");
  }
}
const FOLDED = new RegExp(
  `[${[...FOLD.keys()].map((ch) => `\\u${ch.charCodeAt(0).toString(16).padStart(4, "0")}`).join("")}]`,
  "g",
);

/**
 * Removes every space and ZWNJ after normalisation: «دانش بنیان», «دانش‌بنیان» and «دانشبنیان»
 * all become «دانشبنیان». Used to match compounds whatever way they were written.
 */
export function compactForMatch(text: string): string {
  return normalizeForMatch(text).replace(/[\s\u200c]+/g, "");
}

/**
 * Whitespace clean-up for display text: collapses runs of spaces and tabs, drops invisible marks
 * other than ZWNJ, keeps newlines. The cleaned article text (what quotes are cut from) is this.
 */
export function tidyWhitespace(line: string): string {
  return line
    .replace(INVISIBLES, "")
    .replace(/[ \t\u00a0\u2000-\u200a\u202f\u205f\u3000]+/g, " ")
    .trim();
}

/**
 * The text with the letters `normalizeForMatch` folds folded one for one (ي → ی, ك → ک, ئ → ی,
 * ة → ه, آ → ا …) and the marks it drops dropped (harakat, hamza above, tatweel, invisible
 * marks), keeping spaces, ZWNJ, digits and punctuation as they are. Patterns written in Persian
 * letters then find text written with Arabic ones («ژوئیه» written ژوئیه), and `raw[i]` is where
 * folded character i starts in the original (`raw[text.length]` is its length), so what they find
 * is cut from the article's own characters.
 */
export function foldLetters(text: string): { text: string; raw: number[] } {
  // Most sentences have nothing to fold: their offsets are their own.
  if (!LETTERS_FOLDED.test(text)) {
    const raw = new Array<number>(text.length + 1);
    for (let i = 0; i <= text.length; i++) raw[i] = i;
    return { text, raw };
  }
  let out = "";
  const raw: number[] = [];
  for (let i = 0; i < text.length; i++) {
    const ch = text[i]!;
    // What normalizeForMatch drops, but ZWNJ, which spans' patterns read.
    if (ch !== ZWNJ && FOLD.get(ch) === "") continue;
    raw.push(i);
    out += CHAR_MAP[ch] ?? ch;
  }
  raw.push(text.length);
  return { text: out, raw };
}

/** What `foldLetters` changes: the letters it maps and the marks it drops (not ZWNJ, not digits). */
const LETTERS_FOLDED = new RegExp(
  `[${[...FOLD]
    .filter(([ch, to]) => ch !== ZWNJ && (to === "" || CHAR_MAP[ch] !== undefined))
    .map(([ch]) => `\\u${ch.charCodeAt(0).toString(16).padStart(4, "0")}`)
    .join("")}]`,
  "u",
);

/** Characters [start, end) of `foldLetters(original).text`, as the original's own characters. */
export function rawSpan(
  original: string,
  raw: readonly number[],
  start: number,
  end: number,
): { text: string; start: number; end: number } {
  const [from, to] = [raw[start]!, raw[end]!];
  return { text: original.slice(from, to), start: from, end: to };
}

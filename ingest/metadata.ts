import { normalizeForMatch } from "../core/persian/normalize.ts";
import { splitSentences } from "../core/persian/sentences.ts";
import type { PageFacts } from "./clean.ts";

/**
 * Metadata read off the article itself: the source agency and a title when the page has no
 * headline. Pure functions over cleaned text and the facts `clean.ts` collected.
 */

/** Agencies and publishers as readers name them; the key is how they may appear in text. */
const KNOWN_SOURCES: ReadonlyArray<[RegExp, string]> = [
  [/باشگاه خبرنگاران جوان/u, "باشگاه خبرنگاران جوان"],
  [/تسنیم/u, "تسنیم"],
  [/ایرنا/u, "ایرنا"],
  [/ایسنا/u, "ایسنا"],
  [/ایلنا/u, "ایلنا"],
  [/خبرگزاری فارس|^فارس$/u, "فارس"],
  [/خبرگزاری مهر|^مهر$/u, "مهر"],
  [/میزان/u, "میزان"],
  [/خبرآنلاین|خبر آنلاین/u, "خبرآنلاین"],
  [/همشهری/u, "همشهری"],
  [/ایسکانیوز|ایسکا نیوز/u, "ایسکانیوز"],
  [/صدا و سیما|صداوسیما/u, "صدا و سیما"],
  [/دنیای اقتصاد/u, "دنیای اقتصاد"],
  [/اکو ایران|اکوایران/u, "اکوایران"],
  [/شبستان/u, "شبستان"],
  [/پانا/u, "پانا"],
  [/ایبنا/u, "ایبنا"],
  [/تابناک/u, "تابناک"],
];

function knownSource(candidate: string): string | undefined {
  const text = normalizeForMatch(candidate);
  for (const [pattern, name] of KNOWN_SOURCES) if (pattern.test(text)) return name;
  return undefined;
}

// «به گزارش خبرگزاری تسنیم از قزوین،» / «به گزارش خبرنگار ایرنا،»
const REPORTED_BY =
  /به گزارش\s+(?:(?:خبرگزاری|خبرنگار|پایگاه خبری|پایگاه اطلاع ‌?رسانی|روابط عمومی)\s+)?([^،,:]{2,40}?)(?:\s+از\s+[^،,]+)?[،,:]/u;
// «قزوین - ایرنا - …», «باشگاه خبرنگاران جوان - …»: dash-separated datelines at the very start.
const DATELINE = /^((?:[^\s\-–_؛.،]+\s?){1,4})\s*[-–]\s*(?:((?:[^\s\-–_؛.،]+\s?){1,4})\s*[-–]\s*)?/u;
// «باشگاه خبرنگاران جوان؛زهره شعبانی _…»
const SEMICOLON_LEAD = /^((?:[^\s؛.،]+\s?){1,4})؛/u;

/**
 * The source agency: from a dateline at the start (`X - `, `X؛`), «به گزارش X», or «منبع: X».
 * A name found in the list of known agencies wins over an unknown one; among unknown names the
 * «منبع» line wins, as the page states it explicitly.
 */
export function extractSource(text: string, facts: PageFacts): string | undefined {
  const candidates: string[] = [];
  const lead = text.slice(0, 600);
  for (const paragraph of lead.split("\n")) {
    const dash = DATELINE.exec(paragraph);
    if (dash) candidates.push(...[dash[1], dash[2]].filter((c): c is string => !!c).map((c) => c.trim()));
    const semi = SEMICOLON_LEAD.exec(paragraph);
    if (semi) candidates.push(semi[1]!.trim());
  }
  const reported = REPORTED_BY.exec(text.slice(0, 1500));
  if (reported) candidates.push(reported[1]!.trim());
  if (facts.sourceLine) candidates.push(facts.sourceLine);
  for (const c of candidates) {
    const known = knownSource(c);
    if (known) return known;
  }
  return facts.sourceLine ?? (reported ? reported[1]!.trim() : undefined);
}

const SPEECH_VERBS = "گفت|اظهار کرد|اظهار داشت|افزود|عنوان کرد|بیان کرد|تاکید کرد|تصریح کرد|خبر داد|اعلام کرد";
const SPEECH = new RegExp(`^(.{3,90}?)[،,]?\\s+(?:${SPEECH_VERBS})\\s*:\\s*(.+)$`, "u");
const TITLE_MAX = 110;

/**
 * A headline for a page that has none, derived from the lead the way Persian agencies title
 * quotes: «استاندار قزوین: هم اکنون ۱۴۰ واحد دانشبنیان در سطح استان فعالیت دارند». Without a
 * speech verb, the lead sentence's first clause.
 */
export function deriveTitle(text: string, source?: string): string {
  const firstParagraph = text.split("\n")[0] ?? "";
  const lead = stripByline(firstParagraph, source);
  const sentence = splitSentences(lead)[0]?.text ?? lead;
  const speech = SPEECH.exec(sentence);
  if (speech) {
    const speaker = speech[1]!
      .split(/\s+(?:در|با|روز|عصر|صبح|شب)\s+/u)[0]!
      .replace(/[،,]\s*$/u, "")
      .trim();
    return `${speaker}: ${firstClause(speech[2]!)}`;
  }
  return firstClause(sentence);
}

/** Drops a leading «AGENCY - », «AGENCY؛» and reporter byline «NAME _» from a lead paragraph. */
function stripByline(paragraph: string, source?: string): string {
  let out = paragraph;
  const semi = SEMICOLON_LEAD.exec(out);
  if (semi && knownSource(semi[1]!)) out = out.slice(semi[0].length);
  const dash = DATELINE.exec(out);
  if (dash && (knownSource(dash[0]) || (source && dash[0].includes(source)))) out = out.slice(dash[0].length);
  out = out.replace(/^[^_\n]{2,40}?\s*_\s*/u, "");
  return out.trim();
}

/** Cuts a long sentence at the first clause boundary after a minimum length. */
function firstClause(sentence: string): string {
  const text = sentence.replace(/[.!؟?؛]+$/u, "").trim();
  if (text.length <= 70) return text;
  const boundary = /\s+(?:و|که|تا)\s+|[،,؛]/gu;
  let match: RegExpExecArray | null;
  while ((match = boundary.exec(text)) !== null) {
    if (match.index >= 25 && match.index <= TITLE_MAX) return text.slice(0, match.index).trim();
    if (match.index > TITLE_MAX) break;
  }
  const cut = text.slice(0, TITLE_MAX);
  return `${cut.slice(0, cut.lastIndexOf(" "))}…`;
}

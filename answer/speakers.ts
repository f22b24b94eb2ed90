import type { Article } from "../core/article.ts";
import { normalizeForMatch } from "../core/persian/normalize.ts";
import { splitSentences } from "../core/persian/sentences.ts";
import { findNames, findPeople, findSpeaker, isRoleWord, type Found, type Speaker } from "../core/persian/spans.ts";
import { StampedCache } from "./stamped-cache.ts";

/** A speaker by name, with the post the article gives them. */
export interface Named {
  name: string;
  role?: string;
}

/**
 * Who said the sentence of an article at offset `at`, by name: what «چه کسی گفت …؟» asks.
 * Agencies name a speaker once, with their post, and then write «وی بیان کرد:», «نبیل عنوان
 * کرد:» or «رئیس سازمان … گفت:»:
 *
 *   - a pronoun is the last speaker named before it (or the one person the sentence before it
 *     names); when that sentence names several, nobody is answered rather than a guess;
 *   - a surname is the full name the article gives elsewhere («نبیل» → «سعید نبیل»);
 *   - a post alone is the person the article names with that post, or else the post itself.
 */
export function speakerOf(article: Article, at: number): Named | undefined {
  const voices = voicesOf(article);
  const k = voices.findIndex((v) => v.start <= at && at < v.end);
  return k < 0 ? undefined : resolve(voices, k);
}

interface Voice {
  start: number;
  end: number;
  speaker: Speaker | undefined;
  people: Array<Found & { role?: string }>;
}

/** A pronoun looks this many sentences back for whom it stands for. */
const PRONOUN_REACH = 6;

function resolve(voices: Voice[], k: number): Named | undefined {
  const speaker = voices[k]!.speaker;
  if (!speaker) return undefined;
  if (!speaker.pronoun) return named(voices, k, speaker);
  for (let j = k - 1; j >= Math.max(0, k - PRONOUN_REACH); j--) {
    const before = voices[j]!;
    if (before.speaker && !before.speaker.pronoun) return named(voices, j, before.speaker);
    if (before.speaker) continue;
    const distinct = new Set(before.people.map((p) => compact(p.text)));
    if (distinct.size === 1) return asNamed(before.people[0]!);
    // «… با حضور رضا رحمانی وزیر…، هدایت الله جمالیپور استاندار…» then «وی گفت»: which of them?
    if (distinct.size > 1) return undefined;
  }
  return undefined;
}

/** The speaker phrase as a name: the name it holds, or the one the article gives the surname or post. */
function named(voices: Voice[], k: number, speaker: Speaker): Named {
  const [inPhrase] = findPeople(`${speaker.text} `);
  if (inPhrase) return asNamed(inPhrase);
  const phrase = compact(speaker.text);
  const firstWord = normalizeForMatch(speaker.text).split(" ")[0]!;
  // The nearest mention before the sentence wins, then the first after it.
  const order = [...voices.slice(0, k + 1).reverse(), ...voices.slice(k + 1)].flatMap((v) => v.people);
  if (isRoleWord(firstWord)) {
    const holder = order.find((p) => p.role !== undefined && compact(p.role).startsWith(phrase));
    return holder ? { name: fullest(order, compact(holder.text))!.text, role: speaker.text } : { name: speaker.text };
  }
  const person = fullest(order, phrase);
  if (!person) return { name: speaker.text };
  const role = person.role ?? order.find((p) => p.role !== undefined && namedAs(p.text, phrase))?.role;
  return role ? { name: person.text, role } : { name: person.text };
}

/** The fullest mention of a name: «جمالی پور» is «هدایت الله جمالیپور» where the article says so. */
function fullest(mentions: Voice["people"], name: string): Voice["people"][number] | undefined {
  let best: Voice["people"][number] | undefined;
  for (const p of mentions)
    if (namedAs(p.text, name) && (!best || compact(p.text).length > compact(best.text).length)) best = p;
  return best;
}

/**
 * Whether `mention` is the person a (compacted) name calls: its end, or its surname less a
 * letter the agency dropped («خورگام» for «احمد خورگامی»).
 */
function namedAs(mention: string, name: string): boolean {
  if (compact(mention).endsWith(name)) return true;
  const surname = compact(normalizeForMatch(mention).split(" ").at(-1)!);
  return name.length >= 4 && surname.length === name.length + 1 && surname.startsWith(name);
}

function asNamed(p: Found & { role?: string }): Named {
  return p.role ? { name: p.text, role: p.role } : { name: p.text };
}

/** Letters only, for comparing names and posts written with and without spaces («جمالی پور»). */
function compact(text: string): string {
  return normalizeForMatch(text).replace(/[^\p{L}\p{N}]+/gu, "");
}

/** An article's sentences with their speakers and the people they name, kept for the next question. */
const VOICES = new StampedCache<Voice[]>(256);

function voicesOf(article: Article): Voice[] {
  return VOICES.get(article.id, article.text, () =>
    splitSentences(article.text).map((s) => {
      const people: Voice["people"] = findPeople(s.text);
      // Names without a post («… برنامه‌های فاطمه مهاجرانی …») count as mentions too.
      for (const n of findNames(s.text)) if (!people.some((p) => p.start <= n.start && n.end <= p.end)) people.push(n);
      return { start: s.start, end: s.end, speaker: findSpeaker(s.text), people };
    }),
  );
}

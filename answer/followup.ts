import { normalizeForMatch } from "../core/persian/normalize.ts";
import { analyze } from "../core/persian/tokens.ts";
import type { Turn } from "./types.ts";

/**
 * Follow-up questions in a conversation: «او درباره فرش دستباف چه گفت؟» after «مدیرکل صنعت قم
 * کیست؟» means Abdali; «چند روز برپاست؟» after a question about the Qazvin fair means that fair.
 * Without a model, the question is read with the previous turn: a personal pronoun becomes the
 * person the last answer named, and a question that leans on the previous one (a pronoun or
 * demonstrative, or only a few words of its own) is searched together with that question's words.
 */
export interface Contextualized {
  /** The question, with «او/وی/ایشان» replaced by the last named person when there is one. */
  question: string;
  /** What retrieval searches for. */
  retrievalQuery: string;
  /** Words from earlier turns that the answer may lean on (weighted lower); empty when standalone. */
  context: string;
}

const PERSON_PRONOUNS = /(?<![\p{L}])(?:او|وی|ایشان|ایشون|اون)(?![\p{L}])/u;
const REFERRING =
  /(?<![\p{L}])(?:او|وی|ایشان|ایشون|اون|اونجا|ان|این|انجا|اینجا|انها|اینها|همین|همان|اونا|اینا)(?![\p{L}])/u;
/** How many earlier user turns a follow-up borrows words from. */
const TURNS_BACK = 1;
/** Content words up to which a question in a conversation is read with the previous one. */
const SHORT_QUESTION = 4;

export function contextualize(question: string, history: Turn[]): Contextualized {
  const previous = history
    .filter((t) => t.role === "user")
    .slice(-TURNS_BACK)
    .map((t) => t.content);
  if (previous.length === 0) return { question, retrievalQuery: question, context: "" };
  const normalized = normalizeForMatch(question);
  const refers = REFERRING.test(normalized);
  // Short questions in a conversation are mostly follow-ups with the subject left out
  // («برای چند نفر اشتغال ایجاد کرد؟»); their own words still count double (see extractive.ts).
  const leans = refers || analyze(question).length <= SHORT_QUESTION;
  if (!leans) return { question, retrievalQuery: question, context: "" };

  let resolved = question;
  const person = lastNamedPerson(history);
  if (person && PERSON_PRONOUNS.test(normalized)) {
    resolved = normalized.replace(PERSON_PRONOUNS, person);
  }
  const context = [...previous, person ?? ""].filter(Boolean).join(" ");
  return { question: resolved, retrievalQuery: `${resolved} ${context}`, context };
}

/**
 * The person the last assistant answer named: its short answer line («اکبر ابدالی [1]») when
 * that is two to four words of letters, as the extractive answerer writes names.
 */
function lastNamedPerson(history: Turn[]): string | undefined {
  const last = [...history].reverse().find((t) => t.role === "assistant");
  const firstLine = last?.content.split("\n")[0]?.trim() ?? "";
  const m = /^([\p{L}\u200c]+(?:\s+[\p{L}\u200c]+){1,3})\s*\[\d+\]$/u.exec(firstLine);
  return m?.[1];
}

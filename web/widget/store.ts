import type { Citation, Turn } from "./api.ts";

/**
 * The conversation of one article, kept for the browser session so a reader who reloads the
 * page finds it again, shown as it was: an answer keeps what it is drawn from (short answer,
 * citations, mode) and the reader's rating. Only `{role, content}` is sent back as history.
 * Bounded, and under a key no host page would use.
 */
export interface StoredTurn extends Turn {
  short?: string;
  citations?: Citation[];
  mode?: string;
  rating?: "up" | "down";
}

const MAX_TURNS = 20;

function key(articleId: string): string {
  return `goftogu:v1:conversation:${articleId}`;
}

export function loadTurns(articleId: string): StoredTurn[] {
  try {
    const raw = sessionStorage.getItem(key(articleId));
    const turns = raw ? (JSON.parse(raw) as unknown) : [];
    if (!Array.isArray(turns)) return [];
    return turns.filter(isTurn).slice(-MAX_TURNS);
  } catch {
    return [];
  }
}

export function saveTurns(articleId: string, turns: StoredTurn[]): void {
  try {
    sessionStorage.setItem(key(articleId), JSON.stringify(turns.slice(-MAX_TURNS)));
  } catch {
    // Storage full or blocked (private mode): the conversation just isn't kept.
  }
}

export function clearTurns(articleId: string): void {
  try {
    sessionStorage.removeItem(key(articleId));
  } catch {
    // nothing kept, nothing to clear
  }
}

/** Storage is the page's too: whatever does not look like a turn is left out, not trusted. */
function isTurn(t: unknown): t is StoredTurn {
  if (!t || typeof t !== "object") return false;
  const turn = t as Record<string, unknown>;
  return (
    (turn.role === "user" || turn.role === "assistant") &&
    typeof turn.content === "string" &&
    (turn.short === undefined || typeof turn.short === "string") &&
    (turn.mode === undefined || typeof turn.mode === "string") &&
    (turn.rating === undefined || turn.rating === "up" || turn.rating === "down") &&
    (turn.citations === undefined || (Array.isArray(turn.citations) && turn.citations.every(isCitation)))
  );
}

function isCitation(c: unknown): c is Citation {
  if (!c || typeof c !== "object") return false;
  const citation = c as Record<string, unknown>;
  return (
    typeof citation.n === "number" &&
    typeof citation.articleId === "string" &&
    typeof citation.title === "string" &&
    typeof citation.quote === "string" &&
    (citation.url === undefined || typeof citation.url === "string")
  );
}

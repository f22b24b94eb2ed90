import type { Turn } from "./api.ts";

/**
 * The conversation of one article, kept for the browser session so a reader who reloads the
 * page finds it again. Bounded, and under a key no host page would use.
 */
const MAX_TURNS = 20;

function key(articleId: string): string {
  return `goftogu:v1:conversation:${articleId}`;
}

export function loadTurns(articleId: string): Turn[] {
  try {
    const raw = sessionStorage.getItem(key(articleId));
    const turns = raw ? (JSON.parse(raw) as unknown) : [];
    if (!Array.isArray(turns)) return [];
    return turns
      .filter((t): t is Turn => !!t && (t.role === "user" || t.role === "assistant") && typeof t.content === "string")
      .slice(-MAX_TURNS);
  } catch {
    return [];
  }
}

export function saveTurns(articleId: string, turns: Turn[]): void {
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

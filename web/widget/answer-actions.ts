import { button, el } from "./dom.ts";
import { TEXT } from "./text.ts";

/** How long the copy button says «کپی شد». */
const COPIED_MS = 2000;

export interface ActionHooks {
  /** The reader rated the answer (the widget keeps, sends and announces it to the site). */
  rate(rating: "up" | "down"): void;
  /** A short status for screen readers («کپی شد»); "" clears it. */
  announce(text: string): void;
}

/**
 * The row under a finished answer: 👍/👎, whose pressed state shows the reader's rating, and a
 * copy button that puts `copied` (the answer and its sources as plain text) on the clipboard.
 */
export function answerActions(
  copied: string,
  rating: "up" | "down" | undefined,
  shadow: ShadowRoot,
  hooks: ActionHooks,
): HTMLElement {
  const row = el("div", "actions");
  // The emoji are decoration: a button's name is its word, as a speech-input user would say it.
  const rateButton = (emoji: string, word: string, value: "up" | "down") => {
    const b = button("", () => {
      up.setAttribute("aria-pressed", String(value === "up"));
      down.setAttribute("aria-pressed", String(value === "down"));
      hooks.rate(value);
    });
    const icon = el("span");
    icon.textContent = emoji;
    icon.setAttribute("aria-hidden", "true");
    b.append(icon, ` ${word}`);
    b.setAttribute("aria-pressed", String(rating === value));
    return b;
  };
  const up = rateButton("👍", TEXT.useful, "up");
  const down = rateButton("👎", TEXT.notUseful, "down");
  const copy = button(TEXT.copy, async () => {
    const said = (await copyText(copied, shadow)) ? TEXT.copied : TEXT.copyFailed;
    copy.textContent = said;
    hooks.announce(said);
    setTimeout(() => {
      copy.textContent = TEXT.copy;
      hooks.announce("");
    }, COPIED_MS);
  });
  copy.className = "copy";
  copy.setAttribute("aria-label", TEXT.copyAnswer);
  row.append(up, down, copy);
  return row;
}

async function copyText(text: string, shadow: ShadowRoot): Promise<boolean> {
  try {
    await navigator.clipboard.writeText(text);
    return true;
  } catch {
    return copyBySelection(text, shadow);
  }
}

/** The clipboard the old way, for pages where navigator.clipboard is missing (plain http). */
function copyBySelection(text: string, shadow: ShadowRoot): boolean {
  const area = el("textarea", "sr");
  area.value = text;
  shadow.append(area);
  area.select();
  try {
    return document.execCommand("copy");
  } catch {
    return false;
  } finally {
    area.remove();
  }
}

import { TEXT } from "./text.ts";

/**
 * The widget's settings, read from the attributes of its script tag (docs/widget.md lists them).
 * Tolerant: a missing, empty or invalid attribute means its default, never an error at the page.
 */
export interface WidgetConfig {
  articleId?: string;
  /** The Goftogu server whose /api the widget calls. */
  apiBase: string;
  /** The stylesheet and the font, beside widget.js on the server that served it. */
  stylesheetUrl: string;
  fontUrl: string;
  /** `floating` (a launcher in a corner) or `inline` (a box in the page, where the script is). */
  mode: "floating" | "inline";
  /** Inline: a CSS selector of the element the box goes into. */
  target?: string;
  position: "left" | "right";
  theme: "light" | "dark" | "auto";
  /** Any CSS colour. */
  accent: string;
  /** The site's own font-family list; when set, Vazirmatn is not downloaded. */
  font?: string;
  title?: string;
  greeting?: string;
  heading: string;
  placeholder: string;
  sendLabel: string;
  launcherLabel: string;
}

const DEFAULT_ACCENT = "#0b7285";

export function readConfig(script: HTMLScriptElement | null): WidgetConfig {
  const data = script?.dataset ?? {};
  const text = (value: string | undefined) => (value?.trim() ? value.trim() : undefined);
  const scriptUrl = script?.src ? new URL(script.src, location.href) : undefined;
  const apiBase = (text(data.apiBase) ?? scriptUrl?.origin ?? location.origin).replace(/\/+$/, "");
  // Relative to widget.js, so a server behind a path prefix (https://news.example/goftogu/widget.js)
  // serves them too; an API reached through another origin (data-api-base) need not.
  const asset = (file: string) => new URL(file, scriptUrl ?? `${apiBase}/`).href;
  const accent = [data.accent, data.color].find((c) => c && supports("color", c)) ?? DEFAULT_ACCENT;
  const font = text(data.font);
  const theme = data.theme === "light" || data.theme === "dark" ? data.theme : "auto";
  return {
    apiBase,
    stylesheetUrl: asset("widget.css"),
    fontUrl: asset("fonts/vazirmatn.woff2"),
    mode: data.mode === "inline" ? "inline" : "floating",
    position: data.position === "right" ? "right" : "left",
    theme,
    accent,
    heading: text(data.heading) ?? TEXT.heading,
    placeholder: text(data.placeholder) ?? TEXT.placeholder,
    sendLabel: text(data.sendLabel) ?? TEXT.send,
    launcherLabel: text(data.launcherLabel) ?? TEXT.open,
    ...(font && supports("font-family", font) && { font }),
    ...(text(data.target) && { target: text(data.target) }),
    ...(text(data.articleId) && { articleId: text(data.articleId) }),
    ...(text(data.title) && { title: text(data.title) }),
    ...(text(data.greeting) && { greeting: text(data.greeting) }),
  };
}

function supports(property: string, value: string): boolean {
  try {
    return CSS.supports(property, value);
  } catch {
    return false;
  }
}

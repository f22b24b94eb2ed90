import { Widget, type WidgetConfig } from "./widget.ts";

/**
 * Entry of `widget.js`: `<script src="https://HOST/widget.js" data-article-id="ID" async>`.
 * Optional attributes: `data-api-base` (default: where the script came from), `data-title`,
 * `data-greeting`, `data-position` (`left`, the RTL default, or `right`) and `data-color`.
 * The only global is `window.Goftogu` ({ open, close, ask }); a second copy of the script on
 * the same page does nothing.
 */
export interface GoftoguApi {
  open(): void;
  close(): void;
  ask(question: string): Promise<void>;
}

declare global {
  interface Window {
    Goftogu?: GoftoguApi;
  }
}

function readConfig(script: HTMLScriptElement | null): WidgetConfig {
  const data = script?.dataset ?? {};
  const origin = script?.src ? new URL(script.src, location.href).origin : location.origin;
  const color = data.color && CSS.supports("color", data.color) ? data.color : "#0b7285";
  return {
    apiBase: (data.apiBase ?? origin).replace(/\/+$/, ""),
    position: data.position === "right" ? "right" : "left",
    accent: color,
    ...(data.articleId && { articleId: data.articleId }),
    ...(data.title && { title: data.title }),
    ...(data.greeting && { greeting: data.greeting }),
  };
}

/**
 * @font-face does not work inside a shadow root, so the font is added to the document's font set
 * under a family name of our own, through the FontFace API: no element is added to the page.
 */
function loadFont(apiBase: string): void {
  if (typeof FontFace === "undefined") return;
  const face = new FontFace("GoftoguVazirmatn", `url("${apiBase}/fonts/vazirmatn.woff2") format("woff2")`, {
    weight: "100 900",
    display: "swap",
  });
  document.fonts.add(face);
  face.load().catch(() => {
    // Blocked or offline: the fallback fonts of the stack are used.
  });
}

if (!window.Goftogu) {
  const config = readConfig(document.currentScript as HTMLScriptElement | null);
  const widget = new Widget(config);
  window.Goftogu = { open: () => widget.open(), close: () => widget.close(), ask: (q) => widget.ask(q) };
  const start = () => {
    loadFont(config.apiBase);
    widget.mount();
  };
  if (document.readyState === "loading") document.addEventListener("DOMContentLoaded", start, { once: true });
  else start();
}

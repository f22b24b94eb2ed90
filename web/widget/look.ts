import css from "./widget.css";
import type { WidgetConfig } from "./config.ts";

/**
 * How the widget takes on the site's look without anything a strict Content-Security-Policy
 * blocks: its static stylesheet adopted by the shadow root (not a `<style>` element), the site's
 * accent and font as custom properties set through CSSOM (not a `style` attribute), the mode,
 * side and theme as data attributes the stylesheet selects on.
 */
export function applyStylesheet(shadow: ShadowRoot, href: string): void {
  if ("adoptedStyleSheets" in shadow) {
    try {
      const sheet = new CSSStyleSheet();
      sheet.replaceSync(css);
      shadow.adoptedStyleSheets = [sheet];
      return;
    } catch {
      // A browser with the property but without constructable sheets: the link below.
    }
  }
  const link = document.createElement("link");
  link.rel = "stylesheet";
  link.href = href;
  shadow.prepend(link);
}

export function applyLook(host: HTMLElement, root: HTMLElement, config: WidgetConfig): void {
  host.dataset.mode = config.mode;
  root.dataset.mode = config.mode;
  root.dataset.side = config.position;
  // "auto" is read from the reader's system here, and again when it changes, so the stylesheet
  // holds one dark palette, selected by data-theme="dark" alone.
  const dark = typeof matchMedia === "function" ? matchMedia("(prefers-color-scheme: dark)") : undefined;
  const theme = () => (config.theme !== "auto" ? config.theme : dark?.matches ? "dark" : "light");
  root.dataset.theme = theme();
  if (config.theme === "auto") dark?.addEventListener("change", () => (root.dataset.theme = theme()));
  root.style.setProperty("--accent", config.accent);
  root.style.setProperty("--on-accent", textOn(config.accent));
  if (config.font) root.style.setProperty("--font", config.font);
}

/**
 * @font-face does not work inside a shadow root, so the font is added to the document's font set
 * under a family name of our own, through the FontFace API: no element is added to the page.
 */
export function loadFont(url: string): void {
  if (typeof FontFace === "undefined") return;
  const face = new FontFace("GoftoguVazirmatn", `url("${url}") format("woff2")`, {
    weight: "100 900",
    display: "swap",
  });
  document.fonts.add(face);
  face.load().catch(() => {
    // Blocked or offline: the fallback fonts of the stack are used.
  });
}

/**
 * White or near-black, whichever reads better on the accent (WCAG contrast), so a site's light
 * accent (a yellow) still gets legible buttons. A canvas reads any CSS colour as sRGB bytes.
 */
function textOn(accent: string): string {
  try {
    const context = document.createElement("canvas").getContext("2d", { willReadFrequently: true });
    if (!context) return "#ffffff";
    context.fillStyle = accent;
    context.fillRect(0, 0, 1, 1);
    const [r, g, b] = context.getImageData(0, 0, 1, 1).data;
    const linear = (c = 0) => ((c /= 255) <= 0.04045 ? c / 12.92 : ((c + 0.055) / 1.055) ** 2.4);
    const luminance = 0.2126 * linear(r) + 0.7152 * linear(g) + 0.0722 * linear(b);
    return 1.05 / (luminance + 0.05) >= (luminance + 0.05) / 0.05 ? "#ffffff" : "#111111";
  } catch {
    return "#ffffff";
  }
}

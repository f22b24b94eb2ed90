import { readConfig } from "./config.ts";
import { loadFont } from "./look.ts";
import { Widget } from "./widget.ts";

/**
 * Entry of `widget.js`: `<script src="https://HOST/widget.js" data-article-id="ID" async>`; the
 * other `data-*` attributes are read by config.ts (docs/widget.md lists them). The only global is
 * `window.Goftogu` ({ open, close, ask }); a second copy of the script on the same page does
 * nothing. Nothing here throws at the host page: a failure is logged to its console.
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

function report(err: unknown): void {
  console.error("Goftogu widget:", err);
}

if (!window.Goftogu) {
  try {
    const script = document.currentScript as HTMLScriptElement | null;
    const config = readConfig(script);
    const widget = new Widget(config, script);
    const guarded = (f: () => void) => () => {
      try {
        f();
      } catch (err) {
        report(err);
      }
    };
    window.Goftogu = {
      open: guarded(() => widget.open()),
      close: guarded(() => widget.close()),
      ask: (question) => widget.ask(String(question)).catch(report),
    };
    const start = guarded(() => {
      if (!config.font) loadFont(config.fontUrl);
      widget.mount();
    });
    if (document.readyState === "loading") document.addEventListener("DOMContentLoaded", start, { once: true });
    else start();
  } catch (err) {
    report(err);
  }
}

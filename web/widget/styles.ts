/**
 * The widget's CSS, inside its shadow root: the host page's styles cannot reach it and it cannot
 * leak out. `.root` resets every inherited property, so even a host `* { all: unset }` only
 * changes the (unstyled) host element. Right to left throughout; light and dark themes; a
 * full-screen panel on phones; no motion for readers who ask for none.
 */
export function styles(accent: string, side: "left" | "right"): string {
  return `
.root {
  all: initial;
  direction: rtl;
  font-family: "GoftoguVazirmatn", Vazirmatn, Tahoma, "Segoe UI", sans-serif;
  font-size: 15px;
  line-height: 1.8;
  color: var(--fg);
  --accent: ${accent};
  --bg: #ffffff;
  --fg: #1b1f24;
  --muted: #5b6470;
  --bubble: #f1f3f5;
  --mine: color-mix(in srgb, var(--accent) 14%, #ffffff);
  --line: #dde1e6;
}
@media (prefers-color-scheme: dark) {
  .root { --bg: #16191d; --fg: #e8eaed; --muted: #a0a8b3; --bubble: #23272d; --mine: color-mix(in srgb, var(--accent) 30%, #16191d); --line: #30353c; }
}
.root *, .root *::before, .root *::after { box-sizing: border-box; font: inherit; }
.launcher {
  position: fixed; bottom: 20px; ${side}: 20px; z-index: 2147483000;
  display: flex; align-items: center; gap: 8px; padding: 12px 18px;
  border: 0; border-radius: 999px; background: var(--accent); color: #fff; cursor: pointer;
  box-shadow: 0 6px 20px rgba(0,0,0,.2); font-weight: 600;
}
.launcher:focus-visible, button:focus-visible, textarea:focus-visible, a:focus-visible { outline: 3px solid color-mix(in srgb, var(--accent) 60%, #fff); outline-offset: 2px; }
.panel {
  position: fixed; bottom: 20px; ${side}: 20px; z-index: 2147483001;
  width: 380px; max-width: calc(100vw - 40px); height: 600px; max-height: calc(100vh - 40px);
  display: flex; flex-direction: column; background: var(--bg); color: var(--fg);
  border: 1px solid var(--line); border-radius: 16px; overflow: hidden; box-shadow: 0 12px 40px rgba(0,0,0,.25);
}
.panel[hidden], .launcher[hidden], [hidden] { display: none !important; }
@media (max-width: 480px) {
  .panel { inset: 0; width: 100vw; height: 100vh; max-width: none; max-height: none; border-radius: 0; border: 0; }
}
header { display: flex; align-items: center; gap: 8px; padding: 10px 14px; background: var(--accent); color: #fff; }
header h2 { margin: 0; flex: 1; font-size: 16px; font-weight: 700; }
header button { background: transparent; border: 1px solid rgba(255,255,255,.5); color: #fff; border-radius: 8px; padding: 2px 10px; cursor: pointer; }
.log { flex: 1; overflow-y: auto; padding: 14px; display: flex; flex-direction: column; gap: 10px; }
.msg { max-width: 92%; padding: 8px 12px; border-radius: 14px; background: var(--bubble); white-space: pre-wrap; overflow-wrap: anywhere; }
.msg p { margin: 0; unicode-bidi: plaintext; }
.msg.user { align-self: flex-start; background: var(--mine); }
.msg.assistant { align-self: flex-end; }
.cite { display: inline-flex; align-items: center; justify-content: center; min-width: 1.6em; height: 1.6em; margin: 0 2px; padding: 0 4px;
  border: 1px solid var(--accent); border-radius: 999px; background: transparent; color: var(--accent); font-size: 12px; cursor: pointer; vertical-align: middle; }
.quote { margin-top: 6px; padding: 8px 10px; border-inline-start: 3px solid var(--accent); background: var(--bg); border-radius: 8px; font-size: 14px; }
.quote a { color: var(--accent); }
.actions { display: flex; gap: 6px; margin-top: 4px; }
.actions button { border: 1px solid var(--line); background: transparent; border-radius: 8px; cursor: pointer; padding: 0 8px; color: var(--muted); }
.actions button[aria-pressed="true"] { border-color: var(--accent); color: var(--accent); }
.typing { align-self: flex-end; color: var(--muted); }
.typing span { display: inline-block; width: 6px; height: 6px; margin: 0 2px; border-radius: 50%; background: var(--muted); animation: blink 1.2s infinite both; }
.typing span:nth-child(2) { animation-delay: .2s; } .typing span:nth-child(3) { animation-delay: .4s; }
@keyframes blink { 0%, 80%, 100% { opacity: .2; } 40% { opacity: 1; } }
.chips { display: flex; flex-wrap: wrap; gap: 6px; padding: 0 14px 8px; }
.chips button { border: 1px solid var(--accent); color: var(--accent); background: transparent; border-radius: 999px; padding: 4px 12px; cursor: pointer; text-align: right; }
.error { margin: 0 14px 8px; padding: 8px 10px; border-radius: 8px; background: #fdecea; color: #8a1c12; display: flex; gap: 8px; align-items: center; }
.error button { border: 1px solid currentColor; background: transparent; color: inherit; border-radius: 8px; cursor: pointer; }
form { display: flex; gap: 8px; padding: 10px 14px; border-top: 1px solid var(--line); }
textarea { flex: 1; resize: none; height: 44px; padding: 8px 10px; border: 1px solid var(--line); border-radius: 10px; background: var(--bg); color: var(--fg); direction: rtl; unicode-bidi: plaintext; }
form button { border: 0; border-radius: 10px; padding: 0 14px; background: var(--accent); color: #fff; cursor: pointer; font-weight: 600; }
form button.stop { background: var(--muted); }
@media (prefers-reduced-motion: reduce) { .root * { animation: none !important; transition: none !important; scroll-behavior: auto !important; } }
`;
}

import { createHash } from "node:crypto";
import { readFile } from "node:fs/promises";
import path from "node:path";
import { gzipSync } from "node:zlib";
import { build } from "esbuild";
import type { Log } from "./request-log.ts";

/**
 * The embeddable widget as the server sends it: `web/widget/` bundled into one self-contained
 * script with esbuild the first time it is asked for, and its stylesheet `widget.css` read from
 * disk (the script carries the same CSS as text, for browsers that adopt it; the file is for
 * those that link it). Both are kept in memory. Their ETag is a hash of the content, so a
 * browser revalidates cheaply and picks up a new version at once.
 */
export interface Bundle {
  code: string;
  etag: string;
}

const WIDGET_DIR = path.resolve(import.meta.dirname, "../web/widget");
const ENTRY = path.join(WIDGET_DIR, "index.ts");
const STYLESHEET = path.join(WIDGET_DIR, "widget.css");

let bundle: Promise<Bundle> | undefined;
let stylesheet: Promise<Bundle> | undefined;

/** `log` hears once, when the bundle is built, its size as sent and gzipped (the budget is 20 kB gzipped). */
export function widgetBundle(log?: Log): Promise<Bundle> {
  bundle ??= build({
    entryPoints: [ENTRY],
    bundle: true,
    write: false,
    format: "iife",
    target: ["es2020"],
    minify: true,
    legalComments: "none",
    charset: "utf8",
    loader: { ".css": "text" },
  }).then((result) => {
    const code = result.outputFiles[0]!.text;
    const bytes = Buffer.byteLength(code);
    log?.({ level: "info", msg: "widget bundled", bytes, gzipBytes: gzipSync(code).length });
    return { code, etag: etagOf(code) };
  });
  bundle.catch(() => (bundle = undefined));
  return bundle;
}

export function widgetStylesheet(): Promise<Bundle> {
  stylesheet ??= readFile(STYLESHEET, "utf8").then((code) => ({ code, etag: etagOf(code) }));
  stylesheet.catch(() => (stylesheet = undefined));
  return stylesheet;
}

/** A strong ETag of a file the server sends from memory: a hash of its content. */
export function etagOf(content: string): string {
  return `"${createHash("sha256").update(content).digest("hex").slice(0, 20)}"`;
}

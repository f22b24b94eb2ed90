import { createHash } from "node:crypto";
import path from "node:path";
import { build } from "esbuild";

/**
 * The embeddable widget, bundled from `web/widget/` into one self-contained script with esbuild
 * the first time it is asked for, and kept in memory. Its ETag is a hash of the bundle, so a
 * browser revalidates cheaply and picks up a new version at once.
 */
export interface Bundle {
  code: string;
  etag: string;
}

const ENTRY = path.resolve(import.meta.dirname, "../web/widget/index.ts");
let bundle: Promise<Bundle> | undefined;

export function widgetBundle(): Promise<Bundle> {
  bundle ??= build({
    entryPoints: [ENTRY],
    bundle: true,
    write: false,
    format: "iife",
    target: ["es2020"],
    minify: true,
    legalComments: "none",
    charset: "utf8",
  }).then((result) => {
    const code = result.outputFiles[0]!.text;
    return { code, etag: `"${createHash("sha256").update(code).digest("hex").slice(0, 20)}"` };
  });
  bundle.catch(() => (bundle = undefined));
  return bundle;
}

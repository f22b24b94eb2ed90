// `npm start`: runs server/main.ts as JavaScript that esbuild bundled from the TypeScript sources,
// rather than under tsx.
//
// **NOTE:** under tsx every module the server loads (some 600, most of them LangChain's, openai's
// and zod's) goes through loader hooks on another thread, which made loading them two to three
// times slower: about 1 s of a cold start on a 2-core machine (issue 7). Plain Node loads the
// bundle's imports directly. The bundle is remade whenever a source it was made from changed
// (compared by content, so a checkout or copy with old timestamps is seen too), which takes a
// fraction of a second, so there is no build step to remember. Node packages stay outside the
// bundle and are loaded from node_modules as usual.
//
// Tests import the TypeScript modules under tsx; they start the server through this file.
import { createHash } from "node:crypto";
import { access, mkdir, readFile, rename, writeFile } from "node:fs/promises";
import { createRequire } from "node:module";
import path from "node:path";
import { pathToFileURL } from "node:url";

const ROOT = path.resolve(import.meta.dirname, "..");
// One level below the root, like server/ and ingest/: the sources find other files from their own
// directory (`import.meta.dirname/..`: the analysis code they fingerprint, web/widget), and a
// worker's module is found beside the one starting it (core/worker.ts), so every entry is here.
const OUT = path.join(ROOT, ".build");
const ENTRIES = {
  main: "server/main.ts",
  "build-worker": "server/build-worker.ts",
  "embed-worker": "ingest/embed-worker.ts",
  "dense-worker": "core/corpus/embedded/dense-worker.ts",
  "segment-build-worker": "core/corpus/embedded/segment-build-worker.ts",
  "lexical-worker": "core/corpus/embedded/lexical-worker.ts",
  "answer-worker": "answer/answer-worker.ts",
};
const STAMP = path.join(OUT, "sources.json");

class BundleWriteError extends Error {}

try {
  const main = await bundled();
  await import(pathToFileURL(main).href);
} catch (err) {
  if (!(err instanceof BundleWriteError)) throw err;
  // A read-only tree: run the TypeScript under tsx, as before.
  console.log(
    JSON.stringify({
      time: new Date().toISOString(),
      level: "warn",
      msg: `cannot write ${path.relative(ROOT, OUT)}/ (${err.cause.code ?? err.cause.message}); running the TypeScript sources under tsx, which starts more slowly`,
    }),
  );
  const { register } = await import("tsx/esm/api");
  register();
  await import(pathToFileURL(path.join(ROOT, ENTRIES.main)).href);
}

/** The bundled main module, remade first when it is missing or any of its sources changed. */
async function bundled() {
  const main = path.join(OUT, "main.js");
  const stamp = await readFile(STAMP, "utf8").then(JSON.parse, () => undefined);
  const fresh =
    stamp &&
    stamp.key === (await keyOf(stamp.sources, (file) => readFile(path.join(ROOT, file)).catch(() => ""))) &&
    (
      await Promise.all(
        Object.keys(ENTRIES).map((name) =>
          access(path.join(OUT, `${name}.js`)).then(
            () => true,
            () => false,
          ),
        ),
      )
    ).every(Boolean);
  if (fresh) return main;

  const { build, version } = await import("esbuild");
  const sources = new Map();
  const result = await build({
    absWorkingDir: ROOT,
    entryPoints: Object.fromEntries(Object.entries(ENTRIES).map(([name, file]) => [name, path.join(ROOT, file)])),
    outdir: OUT,
    bundle: true,
    // No shared chunks: each entry is one self-contained file, replaced on its own by a rename.
    splitting: false,
    format: "esm",
    platform: "node",
    target: "node20",
    packages: "external",
    // Stack traces map back to the TypeScript with `node --enable-source-maps`.
    sourcemap: "linked",
    write: false,
    logLevel: "silent",
    // The sources are hashed as esbuild reads them, so the stamp names exactly what was bundled.
    plugins: [
      {
        name: "hash-sources",
        setup(b) {
          b.onLoad({ filter: /\.ts$/ }, async (args) => {
            const contents = await readFile(args.path);
            sources.set(path.relative(ROOT, args.path), contents);
            return { contents, loader: "ts" };
          });
        },
      },
    ],
  });
  const files = [...sources.keys()].sort();
  const key = await keyOf(files, (file) => sources.get(file), version);
  try {
    await mkdir(OUT, { recursive: true });
    // Each file is written aside and renamed into place, so a server starting meanwhile reads a
    // whole file, old or new; the stamp goes last.
    for (const file of result.outputFiles) await replace(file.path, file.contents);
    await replace(STAMP, JSON.stringify({ key, esbuild: version, sources: files }, null, 1));
  } catch (err) {
    throw new BundleWriteError("cannot write the bundle", { cause: err });
  }
  return main;
}

/** What the bundle depends on: this script, esbuild's version and each source's path and content. */
async function keyOf(files, content, esbuildVersion) {
  const version =
    esbuildVersion ??
    JSON.parse(await readFile(createRequire(import.meta.url).resolve("esbuild/package.json"), "utf8")).version;
  const hash = createHash("sha256")
    .update(await readFile(import.meta.filename))
    .update(`\0esbuild ${version}\0`);
  for (const file of files)
    hash
      .update(file)
      .update("\0")
      .update(await content(file))
      .update("\0");
  return hash.digest("hex");
}

async function replace(file, contents) {
  const tmp = `${file}.tmp-${process.pid}-${Date.now()}`;
  await writeFile(tmp, contents);
  await rename(tmp, file);
}

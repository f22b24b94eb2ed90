import assert from "node:assert/strict";
import { readdirSync, readFileSync } from "node:fs";
import path from "node:path";
import { describe, it } from "node:test";

/**
 * The import graph of the tree, read from the sources: each folder's place in the one-way flow
 * (docs/architecture.md) and no circle anywhere. A new import that breaks a rule fails here,
 * naming the file and what it imports.
 */
const ROOT = path.resolve(import.meta.dirname, "..");
const FOLDERS = ["core", "ingest", "answer", "server", "web", "eval", "bench", "test"] as const;
type Folder = (typeof FOLDERS)[number];

/** What each folder may import besides itself. */
const ALLOWED: Record<Folder, readonly Folder[]> = {
  core: [],
  ingest: ["core"],
  answer: ["core"],
  // HTTP over the engine; ingest builds the index on first start and publishes articles.
  server: ["core", "ingest", "answer"],
  // The widget runs in browsers: it shares the answer's types (checked below) and core's pure helpers.
  web: ["core", "answer"],
  eval: ["core", "ingest", "answer"],
  bench: ["core", "ingest", "answer", "eval", "test"],
  // Tests of the HTTP layer import server/; nothing else outside server/ does.
  test: ["core", "ingest", "answer", "server", "web", "eval"],
};

interface Import {
  from: string;
  to: string;
  typeOnly: boolean;
}

const SPECIFIER =
  /^\s*(import|export)\s+(type\s+)?(?:[^'"]*?\sfrom\s+)?["'](\.{1,2}\/[^"']+)["']|\bimport\(\s*["'](\.{1,2}\/[^"']+)["']\s*\)/gm;

function sources(dir: string): string[] {
  return readdirSync(path.join(ROOT, dir), { withFileTypes: true }).flatMap((entry) => {
    const rel = path.posix.join(dir, entry.name);
    if (entry.isDirectory()) return entry.name === "fixtures" || entry.name === "node_modules" ? [] : sources(rel);
    return /\.(ts|mjs)$/.test(entry.name) ? [rel] : [];
  });
}

function importsOf(file: string): Import[] {
  const text = readFileSync(path.join(ROOT, file), "utf8");
  return [...text.matchAll(SPECIFIER)].map((m) => ({
    from: file,
    to: path.posix.normalize(path.posix.join(path.posix.dirname(file), m[3] ?? m[4]!)),
    typeOnly: m[2] !== undefined,
  }));
}

const folderOf = (file: string) => file.split("/")[0] as Folder;

const files = FOLDERS.flatMap((folder) => sources(folder));
const imports = files.flatMap(importsOf);

/** The files on a circle of imports, each circle once (Tarjan's strongly connected components). */
function circles(): string[][] {
  const next = new Map<string, string[]>();
  for (const i of imports) next.set(i.from, [...(next.get(i.from) ?? []), i.to]);
  const index = new Map<string, number>();
  const low = new Map<string, number>();
  const stack: string[] = [];
  const onStack = new Set<string>();
  const found: string[][] = [];
  const visit = (v: string) => {
    index.set(v, index.size);
    low.set(v, index.get(v)!);
    stack.push(v);
    onStack.add(v);
    for (const w of next.get(v) ?? []) {
      if (!index.has(w)) {
        visit(w);
        low.set(v, Math.min(low.get(v)!, low.get(w)!));
      } else if (onStack.has(w)) low.set(v, Math.min(low.get(v)!, index.get(w)!));
    }
    if (low.get(v) === index.get(v)) {
      const component: string[] = [];
      let w: string;
      do {
        w = stack.pop()!;
        onStack.delete(w);
        component.push(w);
      } while (w !== v);
      if (component.length > 1 || next.get(v)?.includes(v)) found.push(component.sort());
    }
  };
  for (const file of files) if (!index.has(file)) visit(file);
  return found;
}

describe("the import graph", () => {
  it("is read from every source file, and every relative import names a file that exists", () => {
    assert.ok(files.length > 100, `only ${files.length} source files found`);
    assert.ok(imports.length > 300, `only ${imports.length} imports found`);
    const known = new Set(files);
    assert.deepEqual(
      imports.filter((i) => !known.has(i.to) && !/\.(json|css)$/.test(i.to)).map((i) => `${i.from} → ${i.to}`),
      [],
    );
  });

  it("has no circle", () => {
    assert.deepEqual(circles(), []);
  });

  it("flows one way: each folder imports only the folders beneath it", () => {
    const broken = imports
      .filter((i) => folderOf(i.from) !== folderOf(i.to) && !ALLOWED[folderOf(i.from)].includes(folderOf(i.to)))
      .map((i) => `${i.from} → ${i.to}`);
    assert.deepEqual(broken, []);
  });

  it("keeps the answering engine's code out of the widget's bundle", () => {
    const broken = imports
      .filter((i) => folderOf(i.from) === "web" && folderOf(i.to) === "answer" && !i.typeOnly)
      .map((i) => `${i.from} → ${i.to}`);
    assert.deepEqual(broken, []);
  });

  it("lets only tests of the HTTP layer, and their support, import server/", () => {
    const broken = imports
      .filter((i) => folderOf(i.from) === "test" && folderOf(i.to) === "server")
      .filter((i) => !(i.from.endsWith(".test.ts") || i.from.startsWith("test/support/")))
      .map((i) => `${i.from} → ${i.to}`);
    assert.deepEqual(broken, []);
  });
});

import { createHash } from "node:crypto";
import { readdir, readFile, stat } from "node:fs/promises";
import path from "node:path";
import { z } from "zod";
import type { SourceArticle } from "../core/article.ts";
import { isWebUrl } from "../core/url.ts";
import { decodeHtml, extractArticle, type PageArticle } from "./html.ts";

/**
 * Reads the corpus from `ARTICLES_DIR`: `*.txt` pages (one article each, id = file stem),
 * `*.html`/`*.htm` pages saved from a news site (one article each, id = file stem, reduced to the
 * story by `html.ts`) and `*.jsonl` exports (one article per line, the contract's shape). Nothing
 * is cleaned here; `prepare.ts` does that. Malformed lines and pages without an article are
 * reported and skipped, never fatal: one bad line in a CMS export must not keep the other
 * articles out.
 */
export type { SourceArticle };

export interface CorpusRead {
  articles: SourceArticle[];
  problems: string[];
}

/**
 * Text of an article as JSON gives it. NUL is no character of an article, and PostgreSQL cannot
 * store it in text; half of a surrogate pair («\ud83d» without its other half) is none either,
 * and PostgreSQL refuses it in JSON: it becomes U+FFFD, as a file's broken bytes do when read.
 */
const string = () =>
  z
    .string()
    .refine((s) => !s.includes("\u0000"), "contains a NUL character")
    .overwrite((s) => s.toWellFormed());
// An empty string means "not given": CMS exports write `"title": ""` for untitled items.
const optionalText = z.preprocess(
  (v) => (typeof v === "string" && v.trim() === "" ? undefined : v),
  string().trim().optional(),
);
const JsonlArticle = z
  .object({
    id: z.union([string().trim().min(1).max(200), z.number()]).optional(),
    title: optionalText,
    text: string().optional(),
    body: string().optional(),
    url: optionalText,
    source: optionalText,
    publishedAt: z.preprocess(
      (v) => (typeof v === "string" && v.trim() === "" ? undefined : v),
      string()
        .trim()
        .refine((s) => !Number.isNaN(Date.parse(s)), "is not an ISO-8601 date")
        .optional(),
    ),
  })
  .refine((a) => (a.text ?? a.body ?? "").trim().length > 0, { message: "has no text (or body)" });

/**
 * Ids deleted through the API, kept in ARTICLES_DIR beside the articles (a dotfile, so it is not
 * read as an article): an article deleted from a file the site manages stays deleted.
 */
export const DELETED_FILE = ".goftogu-deleted.json";

/** The deletion list is there but unreadable, or not a JSON array of ids. */
export class DamagedDeletionListError extends Error {
  constructor(
    readonly file: string,
    problem: string,
    options?: ErrorOptions,
  ) {
    super(
      `${file} is damaged: ${problem}; restore it from a backup, or delete it to bring back every article deleted through the API`,
      options,
    );
    this.name = "DamagedDeletionListError";
  }
}

const DeletedIds = z.array(z.string());

/**
 * The ids deleted through the API; none when there is no list. A list that is there but cannot
 * be read throws `DamagedDeletionListError`: read as "none", it would bring every deleted
 * article back at the next build, and the next deletion would write it anew holding its own id
 * alone, losing the others for good.
 */
export async function readDeleted(dir: string): Promise<Set<string>> {
  const file = path.join(dir, DELETED_FILE);
  let text: string;
  try {
    text = await readFile(file, "utf8");
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    if (code === "ENOENT") return new Set();
    throw new DamagedDeletionListError(file, `it cannot be read (${code ?? (err as Error).message})`, { cause: err });
  }
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch (err) {
    throw new DamagedDeletionListError(file, "it is not JSON", { cause: err });
  }
  const ids = DeletedIds.safeParse(json);
  if (!ids.success) throw new DamagedDeletionListError(file, "it is not a JSON array of article ids");
  return new Set(ids.data);
}

export type ParsedArticle = { article: Omit<SourceArticle, "origin">; warnings: string[] } | { problem: string };

/**
 * One article in the contract's shape, from the API or a JSONL line: an article to index, or why
 * not. A `url` that is not an http(s) address (see core/url.ts) is refused (`badUrl: "refuse"`,
 * the management API: the CMS is told at once) or dropped with a warning (`"drop"`, files read
 * at ingest: the article is still worth answering from, its link is not worth following).
 */
export function parseArticle(json: unknown, options: { badUrl: "refuse" | "drop" }): ParsedArticle {
  const result = JsonlArticle.safeParse(json);
  if (!result.success) {
    const issue = result.error.issues[0]!;
    const field = issue.path.join(".");
    return { problem: field ? `field "${field}" ${issue.message}` : issue.message };
  }
  const a = result.data;
  const warnings: string[] = [];
  if (a.url !== undefined && !isWebUrl(a.url)) {
    const problem = `field "url" must be an http:// or https:// address, not ${JSON.stringify(a.url.slice(0, 80))}`;
    if (options.badUrl === "refuse") return { problem };
    warnings.push(`${problem}; the url is left out`);
    delete a.url;
  }
  const raw = (a.text ?? a.body)!;
  const fields = [a.title ?? "", raw, a.url ?? "", a.source ?? "", a.publishedAt ?? ""];
  const contentHash = hash(fields);
  // Without an id, the content names the article: the same line always gets the same id.
  const id = a.id !== undefined ? String(a.id) : `a${hash([a.title ?? "", raw]).slice(0, 15)}`;
  const article = {
    id,
    raw,
    contentHash,
    ...(a.title && { title: a.title }),
    ...(a.url && { url: a.url }),
    ...(a.source && { source: a.source }),
    ...(a.publishedAt && { publishedAt: a.publishedAt }),
  };
  return { article, warnings };
}

/** Whether `readCorpus` reads this file of ARTICLES_DIR. */
export function isCorpusFile(name: string): boolean {
  return name.endsWith(".txt") || isHtmlFile(name) || name.endsWith(".jsonl") || name === DELETED_FILE;
}

const HTML_FILE = /\.html?$/;

function isHtmlFile(name: string): boolean {
  return HTML_FILE.test(name);
}

/**
 * Size and modification time of every file `readCorpus` reads: kept in the manifest, so a start
 * on an unchanged archive knows its index is current without reading hundreds of megabytes.
 */
export async function corpusFiles(dir: string): Promise<Record<string, { size: number; mtimeMs: number }>> {
  const out: Record<string, { size: number; mtimeMs: number }> = {};
  for (const name of (await readdir(dir)).sort()) {
    if (!isCorpusFile(name)) continue;
    const s = await stat(path.join(dir, name));
    if (s.isFile()) out[name] = { size: s.size, mtimeMs: s.mtimeMs };
  }
  return out;
}

export async function readCorpus(dir: string): Promise<CorpusRead> {
  let names: string[];
  try {
    names = (await readdir(dir)).sort();
  } catch (err) {
    throw new Error(
      `Cannot read ARTICLES_DIR "${dir}": ${(err as NodeJS.ErrnoException).code ?? err}. Create it or point ARTICLES_DIR at your articles.`,
    );
  }
  const articles = new Map<string, SourceArticle>();
  const problems: string[] = [];
  const add = (a: SourceArticle) => {
    const previous = articles.get(a.id);
    if (previous) problems.push(`${a.origin}: id "${a.id}" already used by ${previous.origin}; the later one is kept`);
    articles.set(a.id, a);
  };
  for (const name of names) {
    const file = path.join(dir, name);
    if (name.endsWith(".txt")) {
      let raw = await readFile(file, "utf8");
      if (raw.includes("\u0000")) {
        problems.push(`${name}: NUL characters removed`);
        raw = raw.replaceAll("\u0000", "");
      }
      if (raw.trim() === "") {
        problems.push(`${name}: empty file, skipped`);
        continue;
      }
      const id = name.slice(0, -".txt".length);
      add({ id, origin: name, raw, contentHash: hash([raw]) });
    } else if (isHtmlFile(name)) {
      const page = readPage(name, await readFile(file));
      if ("problem" in page) problems.push(`${name}: ${page.problem}, skipped`);
      else add(page);
    } else if (name.endsWith(".jsonl")) {
      const lines = (await readFile(file, "utf8")).split("\n");
      lines.forEach((line, i) => {
        if (line.trim() === "") return;
        const origin = `${name}:${i + 1}`;
        const parsed = parseJsonlLine(line);
        if ("problem" in parsed) {
          problems.push(`${origin}: ${parsed.problem}, skipped`);
          return;
        }
        for (const w of parsed.warnings) problems.push(`${origin}: ${w}`);
        add({ ...parsed.article, origin });
      });
    }
  }
  const deleted = await readDeleted(dir);
  return { articles: [...articles.values()].filter((a) => !deleted.has(a.id)), problems };
}

/**
 * A page saved from a news site as an article: a file has no HTTP header, so its charset is the
 * page's own `<meta>` (else UTF-8). Its hash covers what was read off the page, not its bytes:
 * a page saved again with a new «پربازدیدترین» box is the same version of the story.
 */
function readPage(name: string, bytes: Uint8Array): SourceArticle | { problem: string } {
  const page = extractArticle(decodeHtml(bytes));
  if ("problem" in page) return page;
  return sourceOfPage(page, { id: name.replace(HTML_FILE, ""), origin: name });
}

/**
 * An article read off a page (a saved file, or one a feed links to) as ingest takes it. Its hash
 * covers what was read off the page, not the page's bytes.
 */
export function sourceOfPage(page: PageArticle, at: { id: string; origin: string }): SourceArticle {
  const fields = [page.title, page.text, page.url ?? "", page.source ?? "", page.publishedAt ?? ""];
  return {
    ...at,
    raw: page.text,
    title: page.title,
    ...(page.url && { url: page.url }),
    ...(page.source && { source: page.source }),
    ...(page.publishedAt && { publishedAt: page.publishedAt }),
    contentHash: hash(fields),
  };
}

function parseJsonlLine(line: string): ParsedArticle {
  let json: unknown;
  try {
    json = JSON.parse(line);
  } catch {
    return { problem: "not valid JSON" };
  }
  return parseArticle(json, { badUrl: "drop" });
}

function hash(parts: string[]): string {
  const h = createHash("sha256");
  for (const p of parts) h.update(p).update("\u0000");
  return h.digest("hex");
}

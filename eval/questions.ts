import { readFile } from "node:fs/promises";
import path from "node:path";
import { z } from "zod";
import type { Turn } from "../answer/types.ts";
import { CsvError, parseCsv } from "./csv.ts";

/**
 * Question files as the editorial team writes them (docs/evaluation.md): JSONL, one question a
 * line, or CSV with a header row, as a spreadsheet saves it. Both are checked here, every line,
 * and every problem is reported with its file, line and field before anything is indexed:
 * an editor fixes the file once rather than once per run.
 */

export const ANSWER_TYPES = [
  "person",
  "amount",
  "date",
  "place",
  "reason",
  "yesno",
  "list",
  "definition",
  "summary",
  "fact",
] as const;
export type AnswerType = (typeof ANSWER_TYPES)[number];

/** One question of any set, as eval asks and judges it. */
export interface EvalQuestion {
  id: string;
  question: string;
  /** False when the articles do not answer it: the answer must then be «not found». */
  answerable: boolean;
  /** Fragments of the expected answer: any one of them must appear in it. Empty when not answerable. */
  answers: string[];
  /** The article (or passage) that states the answer, which the answer must cite; undefined when not answerable or not said. */
  goldId?: string;
  /** The article the reader is on: sent to the assistant as `articleId`. */
  scope?: string;
  /** The conversation before the question. */
  history: Turn[];
  type?: AnswerType;
  tags: string[];
  note?: string;
  /** Where the question was written («my.csv:7»), for messages. */
  at?: string;
}

/** A question file that cannot be read as questions; the message names every problem, one a line. */
export class QuestionFileError extends Error {
  constructor(readonly problems: string[]) {
    const shown = problems.slice(0, MAX_PROBLEMS);
    const more = problems.length - shown.length;
    super(shown.join("\n") + (more > 0 ? `\n… and ${more} more` : ""));
  }
}

const MAX_PROBLEMS = 20;

export const FIELDS = [
  "id",
  "question",
  "answerable",
  "answers",
  "articleId",
  "scope",
  "history",
  "type",
  "tags",
  "note",
] as const;
/** The old names of the fields, in question files written before JSONL (a JSON array) and the first feedback exports. */
const ALIASES = ["answer", "found"] as const;

const text = (what = "text") =>
  z.string({ error: (issue) => (issue.input === undefined ? "is missing" : `must be ${what}`) });
// An empty string is a field not given: exports write `"articleId": ""` for the editor to fill in.
const blankAsMissing = (v: unknown) => (typeof v === "string" && v.trim() === "" ? undefined : v);
const optional = <T extends z.ZodType>(schema: T) => z.preprocess(blankAsMissing, schema.optional());
const optionalId = optional(text("an article id").trim());
const yesNo = z.boolean({ error: "must be true or false" }).optional();

const Row = z.strictObject(
  {
    id: optional(text().trim()),
    question: text().trim().min(1, "is empty"),
    answerable: yesNo,
    found: yesNo,
    answers: z.array(text(), { error: "must be a list of text fragments" }).optional(),
    answer: text().optional(),
    articleId: optionalId,
    scope: optionalId,
    history: z
      .array(
        z.object(
          {
            role: z.enum(["user", "assistant"], { error: 'must be "user" or "assistant"' }),
            content: text(),
          },
          { error: "must be {role, content}" },
        ),
        { error: "must be a list of {role, content}" },
      )
      .optional(),
    type: optional(z.enum(ANSWER_TYPES, { error: `must be one of ${ANSWER_TYPES.join(", ")}` })),
    tags: z.array(text(), { error: "must be a list of words" }).optional(),
    note: optional(text()),
  },
  { error: "must be a JSON object" },
);

/**
 * The questions of a file: `.csv` as CSV, `.json` as a JSON array (the old fixtures' shape),
 * anything else as JSONL. Throws `QuestionFileError` listing every problem.
 */
export async function loadQuestions(file: string): Promise<EvalQuestion[]> {
  let raw: string;
  try {
    raw = await readFile(file, "utf8");
  } catch (err) {
    throw new QuestionFileError([`cannot read ${file}: ${(err as NodeJS.ErrnoException).code ?? String(err)}`]);
  }
  const name = path.relative(process.cwd(), file) || file;
  const ext = path.extname(file).toLowerCase();
  if (ext === ".csv") return parseCsvQuestions(raw, name);
  if (ext === ".json") return parseJsonQuestions(raw, name);
  return parseJsonlQuestions(raw, name);
}

/** JSONL: one JSON object a line; blank lines are skipped. `name` is the file as messages show it. */
export function parseJsonlQuestions(raw: string, name: string): EvalQuestion[] {
  const reader = new Reader(name);
  stripBom(raw)
    .split(/\r?\n/)
    .forEach((line, i) => {
      if (line.trim() === "") return;
      const at = `${name}:${i + 1}`;
      let value: unknown;
      try {
        value = JSON.parse(line);
      } catch (err) {
        reader.problems.push(`${at}: not JSON (${(err as Error).message})`);
        return;
      }
      reader.add(value, at, `q${i + 1}`);
    });
  return reader.questions();
}

/** A JSON array of question objects, as the fixtures were kept before JSONL. */
export function parseJsonQuestions(raw: string, name: string): EvalQuestion[] {
  let value: unknown;
  try {
    value = JSON.parse(stripBom(raw));
  } catch (err) {
    throw new QuestionFileError([`${name}: not JSON (${(err as Error).message})`]);
  }
  if (!Array.isArray(value)) throw new QuestionFileError([`${name}: must be a JSON array of questions`]);
  const reader = new Reader(name);
  value.forEach((item, i) => reader.add(item, `${name} item ${i + 1}`, `q${i + 1}`));
  return reader.questions();
}

/**
 * CSV with a header row naming the columns, in any order (FIELDS, or the aliases). `answers` and
 * `tags` are separated by `|`, `history` is a JSON array, `answerable` is true/false, 1/0,
 * yes/no or بله/خیر. An empty cell is a field not given; an empty row is skipped.
 */
export function parseCsvQuestions(raw: string, name: string): EvalQuestion[] {
  let records;
  try {
    records = parseCsv(raw);
  } catch (err) {
    if (err instanceof CsvError) throw new QuestionFileError([`${name}:${err.line}: ${err.message}`]);
    throw err;
  }
  const [header, ...rows] = records;
  if (!header) throw new QuestionFileError([`${name}: empty file (the first row names the columns)`]);
  const known = new Map<string, string>([...FIELDS, ...ALIASES].map((f) => [f.toLowerCase(), f]));
  const columns: string[] = [];
  const headerProblems: string[] = [];
  for (const cell of header.cells) {
    const column = known.get(cell.trim().toLowerCase());
    if (!column)
      headerProblems.push(`${name}:${header.line}: unknown column «${cell}» (columns: ${FIELDS.join(", ")})`);
    else if (columns.includes(column)) headerProblems.push(`${name}:${header.line}: column ${column} appears twice`);
    columns.push(column ?? cell);
  }
  if (!columns.includes("question")) headerProblems.push(`${name}:${header.line}: no question column`);
  if (headerProblems.length > 0) throw new QuestionFileError(headerProblems);

  const reader = new Reader(name);
  for (const { line, cells } of rows) {
    if (cells.every((c) => c.trim() === "")) continue;
    const at = `${name}:${line}`;
    if (cells.length > columns.length) {
      reader.problems.push(`${at}: ${cells.length} cells, but the header names ${columns.length} columns`);
      continue;
    }
    const value: Record<string, unknown> = {};
    const problems: string[] = [];
    cells.forEach((cell, i) => {
      const column = columns[i]!;
      if (cell.trim() === "") return;
      const parsed = csvValue(column, cell);
      if ("problem" in parsed) problems.push(`${at}: ${column} ${parsed.problem}`);
      else value[column] = parsed.value;
    });
    if (problems.length > 0) reader.problems.push(...problems);
    else reader.add(value, at, `q${line}`);
  }
  return reader.questions();
}

const YES = new Set(["true", "1", "yes", "y", "بله", "آری", "۱"]);
const NO = new Set(["false", "0", "no", "n", "خیر", "نه", "۰"]);

function csvValue(column: string, cell: string): { value: unknown } | { problem: string } {
  const s = cell.trim();
  switch (column) {
    case "answerable":
    case "found":
      if (YES.has(s.toLowerCase())) return { value: true };
      if (NO.has(s.toLowerCase())) return { value: false };
      return { problem: `must be true or false (or 1/0, yes/no, بله/خیر), not «${s}»` };
    case "answers":
    case "tags":
      return { value: s.split("|").map((x) => x.trim()) };
    case "history":
      try {
        return { value: JSON.parse(s) };
      } catch (err) {
        return { problem: `is not JSON (a JSON array of {"role","content"}): ${(err as Error).message}` };
      }
    default:
      return { value: s };
  }
}

/** Questions checked one by one, problems gathered, ids kept unique. */
class Reader {
  readonly problems: string[] = [];
  private readonly read: EvalQuestion[] = [];
  private readonly ids = new Map<string, string>();

  constructor(private readonly name: string) {}

  add(value: unknown, at: string, defaultId: string): void {
    const parsed = Row.safeParse(value);
    if (!parsed.success) {
      for (const issue of parsed.error.issues) {
        if (issue.code === "unrecognized_keys")
          for (const key of issue.keys)
            this.problems.push(`${at}: unknown field «${key}» (fields: ${FIELDS.join(", ")})`);
        else if (issue.path.length === 0) this.problems.push(`${at}: ${issue.message}`);
        else this.problems.push(`${at}: ${fieldName(issue.path)} ${issue.message}`);
      }
      return;
    }
    const row = parsed.data;
    const problems: string[] = [];
    if (row.answers !== undefined && row.answer !== undefined)
      problems.push(`${at}: answers and answer are both given (answer is the old name of answers)`);
    if (row.answerable !== undefined && row.found !== undefined && row.answerable !== row.found)
      problems.push(`${at}: answerable and found disagree (found is the old name of answerable)`);
    const answerable = row.answerable ?? row.found;
    if (answerable === undefined) problems.push(`${at}: answerable is missing (true or false)`);
    // Blank fragments are none: a feedback export writes `"answer": ""` for the editor to fill in.
    const answers = (row.answers ?? (row.answer !== undefined ? [row.answer] : []))
      .map((a) => a.trim())
      .filter(Boolean);
    if (answerable === true && answers.length === 0) problems.push(`${at}: answers is empty but answerable is true`);
    if (answerable === false && answers.length > 0)
      problems.push(`${at}: answers is given but answerable is false (an unanswerable question expects «not found»)`);
    const id = row.id ?? defaultId;
    const first = this.ids.get(id);
    if (first) problems.push(`${at}: id «${id}» is already used at ${first}`);
    else this.ids.set(id, at);
    if (problems.length > 0) {
      this.problems.push(...problems);
      return;
    }
    this.read.push({
      id,
      question: row.question,
      answerable: answerable!,
      answers,
      // The article that states the answer means nothing for a question no article answers.
      ...(answerable && row.articleId && { goldId: row.articleId }),
      ...(row.scope && { scope: row.scope }),
      history: row.history ?? [],
      ...(row.type && { type: row.type }),
      tags: (row.tags ?? []).map((t) => t.trim()).filter(Boolean),
      ...(row.note && { note: row.note }),
      at,
    });
  }

  questions(): EvalQuestion[] {
    if (this.problems.length > 0) throw new QuestionFileError(this.problems);
    if (this.read.length === 0) throw new QuestionFileError([`${this.name}: no questions`]);
    return this.read;
  }
}

function fieldName(p: ReadonlyArray<PropertyKey>): string {
  return p.map((k, i) => (typeof k === "number" ? `[${k}]` : i === 0 ? String(k) : `.${String(k)}`)).join("");
}

function stripBom(s: string): string {
  return s.startsWith("\uFEFF") ? s.slice(1) : s;
}

import { readFile } from "node:fs/promises";
import path from "node:path";
import { loadQuestions, type EvalQuestion } from "./questions.ts";

export type { EvalQuestion } from "./questions.ts";

/**
 * The question sets `npm run eval` knows: the project's own fixtures over `data/articles`, PQuAD
 * and ParsiNLU from the shared evaluation data (`../shared/eval`, read-only, never copied into
 * the project; EVAL_DATA_DIR points elsewhere), and a question file of the editors' own over a
 * directory of articles (`--questions`, `--articles`).
 */
export type SetName = "fixtures" | "pquad" | "parsinlu";
export type Split = "dev" | "test";

export interface EvalSet {
  /** fixtures, pquad, parsinlu, or the question file's name («my.jsonl»). */
  name: string;
  kind: SetName | "own";
  /**
   * How answers are judged. `reading` (PQuAD, ParsiNLU): a gold answer in the first 300
   * characters, the SQuAD-style figure, and each question asked again without its passage.
   * `editorial` (fixtures, own questions): an expected fragment anywhere in the answer, and the
   * article that states it cited.
   */
  grading: "reading" | "editorial";
  /** dev or test; `all` for a question file of one's own, which has no split. */
  split: string;
  /** Where the corpus is: a directory of articles, or a passages JSONL file to index as articles. */
  corpus: { dir: string } | { jsonl: string };
  questions: EvalQuestion[];
}

const ROOT = path.resolve(import.meta.dirname, "..");
export const DEFAULT_ARTICLES_DIR = path.join(ROOT, "data/articles");

export function evalDataDir(): string {
  return path.resolve(ROOT, process.env.EVAL_DATA_DIR ?? "../shared/eval");
}

export async function loadSet(name: SetName, split: Split): Promise<EvalSet> {
  if (name === "fixtures") {
    // The fixtures have no dev/test split: they are the project's own acceptance questions, in
    // the editors' format.
    const questions = await loadQuestions(path.join(ROOT, "test/fixtures/questions.jsonl"));
    return { name, kind: name, grading: "editorial", split, corpus: { dir: DEFAULT_ARTICLES_DIR }, questions };
  }
  const dir = path.join(evalDataDir(), name);
  let lines: string[];
  try {
    lines = (await readFile(path.join(dir, `${split}.jsonl`), "utf8")).split("\n").filter((l) => l.trim() !== "");
  } catch {
    throw new Error(
      `Cannot read ${path.join(dir, `${split}.jsonl`)}: is the shared evaluation data at ${evalDataDir()}? (set EVAL_DATA_DIR)`,
    );
  }
  const questions = lines.map((l): EvalQuestion => {
    const q = JSON.parse(l) as { id: string; question: string; answers: string[]; passage_id: string };
    return {
      id: q.id,
      question: q.question,
      answerable: true,
      goldId: q.passage_id,
      answers: q.answers,
      history: [],
      tags: [],
    };
  });
  return {
    name,
    kind: name,
    grading: "reading",
    split,
    corpus: { jsonl: path.join(dir, "passages.jsonl") },
    questions,
  };
}

/** The editors' own questions (JSONL or CSV, see eval/questions.ts) over a directory of articles. */
export async function loadOwnSet(questionsFile: string, articlesDir = DEFAULT_ARTICLES_DIR): Promise<EvalSet> {
  const questions = await loadQuestions(questionsFile);
  return {
    name: path.basename(questionsFile),
    kind: "own",
    grading: "editorial",
    split: "all",
    corpus: { dir: path.resolve(articlesDir) },
    questions,
  };
}

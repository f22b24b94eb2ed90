import { readFile } from "node:fs/promises";
import path from "node:path";

/**
 * The question sets `npm run eval` knows: the project's own fixtures over `data/articles`, and
 * PQuAD and ParsiNLU from the shared evaluation data (`../shared/eval`, read-only, never copied
 * into the project; EVAL_DATA_DIR points elsewhere).
 */
export type SetName = "fixtures" | "pquad" | "parsinlu";
export type Split = "dev" | "test";

export interface EvalQuestion {
  id: string;
  question: string;
  /** Gold passage (article) id; undefined for a question the corpus cannot answer. */
  goldId?: string;
  answers: string[];
}

export interface EvalSet {
  name: SetName;
  split: Split;
  /** Where the corpus is: a directory of articles, or a passages JSONL file to index as articles. */
  corpus: { dir: string } | { jsonl: string };
  questions: EvalQuestion[];
}

const ROOT = path.resolve(import.meta.dirname, "..");

export function evalDataDir(): string {
  return path.resolve(ROOT, process.env.EVAL_DATA_DIR ?? "../shared/eval");
}

export async function loadSet(name: SetName, split: Split): Promise<EvalSet> {
  if (name === "fixtures") {
    // The fixtures have no dev/test split: they are the project's own acceptance questions.
    const raw = JSON.parse(await readFile(path.join(ROOT, "test/fixtures/questions.json"), "utf8")) as Array<{
      id: string;
      question: string;
      found: boolean;
      articleId?: string;
      answer?: string;
    }>;
    return {
      name,
      split,
      corpus: { dir: path.join(ROOT, "data/articles") },
      questions: raw.map((q) => ({
        id: q.id,
        question: q.question,
        ...(q.found && { goldId: q.articleId! }),
        answers: q.answer ? [q.answer] : [],
      })),
    };
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
  const questions = lines.map((l) => {
    const q = JSON.parse(l) as { id: string; question: string; answers: string[]; passage_id: string };
    return { id: q.id, question: q.question, goldId: q.passage_id, answers: q.answers };
  });
  return { name, split, corpus: { jsonl: path.join(dir, "passages.jsonl") }, questions };
}

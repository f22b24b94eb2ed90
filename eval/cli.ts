import { mkdir, writeFile } from "node:fs/promises";
import path from "node:path";
import { parseArgs } from "node:util";
import { htmlReport, formatTable } from "./report.ts";
import { runEval, type EvalResult } from "./run.ts";
import { loadSet, type SetName, type Split } from "./sets.ts";
import { loadConfig, loadDotEnv } from "../core/config.ts";

/**
 * `npm run eval [-- --set fixtures|pquad|parsinlu|all] [--split dev|test] [--limit N] [--store embedded|pgvector]`
 *
 * Prints, per set, the retrieval table (the naive BM25 baseline, each ablation and the full
 * pipeline side by side) and the answer table, and writes the figures as JSON and an HTML
 * report with a bar chart under reports/. Tune on dev; report test. `--store pgvector` (or
 * VECTOR_STORE=pgvector) indexes into PostgreSQL with pgvector started in this process, so the
 * database backend is measured on the same questions; with `--database-url`, in a PostgreSQL
 * server of your own instead (in a schema of its own, dropped afterwards).
 */
const SETS: SetName[] = ["fixtures", "pquad", "parsinlu"];

async function main(): Promise<void> {
  const { values } = parseArgs({
    options: {
      set: { type: "string", default: "all" },
      split: { type: "string", default: "dev" },
      limit: { type: "string" },
      answerer: { type: "string" },
      store: { type: "string" },
      "database-url": { type: "string" },
      out: { type: "string", default: "reports" },
    },
  });
  const sets = values.set === "all" ? SETS : [values.set as SetName];
  for (const s of sets)
    if (!SETS.includes(s)) throw new Error(`--set must be one of ${SETS.join(", ")} or all, not "${s}"`);
  if (values.split !== "dev" && values.split !== "test")
    throw new Error(`--split must be dev or test, not "${values.split}"`);
  const limit = values.limit === undefined ? undefined : Number(values.limit);
  if (limit !== undefined && !(Number.isInteger(limit) && limit > 0))
    throw new Error(`--limit must be a positive whole number`);

  // Answers are always measured extractively; with a configured chat model (CHAT_MODEL and
  // OPENAI_API_KEY, as for the server) the model's answers are measured too, and judged.
  loadDotEnv();
  const config = loadConfig();
  const mode = values.answerer ?? (config.answerer.kind === "llm" ? "both" : "extractive");
  if (!["extractive", "llm", "both"].includes(mode))
    throw new Error(`--answerer must be extractive, llm or both, not "${mode}"`);
  if (mode !== "extractive" && config.answerer.kind !== "llm")
    throw new Error("--answerer llm needs CHAT_MODEL and OPENAI_API_KEY (see .env.example)");
  const llm = mode !== "extractive" && config.answerer.kind === "llm" ? config.answerer : undefined;
  const store = values.store ?? config.store.kind;
  if (store !== "embedded" && store !== "pgvector")
    throw new Error(`--store must be embedded or pgvector, not "${store}"`);

  const results: EvalResult[] = [];
  for (const name of sets) {
    const set = await loadSet(name, values.split as Split);
    if (limit) set.questions = set.questions.slice(0, limit);
    console.error(`evaluating ${name} (${values.split}, ${set.questions.length} questions, ${store} index)…`);
    const database = values["database-url"];
    const result = await runEval(set, {
      log: (line) => console.error(`  ${line}`),
      store,
      ...(database && { databaseUrl: database }),
      ...(llm && { llm }),
    });
    results.push(result);
    console.log(`\n${formatTable(result)}\n`);
  }
  await mkdir(values.out!, { recursive: true });
  const stamp = new Date().toISOString().replace(/[:.]/g, "-");
  const base = path.join(values.out!, `eval-${values.split}-${stamp}`);
  await writeFile(`${base}.json`, JSON.stringify(results, null, 2));
  await writeFile(`${base}.html`, htmlReport(results));
  console.log(`figures: ${base}.json\nreport:  ${base}.html`);
}

main().catch((err: unknown) => {
  console.error(`eval failed: ${err instanceof Error ? err.message : String(err)}`);
  process.exitCode = 1;
});

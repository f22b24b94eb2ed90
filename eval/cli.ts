import { mkdir, stat, writeFile } from "node:fs/promises";
import path from "node:path";
import { parseArgs } from "node:util";
import { compareResults, readResults } from "./compare.ts";
import { htmlReport } from "./html.ts";
import { formatTable } from "./report.ts";
import { runEval, type EvalResult } from "./run.ts";
import { DEFAULT_ARTICLES_DIR, loadOwnSet, loadSet, type EvalSet, type SetName, type Split } from "./sets.ts";
import { loadConfig, loadDotEnv } from "../core/config.ts";

/**
 * `npm run eval [-- --set fixtures|pquad|parsinlu|all] [--split dev|test] [--limit N] [--store embedded|pgvector]`
 * `npm run eval -- --questions my.jsonl [--articles DIR]`
 * `npm run eval -- --compare a.json b.json`
 *
 * Prints, per set, the retrieval table (the naive BM25 baseline, each ablation and the full
 * pipeline side by side), the answer table and the reliability table of the answers'
 * confidence, and writes the figures and every question's answer as JSON and an HTML report
 * under reports/. Tune on dev; report test. `--questions` evaluates a question file of one's
 * own (eval/questions.ts) over a directory of articles. `--store pgvector` (or
 * VECTOR_STORE=pgvector) indexes into PostgreSQL with pgvector started in this process; with
 * `--database-url`, in a PostgreSQL server of your own (in a schema of its own, dropped afterwards).
 * `--compare` reads two result files and prints what changed.
 */
const SETS: SetName[] = ["fixtures", "pquad", "parsinlu"];

async function main(): Promise<void> {
  const { values, positionals } = parseArgs({
    allowPositionals: true,
    options: {
      set: { type: "string" },
      split: { type: "string", default: "dev" },
      limit: { type: "string" },
      questions: { type: "string" },
      articles: { type: "string" },
      answerer: { type: "string" },
      "span-reader": { type: "string" },
      reranker: { type: "string" },
      "no-hand-tuned": { type: "boolean", default: false },
      store: { type: "string" },
      "database-url": { type: "string" },
      "no-heldout": { type: "boolean", default: false },
      compare: { type: "boolean", default: false },
      out: { type: "string", default: "reports" },
    },
  });
  if (values.compare) {
    if (positionals.length !== 2) throw new Error("--compare takes two result files: --compare a.json b.json");
    const [a, b] = positionals as [string, string];
    console.log(compareResults(await readResults(a), await readResults(b), [path.basename(a), path.basename(b)]));
    return;
  }
  if (positionals.length > 0) throw new Error(`unexpected argument "${positionals[0]}" (only --compare takes files)`);

  if (values.questions !== undefined && values.set !== undefined)
    throw new Error("--questions evaluates that file alone: give --questions or --set, not both");
  if (values.articles !== undefined && values.questions === undefined)
    throw new Error("--articles goes with --questions (the fixtures and reading sets bring their own articles)");
  const names = values.set === undefined || values.set === "all" ? SETS : [values.set as SetName];
  for (const s of names)
    if (!SETS.includes(s)) throw new Error(`--set must be one of ${SETS.join(", ")} or all, not "${s}"`);
  if (values.split !== "dev" && values.split !== "test")
    throw new Error(`--split must be dev or test, not "${values.split}"`);
  const limit = values.limit === undefined ? undefined : Number(values.limit);
  if (limit !== undefined && !(Number.isInteger(limit) && limit > 0))
    throw new Error(`--limit must be a positive whole number`);
  let articlesDir = DEFAULT_ARTICLES_DIR;
  if (values.articles !== undefined) {
    articlesDir = path.resolve(values.articles);
    const isDir = await stat(articlesDir).then(
      (s) => s.isDirectory(),
      () => false,
    );
    if (!isDir) throw new Error(`--articles: ${values.articles} is not a directory`);
  }

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
  const spanReader = values["span-reader"] ?? config.spanReader;
  if (spanReader !== "learned" && spanReader !== "rules")
    throw new Error(`--span-reader must be learned or rules, not "${spanReader}"`);
  const reranker = values.reranker ?? config.reranker;
  if (reranker !== "learned" && reranker !== "rules")
    throw new Error(`--reranker must be learned or rules, not "${reranker}"`);
  const store = values.store ?? config.store.kind;
  if (store !== "embedded" && store !== "pgvector")
    throw new Error(`--store must be embedded or pgvector, not "${store}"`);

  // Read before any index is built, so a mistake in a question file is reported at once.
  const own = values.questions ? await loadOwnSet(values.questions, articlesDir) : undefined;
  const sets: Array<() => Promise<EvalSet>> = own
    ? [async () => own]
    : names.map((name) => () => loadSet(name, values.split as Split));

  const results: EvalResult[] = [];
  for (const load of sets) {
    const set = await load();
    if (limit) set.questions = set.questions.slice(0, limit);
    console.error(`evaluating ${set.name} (${set.split}, ${set.questions.length} questions, ${store} index)…`);
    const database = values["database-url"];
    const result = await runEval(set, {
      log: (line) => console.error(`  ${line}`),
      store,
      heldOut: !values["no-heldout"],
      spanReader,
      reranker,
      handTuned: !values["no-hand-tuned"],
      ...(database && { databaseUrl: database }),
      ...(llm && { llm }),
    });
    results.push(result);
    console.log(`\n${formatTable(result)}\n`);
  }
  await mkdir(values.out!, { recursive: true });
  const stamp = new Date().toISOString().replace(/[:.]/g, "-");
  const label = values.questions ? `own-${path.parse(values.questions).name}` : values.split;
  const base = path.join(values.out!, `eval-${label}-${stamp}`);
  await writeFile(`${base}.json`, JSON.stringify(results, null, 2));
  await writeFile(`${base}.html`, htmlReport(results));
  console.log(`figures: ${base}.json\nreport:  ${base}.html`);
}

main().catch((err: unknown) => {
  console.error(`eval failed: ${err instanceof Error ? err.message : String(err)}`);
  process.exitCode = 1;
});

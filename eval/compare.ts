import { readFile } from "node:fs/promises";
import { z } from "zod";

/**
 * Two result files of `npm run eval` side by side (`--compare a.json b.json`): the change of
 * each set's headline figures, and the questions that went from failing to passing and back.
 * Sets are matched by name and split, questions by answerer and id; nothing is indexed.
 */

const Metric = z.number().nullable().optional();
const ResultFile = z.array(
  z.looseObject({
    set: z.string(),
    split: z.string(),
    retrieval: z.array(
      z.looseObject({ pipeline: z.string(), questions: z.number().optional(), r1: z.number(), mrr: z.number() }),
    ),
    answers: z.array(
      z.looseObject({
        answerer: z.string(),
        containsGold: z.number(),
        tokenF1: z.number(),
        shortF1: z.number().optional(),
        foundPrecision: z.number(),
        foundRecall: Metric,
        heldOut: z.looseObject({ refusedRate: z.number() }).optional(),
      }),
    ),
    questions: z
      .array(
        z.looseObject({
          answerer: z.string(),
          id: z.string(),
          question: z.string(),
          pass: z.boolean(),
          why: z.string(),
        }),
      )
      .optional(),
  }),
);
type ResultSet = z.infer<typeof ResultFile>[number];

/** The sets of a result file, checked; a file of anything else is an error that says so. */
export async function readResults(file: string): Promise<ResultSet[]> {
  let value: unknown;
  try {
    value = JSON.parse(await readFile(file, "utf8"));
  } catch (err) {
    const reason = (err as NodeJS.ErrnoException).code ?? (err as Error).message;
    throw new Error(`${file} is not an eval result: ${reason}`);
  }
  const parsed = ResultFile.safeParse(value);
  if (!parsed.success) {
    const issue = parsed.error.issues[0]!;
    const where = issue.path.map((k) => (typeof k === "number" ? `[${k}]` : `.${String(k)}`)).join("");
    throw new Error(
      `${file} is not an eval result (the JSON array npm run eval writes under reports/): ${where || "the file"}: ${issue.message}`,
    );
  }
  return parsed.data;
}

/** The comparison as text: per set, a table of figures before and after, then the questions that changed. */
export function compareResults(a: ResultSet[], b: ResultSet[], names: [string, string] = ["a", "b"]): string {
  const key = (s: ResultSet) => `${s.set} · ${s.split}`;
  const before = new Map(a.map((s) => [key(s), s]));
  const after = new Map(b.map((s) => [key(s), s]));
  const out: string[] = [`compare ${names[0]} → ${names[1]}`];
  for (const k of before.keys()) if (!after.has(k)) out.push("", `${k}: only in ${names[0]}`);
  for (const [k, sb] of after) {
    const sa = before.get(k);
    if (!sa) {
      out.push("", `${k}: only in ${names[1]}`);
      continue;
    }
    out.push("", k, "", figureTable(figures(sa), figures(sb)), "", ...changes(sa, sb, names));
  }
  return out.join("\n");
}

type Figures = Map<string, number | undefined>;

function figures(s: ResultSet): Figures {
  const full = s.retrieval.find((r) => r.pipeline === "full (default)") ?? s.retrieval.at(-1);
  // No question named its article: retrieval was not measured, and 0 would read as a result.
  const measured = full && (full.questions ?? 1) > 0 ? full : undefined;
  const out: Figures = new Map([
    ["R@1 (full retrieval)", measured?.r1],
    ["MRR (full retrieval)", measured?.mrr],
  ]);
  for (const row of s.answers) {
    out.set(`${row.answerer}: contains gold`, row.containsGold);
    out.set(`${row.answerer}: token F1`, row.tokenF1);
    if (row.shortF1 !== undefined) out.set(`${row.answerer}: short F1`, row.shortF1);
    out.set(`${row.answerer}: found precision`, row.foundPrecision);
    out.set(`${row.answerer}: found recall`, row.foundRecall ?? undefined);
    if (row.heldOut) out.set(`${row.answerer}: held-out refused`, row.heldOut.refusedRate);
  }
  return out;
}

function figureTable(a: Figures, b: Figures): string {
  const labels = [...new Set([...a.keys(), ...b.keys()])];
  const w = Math.max(6, ...labels.map((l) => l.length));
  const v = (x: number | undefined) => (x === undefined ? "—" : x.toFixed(3));
  const delta = (x: number | undefined, y: number | undefined) => {
    if (x === undefined || y === undefined) return "—";
    const d = y - x;
    return Math.abs(d) < 5e-4 ? "0" : `${d > 0 ? "+" : "−"}${Math.abs(d).toFixed(3)}`;
  };
  // The files are named in the line above the table; the columns are before and after.
  const [na, nb] = ["before", "after"];
  const cw = 6;
  return [
    `| ${"figure".padEnd(w)} | ${na.padEnd(cw)} | ${nb.padEnd(cw)} | Δ      |`,
    `|${"-".repeat(w + 2)}|${"-".repeat(cw + 2)}|${"-".repeat(cw + 2)}|--------|`,
    ...labels.map(
      (l) =>
        `| ${l.padEnd(w)} | ${v(a.get(l)).padStart(cw)} | ${v(b.get(l)).padStart(cw)} | ${delta(a.get(l), b.get(l)).padStart(6)} |`,
    ),
  ].join("\n");
}

function changes(a: ResultSet, b: ResultSet, names: [string, string]): string[] {
  if (!a.questions || !b.questions) {
    const which = !a.questions ? names[0] : names[1];
    return [`no per-question results in ${which} (written before eval kept them): questions not compared`];
  }
  const qkey = (q: { answerer: string; id: string }) => `${q.answerer}\u0000${q.id}`;
  const before = new Map(a.questions.map((q) => [qkey(q), q]));
  const better: string[] = [];
  const worse: string[] = [];
  let compared = 0;
  for (const q of b.questions) {
    const was = before.get(qkey(q));
    if (!was) continue;
    compared++;
    const line = `  ${q.answerer}  ${q.id}  ${q.why}  · ${q.question}`;
    if (!was.pass && q.pass) better.push(line);
    if (was.pass && !q.pass) worse.push(line);
  }
  const out = [
    `better (fail → pass): ${better.length}`,
    ...better,
    `worse (pass → fail): ${worse.length}`,
    ...worse,
    `${compared} questions in both`,
  ];
  const added = b.questions.filter((q) => !before.has(qkey(q))).length;
  const dropped = a.questions.length - compared;
  if (added > 0 || dropped > 0) out.push(`${added} only in ${names[1]}, ${dropped} only in ${names[0]}`);
  return out;
}

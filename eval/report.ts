import type { EvalResult } from "./run.ts";
import type { AnswerRow } from "./score.ts";
import type { SuggestionRow } from "./suggestions.ts";

/**
 * The figures as console tables: retrieval per pipeline, answers per answerer, the reliability
 * table of each answerer's confidence, and, for the fixtures and one's own questions, the
 * questions that failed. The HTML report (html.ts) shows the same rows.
 */
export function formatTable(result: EvalResult): string {
  const r = result.retrieval;
  const a = result.answers;
  const name = Math.max(...r.map((x) => x.pipeline.length), 8);
  const lines = [
    `${result.set} · ${result.split} · ${result.store} index · ${r[0]?.questions ?? 0} questions with a gold article · ${result.corpus.articles} passages → ${result.corpus.chunks} chunks · indexed in ${result.corpus.indexSeconds} s`,
    "",
    // Retrieval is judged against the article a question names: without one, there is nothing to rank.
    ...((r[0]?.questions ?? 0) === 0
      ? ["retrieval: no question names the article that answers it (articleId), so retrieval is not measured"]
      : [
          `| ${"retrieval".padEnd(name)} | R@1   | R@5   | R@10  | MRR   | nDCG@10 | p50 ms | p95 ms |`,
          `|${"-".repeat(name + 2)}|-------|-------|-------|-------|---------|--------|--------|`,
          ...r.map(
            (x) =>
              `| ${x.pipeline.padEnd(name)} | ${f(x.r1)} | ${f(x.r5)} | ${f(x.r10)} | ${f(x.mrr)} | ${f(x.ndcg10).padEnd(7)} | ${ms(x.p50ms)} | ${ms(x.p95ms)} |`,
          ),
        ]),
    "",
    answerTable(a),
  ];
  if (result.suggestions) lines.push("", suggestionTable(result.suggestions));
  for (const row of a) lines.push("", reliabilityTable(row));
  for (const row of a)
    if (row.byTag)
      lines.push(
        "",
        `by tag (${row.answerer}): ${row.byTag.map((t) => `${t.tag} ${t.passed}/${t.questions}`).join(" · ")}`,
      );
  if (result.grading === "editorial") {
    for (const row of a) {
      const mine = (result.questions ?? []).filter((q) => q.answerer === row.answerer);
      const failed = mine.filter((q) => !q.pass);
      if (failed.length === 0) {
        lines.push("", `every question passed (${row.answerer}, ${mine.length})`);
        continue;
      }
      const id = Math.max(...failed.map((q) => q.id.length));
      lines.push("", `failed ${failed.length} of ${mine.length} (${row.answerer}):`);
      for (const q of failed.slice(0, MAX_FAILED)) lines.push(`  ${q.id.padEnd(id)}  ${q.why}  · ${q.question}`);
      if (failed.length > MAX_FAILED) lines.push(`  … ${failed.length - MAX_FAILED} more in the JSON and HTML reports`);
    }
  }
  return lines.join("\n");
}

/** The articles' suggested questions: how many are offered, and whether each is answered from its sentence. */
function suggestionTable(s: SuggestionRow): string {
  return [
    "| suggested questions | articles | candidates | offered | ≥ 3 offered | asked | answered from their sentence |",
    "|---------------------|----------|------------|---------|-------------|-------|------------------------------|",
    `| extractive          | ${String(s.articles).padEnd(8)} | ${s.candidates.toFixed(1).padEnd(10)} | ${s.offered.toFixed(1).padEnd(7)} | ${f(s.atLeastThree).padEnd(11)} | ${String(s.asked).padEnd(5)} | ${f(s.fromOwnSentence).padEnd(28)} |`,
  ].join("\n");
}

/** Failed questions listed on the console; the reports list them all. */
const MAX_FAILED = 30;

const COLUMNS = [
  ["answerable", 10],
  ["contains gold", 13],
  ["token F1", 8],
  ["short F1", 8],
  ["answered", 8],
  ["found precision", 15],
  ["found recall", 12],
  ["unanswerable", 12],
  ["refused", 7],
  ["held-out refused", 16],
  ["citations valid", 15],
  ["grounded", 8],
  ["p50 ms", 6],
  ["p95 ms", 6],
] as const;

function answerTable(rows: AnswerRow[]): string {
  const aname = Math.max(24, ...rows.map((x) => x.answerer.length));
  const cells = (x: AnswerRow) => [
    String(x.answerable),
    f(x.containsGold),
    f(x.tokenF1),
    x.shortF1 === undefined ? "—" : f(x.shortF1),
    f(x.foundRate),
    f(x.foundPrecision),
    f(x.foundRecall),
    String(x.unanswerable),
    x.unanswerable > 0 ? f(x.refusedRate) : "—",
    x.heldOut ? f(x.heldOut.refusedRate) : "—",
    f(x.citationValidity),
    x.groundedness === undefined ? "—" : f(x.groundedness),
    x.p50ms.toFixed(1),
    x.p95ms.toFixed(1),
  ];
  return [
    `| ${"answers (full retrieval)".padEnd(aname)} | ${COLUMNS.map(([h]) => h).join(" | ")} |`,
    `|${"-".repeat(aname + 2)}|${COLUMNS.map(([, w]) => "-".repeat(w + 2)).join("|")}|`,
    ...rows.map(
      (x) =>
        `| ${x.answerer.padEnd(aname)} | ${cells(x)
          .map((c, i) => c.padStart(COLUMNS[i]![1]))
          .join(" | ")} |`,
    ),
  ].join("\n");
}

function reliabilityTable(row: AnswerRow): string {
  const title = `confidence (${row.answerer})`;
  const w = Math.max(title.length, 10);
  return [
    `| ${title.padEnd(w)} | answers | correct | found | answerable |`,
    `|${"-".repeat(w + 2)}|---------|---------|-------|------------|`,
    ...row.reliability.map(
      (b) =>
        `| ${b.bucket.padEnd(w)} | ${String(b.count).padStart(7)} | ${(b.count ? f(b.correct) : "—").padStart(7)} | ${(b.count ? f(b.found) : "—").padStart(5)} | ${(b.count ? f(b.answerable) : "—").padStart(10)} |`,
    ),
  ].join("\n");
}

function f(x: number): string {
  return x.toFixed(3);
}

function ms(x: number): string {
  return x.toFixed(1).padStart(6);
}

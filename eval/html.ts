import type { EvalResult, RetrievalRow } from "./run.ts";
import type { AnswerRow, QuestionResult } from "./score.ts";

/**
 * The evaluation as one self-contained HTML page: answer metrics charted for every set, then per
 * set the retrieval chart and tables, the reliability tables, and every question with its
 * answer, failures first. It fits a laptop's width: charts scale with their `viewBox`, wide
 * tables scroll inside their own box. Persian cells are `dir="auto"`, so they read right to left.
 */
export function htmlReport(results: EvalResult[]): string {
  const sections = results.map((result, i) => section(result, i));
  return `<!doctype html><html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1"><title>Goftogu evaluation</title>
<style>${STYLE}</style></head>
<body><h1>Goftogu evaluation</h1><p>${esc(results[0]?.createdAt ?? "")}</p>
<h2>Answers, per set</h2>${answerChart(results)}
${sections.join("\n")}
<script>${FILTER_SCRIPT}</script></body></html>`;
}

const STYLE = `*{box-sizing:border-box}body{font-family:system-ui,Vazirmatn,Tahoma,sans-serif;margin:0 auto;padding:1rem;max-width:1200px;color:#212529}
h2{margin-top:2.5rem}.scroll{overflow-x:auto;max-width:100%;margin:.75rem 0}
table{border-collapse:collapse;font-size:13px}th,td{border:1px solid #dee2e6;padding:3px 6px;text-align:start;vertical-align:top}
th{background:#f1f3f5}td.n{text-align:right;font-variant-numeric:tabular-nums;white-space:nowrap}
table.q td{max-width:26rem;overflow-wrap:anywhere}tr.fail td{background:#fff5f5}tr.fail td.v{color:#c92a2a;font-weight:600}
svg.chart{display:block;width:100%;max-width:760px;height:auto}.filter{display:flex;gap:1rem;flex-wrap:wrap;align-items:center}
.filter input[type=search]{flex:1 1 16rem;max-width:28rem;padding:4px}`;

/** Filters a question table by its search box and its «failures only» box. */
const FILTER_SCRIPT = `for(const f of document.querySelectorAll(".filter")){const t=document.getElementById(f.dataset.table),s=f.querySelector("input[type=search]"),c=f.querySelector("input[type=checkbox]");const apply=()=>{const w=s.value.trim().toLowerCase();for(const r of t.tBodies[0].rows)r.hidden=(c.checked&&!r.classList.contains("fail"))||(w!==""&&!r.textContent.toLowerCase().includes(w))};s.addEventListener("input",apply);c.addEventListener("change",apply)}`;

const RETRIEVAL_BARS = [
  ["r1", "R@1", "#0b7285"],
  ["r5", "R@5", "#1c7ed6"],
  ["r10", "R@10", "#91a7ff"],
] as const;

const ANSWER_BARS: Array<[string, string, (a: AnswerRow) => number | undefined]> = [
  ["contains gold", "#2b8a3e", (a) => a.containsGold],
  ["token F1", "#74b816", (a) => a.tokenF1],
  ["short F1", "#a9e34b", (a) => a.shortF1],
  ["found precision", "#e67700", (a) => a.foundPrecision],
  ["found recall", "#f59f00", (a) => a.foundRecall],
  ["held-out refused", "#862e9c", (a) => a.heldOut?.refusedRate],
];

function section(result: EvalResult, index: number): string {
  const title = `${result.set} · ${result.split} · ${result.store}`;
  const questions = result.questions ?? [];
  return `<section><h2>${esc(title)}</h2>
<p>${result.corpus.articles} passages → ${result.corpus.chunks} chunks, indexed in ${result.corpus.indexSeconds} s; ${result.retrieval[0]?.questions ?? 0} questions with a gold article.</p>
${
  (result.retrieval[0]?.questions ?? 0) === 0
    ? "<p>No question names the article that answers it (<code>articleId</code>): retrieval is not measured.</p>"
    : `${barChart(
        result.retrieval.map((r) => ({
          label: r.pipeline,
          values: RETRIEVAL_BARS.map(([k, l, c]) => ({ label: l, colour: c, value: r[k] })),
        })),
        "recall per pipeline",
      )}
<div class="scroll">${retrievalTable(result.retrieval)}</div>`
}
<div class="scroll">${answerTable(result.answers)}</div>
<div class="scroll" style="display:flex;gap:1.5rem">${result.answers.map(reliabilityTable).join("")}</div>
${result.answers
  .filter((a) => a.byTag)
  .map(
    (a) =>
      `<p>By tag (${esc(a.answerer)}): ${a.byTag!.map((t) => `${esc(t.tag)} <b>${t.passed}/${t.questions}</b>`).join(" · ")}</p>`,
  )
  .join("")}
${questions.length > 0 ? questionTable(questions, `questions-${index}`) : ""}</section>`;
}

interface Group {
  label: string;
  values: Array<{ label: string; colour: string; value: number | undefined }>;
}

/** Horizontal bars, one group a row; a metric a set does not have is left out of its group. */
function barChart(groups: Group[], label: string): string {
  const barH = 12;
  const labelW = 250;
  const chartW = 420;
  const legend = groups[0]?.values ?? [];
  let y = 24;
  const rows = groups.map((g) => {
    const shown = g.values.filter((v) => v.value !== undefined);
    const groupH = shown.length * barH + 10;
    const bars = shown
      .map((v, j) => {
        const w = Math.round(v.value! * chartW);
        const top = y + j * barH;
        return `<rect x="${labelW}" y="${top}" width="${w}" height="${barH - 2}" fill="${v.colour}"><title>${esc(v.label)} ${v.value!.toFixed(3)}</title></rect><text x="${labelW + w + 4}" y="${top + barH - 3}" font-size="10">${v.value!.toFixed(3)}</text>`;
      })
      .join("");
    const text = `<text x="${labelW - 8}" y="${y + groupH / 2}" text-anchor="end" font-size="12">${esc(g.label)}</text>`;
    y += groupH;
    return text + bars;
  });
  // Each key as wide as its label (about 6.5 px a character at 11 px), so none runs into the next.
  let keyX = labelW;
  const keys = legend
    .map((v) => {
      const x = keyX;
      keyX += 14 + Math.ceil(v.label.length * 6.5) + 16;
      return `<rect x="${x}" y="4" width="10" height="10" fill="${v.colour}"/><text x="${x + 14}" y="13" font-size="11">${esc(v.label)}</text>`;
    })
    .join("");
  const width = Math.max(labelW + chartW + 60, keyX);
  return `<svg class="chart" viewBox="0 0 ${width} ${y + 6}" role="img" aria-label="${esc(label)}">${keys}${rows.join("")}</svg>`;
}

function answerChart(results: EvalResult[]): string {
  const groups = results.flatMap((r) =>
    r.answers.map((a) => ({
      label: `${r.set} · ${r.split} · ${a.answerer}`,
      values: ANSWER_BARS.map(([label, colour, value]) => ({ label, colour, value: value(a) })),
    })),
  );
  return barChart(groups, "answer metrics per set");
}

function table(head: string[], rows: string[][], attrs = ""): string {
  return `<table${attrs}><thead><tr>${head.map((h) => `<th>${esc(h)}</th>`).join("")}</tr></thead><tbody>${rows
    .map((r) => `<tr>${r.join("")}</tr>`)
    .join("")}</tbody></table>`;
}

const num = (x: number | undefined, digits = 3) => `<td class="n">${x === undefined ? "—" : x.toFixed(digits)}</td>`;
const cell = (s: string) => `<td dir="auto">${esc(s)}</td>`;

function retrievalTable(rows: RetrievalRow[]): string {
  return table(
    ["retrieval", "R@1", "R@5", "R@10", "MRR", "nDCG@10", "p50 ms", "p95 ms"],
    rows.map((r) => [
      cell(r.pipeline),
      num(r.r1),
      num(r.r5),
      num(r.r10),
      num(r.mrr),
      num(r.ndcg10),
      num(r.p50ms, 1),
      num(r.p95ms, 1),
    ]),
  );
}

function answerTable(rows: AnswerRow[]): string {
  return table(
    [
      "answers (full retrieval)",
      "answerable",
      "contains gold",
      "token F1",
      "short F1",
      "answered",
      "found precision",
      "found recall",
      "unanswerable",
      "refused",
      "held-out refused",
      "citations valid",
      "grounded",
      "p50 ms",
      "p95 ms",
    ],
    rows.map((a) => [
      cell(a.answerer),
      `<td class="n">${a.answerable}</td>`,
      num(a.containsGold),
      num(a.tokenF1),
      num(a.shortF1),
      num(a.foundRate),
      num(a.foundPrecision),
      num(a.foundRecall),
      `<td class="n">${a.unanswerable}</td>`,
      num(a.unanswerable > 0 ? a.refusedRate : undefined),
      num(a.heldOut?.refusedRate),
      num(a.citationValidity),
      num(a.groundedness),
      num(a.p50ms, 1),
      num(a.p95ms, 1),
    ]),
  );
}

function reliabilityTable(row: AnswerRow): string {
  return table(
    [`confidence (${row.answerer})`, "answers", "correct", "found", "answerable"],
    (row.reliability ?? []).map((b) => [
      cell(b.bucket),
      `<td class="n">${b.count}</td>`,
      num(b.count ? b.correct : undefined),
      num(b.count ? b.found : undefined),
      num(b.count ? b.answerable : undefined),
    ]),
  );
}

function questionTable(questions: QuestionResult[], id: string): string {
  const failed = questions.filter((q) => !q.pass).length;
  // Failures first, in the set's order within each group.
  const ordered = [...questions.filter((q) => !q.pass), ...questions.filter((q) => q.pass)];
  const answerers = new Set(questions.map((q) => q.answerer)).size;
  const rows = ordered.map(
    (q) =>
      `<tr class="${q.pass ? "pass" : "fail"}">${[
        `<td class="v">${q.pass ? "✓" : "✗"}</td>`,
        cell(q.why),
        ...(answerers > 1 ? [cell(q.answerer)] : []),
        cell(q.id),
        cell(q.question),
        cell(q.answerable ? q.expected.join(" | ") : "(not found)"),
        cell(q.expectedArticle ?? ""),
        cell(q.scope ?? ""),
        cell(clip(q.answer)),
        cell(q.short ?? ""),
        num(q.confidence, 2),
        cell(q.cited.join(", ")),
        cell(q.heldOut ? (q.heldOut.found ? "answered" : "refused") : ""),
        cell([...(q.type ? [q.type] : []), ...q.tags].join(", ")),
      ].join("")}</tr>`,
  );
  const head = [
    "",
    "why",
    ...(answerers > 1 ? ["answerer"] : []),
    "id",
    "question",
    "expected",
    "expected article",
    "scope",
    "answer",
    "short",
    "confidence",
    "cited",
    "held out",
    "type, tags",
  ];
  return `<h3>Questions: ${failed} of ${questions.length} failed</h3>
<div class="filter" data-table="${id}"><input type="search" placeholder="filter: id, words, why…" aria-label="filter questions"><label><input type="checkbox"> failures only</label></div>
<div class="scroll"><table class="q" id="${id}"><thead><tr>${head.map((h) => `<th>${esc(h)}</th>`).join("")}</tr></thead><tbody>${rows.join("")}</tbody></table></div>`;
}

/** Answers can be paragraphs: the table shows their start, the JSON has them whole. */
function clip(s: string): string {
  return s.length > 400 ? `${s.slice(0, 400)}…` : s;
}

function esc(s: string): string {
  return s.replace(/[&<>"]/g, (c) => ({ "&": "&amp;", "<": "&lt;", ">": "&gt;", '"': "&quot;" })[c]!);
}

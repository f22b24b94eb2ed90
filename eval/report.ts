import type { EvalResult } from "./run.ts";

/** The figures as the console table, the same rows and columns as the HTML report. */
export function formatTable(result: EvalResult): string {
  const r = result.retrieval;
  const a = result.answers;
  const aname = Math.max(24, ...a.map((x) => x.answerer.length));
  const name = Math.max(...r.map((x) => x.pipeline.length), 8);
  const f = (x: number) => x.toFixed(3);
  const ms = (x: number) => x.toFixed(1).padStart(6);
  const lines = [
    `${result.set} · ${result.split} · ${result.store} index · ${r[0]?.questions ?? 0} answerable questions · ${result.corpus.articles} passages → ${result.corpus.chunks} chunks · indexed in ${result.corpus.indexSeconds} s`,
    "",
    `| ${"retrieval".padEnd(name)} | R@1   | R@5   | R@10  | MRR   | nDCG@10 | p50 ms | p95 ms |`,
    `|${"-".repeat(name + 2)}|-------|-------|-------|-------|---------|--------|--------|`,
    ...r.map(
      (x) =>
        `| ${x.pipeline.padEnd(name)} | ${f(x.r1)} | ${f(x.r5)} | ${f(x.r10)} | ${f(x.mrr)} | ${f(x.ndcg10).padEnd(7)} | ${ms(x.p50ms)} | ${ms(x.p95ms)} |`,
    ),
    "",
    `| ${"answers (full retrieval)".padEnd(aname)} | answerable | contains gold | token F1 | answered (recall) | unanswerable | refused | found precision | citations valid | grounded | p50 ms | p95 ms |`,
    `|${"-".repeat(aname + 2)}|------------|---------------|----------|-------------------|--------------|---------|-----------------|-----------------|----------|--------|--------|`,
    ...a.map(
      (x) =>
        `| ${x.answerer.padEnd(aname)} | ${String(x.answerable).padStart(10)} | ${f(x.containsGold).padEnd(13)} | ${f(x.tokenF1).padEnd(8)} | ${f(x.foundRate).padEnd(17)} | ${String(x.unanswerable).padStart(12)} | ${(x.unanswerable > 0 ? f(x.refusedRate) : "—").padEnd(7)} | ${f(x.foundPrecision).padEnd(15)} | ${f(x.citationValidity).padEnd(15)} | ${(x.groundedness === undefined ? "—" : f(x.groundedness)).padEnd(8)} | ${ms(x.p50ms)} | ${ms(x.p95ms)} |`,
    ),
  ];
  return lines.join("\n");
}

const COLOURS = { r1: "#0b7285", r5: "#1c7ed6", r10: "#91a7ff" } as const;

/** A self-contained HTML page: the tables and a bar chart of R@1/R@5/R@10 per pipeline and set. */
export function htmlReport(results: EvalResult[]): string {
  const sections = results.map((result) => {
    const rows = result.retrieval;
    const barH = 12;
    const groupH = barH * 3 + 10;
    const labelW = 230;
    const chartW = 420;
    const height = rows.length * groupH + 30;
    const bars = rows
      .map((row, i) => {
        const y = 20 + i * groupH;
        const metric = (key: keyof typeof COLOURS, j: number) => {
          const w = Math.round(row[key] * chartW);
          return `<rect x="${labelW}" y="${y + j * barH}" width="${w}" height="${barH - 2}" fill="${COLOURS[key]}"><title>${key.toUpperCase()} ${row[key].toFixed(3)}</title></rect><text x="${labelW + w + 4}" y="${y + j * barH + barH - 3}" font-size="10">${row[key].toFixed(3)}</text>`;
        };
        return `<text x="${labelW - 8}" y="${y + groupH / 2}" text-anchor="end" font-size="12">${escapeHtml(row.pipeline)}</text>${metric("r1", 0)}${metric("r5", 1)}${metric("r10", 2)}`;
      })
      .join("");
    const legend = Object.entries(COLOURS)
      .map(
        ([k, c], i) =>
          `<rect x="${labelW + i * 80}" y="2" width="10" height="10" fill="${c}"/><text x="${labelW + i * 80 + 14}" y="11" font-size="11">${k.toUpperCase().replace("R", "R@")}</text>`,
      )
      .join("");
    return `<section><h2>${escapeHtml(result.set)} · ${escapeHtml(result.split)} · ${escapeHtml(result.store)}</h2>
<svg width="${labelW + chartW + 60}" height="${height}" role="img" aria-label="recall per pipeline">${legend}${bars}</svg>
<pre>${escapeHtml(formatTable(result))}</pre></section>`;
  });
  return `<!doctype html><html lang="en"><head><meta charset="utf-8"><title>Goftogu evaluation</title>
<style>body{font-family:system-ui,sans-serif;margin:2rem;max-width:1100px}pre{background:#f6f8fa;padding:1rem;overflow:auto;direction:ltr}</style></head>
<body><h1>Goftogu evaluation</h1><p>${escapeHtml(results[0]?.createdAt ?? "")}</p>${sections.join("\n")}</body></html>`;
}

function escapeHtml(s: string): string {
  return s.replace(/[&<>"]/g, (c) => ({ "&": "&amp;", "<": "&lt;", ">": "&gt;", '"': "&quot;" })[c]!);
}

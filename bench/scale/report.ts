import { growthExponent } from "../../eval/metrics.ts";
import type { CorpusSummary } from "../../test/support/corpus.ts";
import type { ProbeRun } from "./probe.ts";
import type {
  IngestProbeResult,
  IngestProgress,
  Latency,
  PeerProbeResult,
  RetrievalProbeResult,
} from "./probe-results.ts";
import type { ServerFigures } from "../load/chat-load.ts";

/**
 * The scale benchmark's figures for one corpus size, and the markdown table that sets Goftogu
 * beside the peer with the issue's targets (issue 7: targets are for 100k articles on this
 * 2-core machine; at smaller sizes the marks say where things stand).
 */
export interface SizeResult {
  size: number;
  corpus?: Omit<CorpusSummary, "questions"> & { questions: number; generationS: number };
  ingest?: Omit<ProbeRun<IngestProbeResult>, "error" | "partial"> & { partial?: IngestProgress };
  indexMiB?: number;
  server?: ServerFigures;
  retrieval?: Omit<RetrievalProbeResult, "exact" | "hnswTop">;
  peer?: Omit<PeerProbeResult, "top"> & { recall: number; idRecall: number; overlapWithGoftogu: number };
  /**
   * 1-minute load average when the size started and ended: on a shared 2-core machine, anything
   * above ~1 besides the benchmark itself means the figures were measured under contention.
   */
  loadAverage?: { start: number; end: number };
  /**
   * `--store pgvector`: the throw-away server the size ran against, and its own memory (peak PSS
   * of its processes, MiB, while the index was built and while the Goftogu server was loaded),
   * which no RSS figure of the table includes.
   */
  postgres?: {
    version: string;
    pgvector: string;
    settings: Record<string, string | number>;
    hnswIndexMiB?: number;
    ingestPssMiB?: number;
    serverPssMiB?: number;
  };
  /** Why a stage has no figures: the peer did not fit, a child ran out of memory, … */
  missing: Record<string, string>;
}

interface Target {
  text: string;
  met: (r: SizeResult) => boolean | undefined;
}

export const TARGETS = {
  ingest: {
    text: "≥ 1,000 articles/s",
    met: (r) => (r.ingest?.result ? r.ingest.result.articles / r.ingest.result.seconds >= 1000 : undefined),
  },
  coldStart: { text: "≤ 5 s", met: (r) => (r.server ? r.server.coldStartS <= 5 : undefined) },
  latency: { text: "p95 ≤ 10 ms", met: (r) => (r.retrieval ? r.retrieval.hybrid.latency.p95 <= 10 : undefined) },
  recall: { text: "≥ 0.98", met: (r) => (r.retrieval ? r.retrieval.dense.recall >= 0.98 : undefined) },
  chat: { text: "≥ 500 req/s", met: (r) => (r.server ? r.server.chat.rps >= 500 : undefined) },
  memory: { text: "≤ 3 GB (3,072 MiB)", met: (r) => (r.server ? r.server.peakRssMiB <= 3072 : undefined) },
  publish: {
    text: "≤ 1,000 ms",
    met: (r) => (r.server?.publish ? r.server.publish.maxMs <= 1000 : undefined),
  },
} satisfies Record<string, Target>;

const n = (x: number, digits = 0) =>
  x.toLocaleString("en-US", { minimumFractionDigits: digits, maximumFractionDigits: digits });
const ms = (l: Latency) => `${n(l.p50, 2)} / ${n(l.p95, 2)} / ${n(l.p99, 2)}`;
const mark = (r: SizeResult, target: Target) =>
  ({ true: " ✓", false: " ✗", undefined: "" })[String(target.met(r)) as "true" | "false" | "undefined"];
const sizeName = (size: number) => (size >= 1000 && size % 1000 === 0 ? `${size / 1000}k` : String(size));

/** Goftogu's cell: the value and its target mark, or why there is none. */
function cell(
  r: SizeResult,
  stage: keyof SizeResult | "peer",
  value: () => string | undefined,
  target?: Target,
): string {
  const reason = r.missing[stage];
  let text: string | undefined;
  try {
    text = value();
  } catch {
    text = undefined;
  }
  if (text === undefined) return reason ? `— (${stage} failed, see notes)` : "—";
  return target ? text + mark(r, target) : text;
}

/** Which index the figures are of: the embedded one (INDEX_DIR) or PostgreSQL with pgvector. */
export type Store = "embedded" | "pgvector";

export function renderTable(results: SizeResult[], store: Store = "embedded"): string {
  // The few rows whose wording names the embedded index's machinery.
  const pgvector = store === "pgvector";
  type Row = [
    metric: string,
    target: string,
    cells: (r: SizeResult) => [goftogu: string, peer: string],
    /** The figure whose growth with N the last column shows. */
    grows?: (r: SizeResult) => number | undefined,
  ];
  const peer = (r: SizeResult, value: (p: NonNullable<SizeResult["peer"]>) => string) =>
    r.peer ? value(r.peer) : r.missing.peer ? "— (see notes)" : "—";
  const rows: Row[] = [
    [
      "articles · chunks (chunks/article)",
      "100k · ~500k (5)",
      (r) => [
        cell(r, "ingest", () => {
          const chunks = r.ingest?.result?.chunks ?? r.ingest?.partial?.chunks;
          return chunks === undefined ? undefined : `${n(r.size)} · ${n(chunks)} (${n(chunks / r.size, 2)})`;
        }),
        peer(r, (p) => `same ${n(p.chunks)} vectors`),
      ],
    ],
    [
      "ingest throughput: articles/s",
      TARGETS.ingest.text,
      (r) => [
        cell(
          r,
          "ingest",
          () => r.ingest?.result && n(r.ingest.result.articles / r.ingest.result.seconds),
          TARGETS.ingest,
        ),
        "— (given the vectors)",
      ],
      (r) => r.ingest?.result && r.ingest.result.articles / r.ingest.result.seconds,
    ],
    [
      "ingest throughput: chunks/s",
      "",
      (r) => [cell(r, "ingest", () => r.ingest?.result && n(r.ingest.result.chunks / r.ingest.result.seconds)), "—"],
    ],
    [
      "ingest time: prepare / embed / write (s)",
      "",
      (r) => [
        cell(r, "ingest", () =>
          r.ingest?.result
            ? `${n(r.ingest.result.phases.prepareS, 1)} / ${n(r.ingest.result.phases.embedS, 1)} / ${n(r.ingest.result.phases.writeS, 1)}`
            : r.ingest?.partial &&
              `${n(r.ingest.partial.prepareS, 1)} / failed after ${n(r.ingest.partial.elapsedS - r.ingest.partial.prepareS, 1)}`,
        ),
        "—",
      ],
      (r) => r.ingest?.result?.seconds,
    ],
    [
      "ingest peak RSS (MiB)",
      "",
      (r) => [cell(r, "ingest", () => r.ingest && n(r.ingest.peakRssMiB)), "—"],
      (r) => r.ingest?.peakRssMiB,
    ],
    [
      pgvector ? "corpus in the database: tables, indexes, TOAST (MiB)" : "index on disk (MiB)",
      "",
      (r) => [cell(r, "indexMiB", () => (r.indexMiB === undefined ? undefined : n(r.indexMiB))), "— (memory only)"],
      (r) => r.indexMiB,
    ],
    [
      pgvector
        ? "load: PgvectorCorpus.open in process / addVectors (s)"
        : "load: index open in process / addVectors (s)",
      "",
      (r) => [cell(r, "retrieval", () => r.retrieval && n(r.retrieval.openS, 2)), peer(r, (p) => n(p.loadS, 2))],
    ],
    [
      "cold start to ready: spawn → /api/health 200 (s)",
      TARGETS.coldStart.text,
      (r) => [cell(r, "server", () => r.server && n(r.server.coldStartS, 2), TARGETS.coldStart), "—"],
      (r) => r.server?.coldStartS,
    ],
    [
      "resident memory: server peak / after warm-up (MiB)",
      TARGETS.memory.text,
      (r) => [
        cell(
          r,
          "server",
          () => r.server && `${n(r.server.peakRssMiB)} / ${n(r.server.rssAfterWarmupMiB)}`,
          TARGETS.memory,
        ),
        peer(r, (p) => `${n(p.rssMiB)} process, +${n(p.heapGrowthMiB)} heap`),
      ],
      (r) => r.server?.peakRssMiB,
    ],
    [
      "retrieval p50 / p95 / p99 (ms): hybrid, k=10",
      TARGETS.latency.text,
      (r) => [cell(r, "retrieval", () => r.retrieval && ms(r.retrieval.hybrid.latency), TARGETS.latency), "—"],
      (r) => r.retrieval?.hybrid.latency.p95,
    ],
    [
      "vector search p50 / p95 / p99 (ms): k=10, query pre-embedded",
      "",
      (r) => [cell(r, "retrieval", () => r.retrieval && ms(r.retrieval.dense.latency)), peer(r, (p) => ms(p.latency))],
      (r) => r.retrieval?.dense.latency.p95,
    ],
    [
      "query embedding p50 / p95 / p99 (ms)",
      "",
      (r) => [cell(r, "retrieval", () => r.retrieval && ms(r.retrieval.embedQuery)), "—"],
    ],
    [
      pgvector ? "recall@10 vs exact search (hnsw.ef_search)" : "recall@10 vs exact search",
      TARGETS.recall.text,
      (r) => [
        cell(
          r,
          "retrieval",
          () => r.retrieval && `${n(r.retrieval.dense.recall, 3)} (ef ${r.retrieval.dense.ef})`,
          TARGETS.recall,
        ),
        peer(r, (p) => n(p.recall, 3)),
      ],
      (r) => r.retrieval?.dense.recall,
    ],
    [
      pgvector
        ? "pgvector HNSW recall@10 · search query p95 ms at other hnsw.ef_search"
        : "HNSW recall@10 · p95 ms at other ef, every segment on one thread",
      "",
      (r) => [
        cell(r, "retrieval", () =>
          r.retrieval?.efSweep.map((e) => `${e.ef}: ${n(e.recall, 3)} · ${n(e.latency.p95, 2)}`).join("; "),
        ),
        "—",
      ],
    ],
    [
      "top-10 overlap, Goftogu HNSW vs peer",
      "",
      // pgvector runs no peer: nothing failed, there is nothing to compare.
      (r) => [pgvector ? "—" : cell(r, "peer", () => r.peer && n(r.peer.overlapWithGoftogu, 3)), peer(r, () => "")],
    ],
    [
      "answering article in top 1 / top 10: hybrid",
      "",
      (r) => [
        cell(
          r,
          "retrieval",
          () => r.retrieval && `${n(r.retrieval.hybrid.hit1, 3)} / ${n(r.retrieval.hybrid.hit10, 3)}`,
        ),
        "—",
      ],
    ],
    [
      "… with exact vector search in place of HNSW · same top 10",
      "",
      (r) => [
        cell(
          r,
          "retrieval",
          () =>
            r.retrieval?.hybridExact &&
            `${n(r.retrieval.hybridExact.hit1, 3)} / ${n(r.retrieval.hybridExact.hit10, 3)} · ${n(r.retrieval.hybridExact.sameTop10, 3)}`,
        ),
        "—",
      ],
    ],
    [
      "answering article in top 10: vectors only",
      "",
      (r) => [cell(r, "retrieval", () => r.retrieval && n(r.retrieval.dense.hit10, 3)), peer(r, (p) => n(p.hit10, 3))],
    ],
    [
      "POST /api/search req/s (p50 / p99 ms)",
      "",
      (r) => [
        cell(
          r,
          "server",
          () => r.server && `${n(r.server.search.rps)} (${r.server.search.p50} / ${r.server.search.p99})`,
        ),
        "—",
      ],
      (r) => r.server?.search.rps,
    ],
    [
      "POST /api/chat req/s (p50 / p99 ms): every answer written",
      TARGETS.chat.text,
      (r) => [
        cell(
          r,
          "server",
          () => r.server && `${n(r.server.chat.rps)} (${r.server.chat.p50} / ${r.server.chat.p99})`,
          TARGETS.chat,
        ),
        "—",
      ],
      (r) => r.server?.chat.rps,
    ],
    [
      "… the same questions asked again: answers kept",
      "",
      (r) => [
        cell(
          r,
          "server",
          () =>
            r.server?.chatKept && `${n(r.server.chatKept.rps)} (${r.server.chatKept.p50} / ${r.server.chatKept.p99})`,
        ),
        "—",
      ],
    ],
    [
      "publishing: PUT → first in /api/search, p50 / max (ms)",
      TARGETS.publish.text,
      (r) => [
        cell(
          r,
          "server",
          () => r.server?.publish && `${n(r.server.publish.p50Ms)} / ${n(r.server.publish.maxMs)}`,
          TARGETS.publish,
        ),
        "—",
      ],
      (r) => r.server?.publish?.maxMs,
    ],
    [
      "HTTP non-2xx / errors / timeouts: search · chat · kept",
      "0",
      (r) => [
        cell(
          r,
          "server",
          () =>
            r.server &&
            [r.server.search, r.server.chat, r.server.chatKept]
              .filter((h) => h !== undefined)
              .map((h) => `${h.non2xx}/${h.errors}/${h.timeouts}`)
              .join(" · "),
        ),
        "—",
      ],
    ],
  ];
  const header = [
    "metric",
    "target (100k)",
    ...results.flatMap((r) => [
      `${sizeName(r.size)} Goftogu${pgvector ? " (pgvector)" : ""}`,
      `${sizeName(r.size)} MemoryVectorStore`,
    ]),
    "Goftogu growth (∝ N^k)",
  ];
  const lines = [`| ${header.join(" | ")} |`, `|${header.map(() => "---").join("|")}|`];
  for (const [metric, target, cells, grows] of rows) {
    const k =
      grows &&
      growthExponent(
        results.flatMap((r) => {
          let value: number | undefined;
          try {
            value = grows(r);
          } catch {
            value = undefined;
          }
          return value === undefined ? [] : [{ size: r.size, value }];
        }),
      );
    const growth = k === undefined ? "—" : `N^${k.toFixed(2)}`;
    lines.push(`| ${[metric, target, ...results.flatMap((r) => cells(r)), growth].join(" | ")} |`);
  }
  return lines.join("\n");
}

/** Which targets each size meets, and why stages are missing. */
export function renderNotes(results: SizeResult[]): string {
  const lines: string[] = [];
  for (const r of results) {
    const marks = Object.entries(TARGETS).map(([name, t]) => [name, t.met(r)] as const);
    const met = marks.filter(([, m]) => m === true).map(([name]) => name);
    const missed = marks.filter(([, m]) => m === false).map(([name]) => name);
    const unknown = marks.filter(([, m]) => m === undefined).map(([name]) => name);
    lines.push(
      `- ${sizeName(r.size)}: targets met ${met.length}/${marks.length}${met.length ? ` (${met.join(", ")})` : ""}${missed.length ? `; missed: ${missed.join(", ")}` : ""}${unknown.length ? `; not measured: ${unknown.join(", ")}` : ""}.`,
    );
    if (r.loadAverage)
      lines.push(
        `  - machine load average (1 min): ${r.loadAverage.start.toFixed(2)} at the start, ${r.loadAverage.end.toFixed(2)} at the end of this size.`,
      );
    if (r.server?.rebuiltOnStart)
      lines.push(
        `  - the server's first start rebuilt the index (${r.server.rebuiltOnStart}: code under ingest/ or core/ changed during the run); the cold start is a second start's.`,
      );
    if (r.postgres) {
      const p = r.postgres;
      const settings = Object.entries(p.settings)
        .map(([k, v]) => `${k} ${v}`)
        .join(", ");
      lines.push(
        `  - PostgreSQL ${p.version}, pgvector ${p.pgvector || "?"} (${settings}); the HNSW index is ${p.hnswIndexMiB === undefined ? "?" : n(p.hnswIndexMiB, 1)} MiB.`,
      );
      if (p.ingestPssMiB !== undefined || p.serverPssMiB !== undefined)
        lines.push(
          `  - PostgreSQL's own memory, not in the RSS rows (peak PSS of its processes): ${p.ingestPssMiB === undefined ? "?" : n(p.ingestPssMiB)} MiB while the index was built, ${p.serverPssMiB === undefined ? "?" : n(p.serverPssMiB)} MiB while the server was loaded.`,
        );
      if (r.retrieval?.denseIndexUsed === false)
        lines.push(
          "  - PostgreSQL's plan for a vector search does not use the HNSW index at this size (it scans and sorts every row): recall is exact search's, not the graph's.",
        );
    }
    for (const [stage, why] of Object.entries(r.missing)) lines.push(`  - ${stage}: ${why}`);
  }
  return lines.join("\n");
}

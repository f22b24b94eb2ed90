import type { ProbeRun } from "./probe.ts";
import type { IngestProbeResult, IngestProgress } from "./probe-results.ts";
import type { SizeResult } from "./report.ts";

/** What the scale table reports of an ingest probe's run (ingest-probe.ts), for either store. */

/** What the table reports of an ingest probe's run, finished or not. */
export function ingestFigures(ingest: ProbeRun<IngestProbeResult>): NonNullable<SizeResult["ingest"]> {
  return {
    ...(ingest.result && { result: ingest.result }),
    ...(ingest.partial !== undefined && { partial: ingest.partial as IngestProgress }),
    wallMs: Math.round(ingest.wallMs),
    peakRssMiB: ingest.peakRssMiB,
  };
}

/** Why an ingest probe gave no result, and how far it had got (`writing`: its last stage's name). */
export function ingestFailure(ingest: ProbeRun<IngestProbeResult>, writing: string): string {
  const p = ingest.partial as IngestProgress | undefined;
  const reached = p
    ? `; it had prepared ${p.chunks} chunks in ${p.prepareS} s and ${p.stage === "embed" ? `embedded ${p.embedded} of them` : `embedded them all, and was ${writing}`} by ${p.elapsedS} s`
    : "";
  return `index build ${ingest.error} after ${Math.round(ingest.wallMs / 10) / 100} s, peak RSS ${ingest.peakRssMiB} MiB${reached}`;
}

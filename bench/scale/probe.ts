import { spawn } from "node:child_process";
import { writeFileSync } from "node:fs";
import { readFile, writeFile } from "node:fs/promises";
import path from "node:path";

/**
 * Runs a measurement in its own Node process, so its memory is its own and one size's heap never
 * inflates the next one's figures. The child writes its result as JSON to the file named by
 * BENCH_RESULT (stdout stays free for whatever the code under test prints); the parent samples
 * the child's peak RSS from /proc while it runs, which still gives a figure when the child is
 * killed for running out of memory.
 */
export const ROOT = path.resolve(import.meta.dirname, "../..");

export interface ProbeRun<T> {
  result?: T;
  /** Why there is no result: the child's exit and the last meaningful line of its stderr. */
  error?: string;
  /** What the child reported last before it failed (see `reportProgress`). */
  partial?: unknown;
  wallMs: number;
  /** Peak resident memory of the child (VmHWM), MiB. */
  peakRssMiB: number;
}

export interface ProbeOptions {
  env: Record<string, string>;
  /** Extra flags for node, e.g. a larger heap for a measuring tool or --cpu-prof. */
  nodeFlags?: string[];
  /** Where the result file goes. */
  work: string;
  /** Prefix of the child's stderr lines on ours. */
  label: string;
}

export async function runProbe<T>(script: string, options: ProbeOptions): Promise<ProbeRun<T>> {
  const resultFile = path.join(options.work, `${path.basename(script, ".ts")}-${Date.now()}.json`);
  const started = performance.now();
  const child = spawn(process.execPath, [...(options.nodeFlags ?? []), "--import", "tsx", path.join(ROOT, script)], {
    cwd: ROOT,
    env: { PATH: process.env.PATH, ...options.env, BENCH_RESULT: resultFile },
    stdio: ["ignore", "ignore", "pipe"],
  });
  let peakRssMiB = 0;
  const sample = async () => {
    peakRssMiB = Math.max(peakRssMiB, await statusMiB(child.pid!, "VmHWM"));
  };
  const sampler = setInterval(() => void sample(), 200);
  let tail = "";
  let partial = "";
  child.stderr!.on("data", (data: Buffer) => {
    const text = partial + data.toString("utf8");
    const lines = text.split("\n");
    partial = lines.pop() ?? "";
    for (const line of lines) process.stderr.write(`  ${options.label}: ${line}\n`);
    tail = (tail + data.toString("utf8")).slice(-2000);
  });
  const [code, signal] = await new Promise<[number | null, NodeJS.Signals | null]>((resolve) =>
    child.once("exit", (c, s) => resolve([c, s])),
  );
  clearInterval(sampler);
  const wallMs = performance.now() - started;
  try {
    const result = JSON.parse(await readFile(resultFile, "utf8")) as T;
    return { result, wallMs, peakRssMiB };
  } catch {
    const partial = await readFile(`${resultFile}.progress`, "utf8").then(
      (t) => JSON.parse(t) as unknown,
      () => undefined,
    );
    return {
      error: `exited with ${signal ?? code}${cause(tail) ? `: ${cause(tail)}` : ""}`,
      wallMs,
      peakRssMiB,
      ...(partial !== undefined && { partial }),
    };
  }
}

/** V8's "FATAL ERROR: …" line when it ran out of memory, else the last line that is not a stack frame. */
function cause(stderr: string): string {
  const lines = stderr
    .split("\n")
    .map((l) => l.trim())
    .filter((l) => l && !/^\d+: 0x|^at |^-+|^<---|^\[\d+:0x/.test(l));
  return lines.find((l) => l.startsWith("FATAL ERROR")) ?? lines[lines.length - 1] ?? "";
}

/**
 * In the child: what it has measured so far, kept if it dies before `reportResult` (out of
 * memory at 100k, say). Written synchronously: the next allocation may be the one that fails.
 */
export function reportProgress(value: unknown): void {
  const file = process.env.BENCH_RESULT;
  if (file) writeFileSync(`${file}.progress`, JSON.stringify(value));
}

/** In the child: hands the result to the parent. */
export async function reportResult(value: unknown): Promise<void> {
  const file = process.env.BENCH_RESULT;
  if (!file) throw new Error("BENCH_RESULT is not set: this script is started by bench/scale/run.ts");
  await writeFile(file, JSON.stringify(value));
}

/** In the child: a required environment variable. */
export function requireEnv(name: string): string {
  const value = process.env[name];
  if (!value) throw new Error(`${name} is not set: this script is started by bench/scale/run.ts`);
  return value;
}

/** p50/p95/p99 of durations in ms, rounded to 0.01 ms. */
export function percentiles(values: number[]): { p50: number; p95: number; p99: number; mean: number } {
  const sorted = [...values].sort((a, b) => a - b);
  const at = (q: number) => sorted[Math.min(sorted.length - 1, Math.ceil(q * sorted.length) - 1)] ?? Number.NaN;
  const round = (x: number) => Math.round(x * 100) / 100;
  const mean = sorted.reduce((a, b) => a + b, 0) / Math.max(1, sorted.length);
  return { p50: round(at(0.5)), p95: round(at(0.95)), p99: round(at(0.99)), mean: round(mean) };
}

/** This process's memory now (`MemoryFigures` in probe-results.ts): resident, V8's heap, and what V8 knows of outside it. */
export function memoryFigures(): { rssMiB: number; heapUsedMiB: number; externalMiB: number } {
  const m = process.memoryUsage();
  return {
    rssMiB: Math.round(m.rss / 2 ** 20),
    heapUsedMiB: Math.round(m.heapUsed / 2 ** 20),
    externalMiB: Math.round(m.external / 2 ** 20),
  };
}

/** Resident memory of a process now, MiB (0 when it is gone). */
export function rssMiB(pid: number = process.pid): Promise<number> {
  return statusMiB(pid, "VmRSS");
}

/** A memory line of /proc/PID/status (VmRSS now, VmHWM the peak), MiB; 0 when the process is gone. */
export async function statusMiB(pid: number, field: "VmRSS" | "VmHWM"): Promise<number> {
  const status = await readFile(`/proc/${pid}/status`, "utf8").catch(() => "");
  return Math.round(Number(new RegExp(`${field}:\\s+(\\d+)`).exec(status)?.[1] ?? 0) / 1024);
}

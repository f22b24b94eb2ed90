import { readFile } from "node:fs/promises";
import path from "node:path";
import { parseArgs } from "node:util";

/**
 * `tsx bench/tools/cpu-profile.ts FILE.cpuprofile [--top 25]`: where a V8 CPU profile spent its time,
 * by self time per project file or package, and per function. For the profiles
 * `BENCH_CPU_PROFILE=DIR npm run bench` (or `node --cpu-prof`) writes.
 */
interface ProfileNode {
  id: number;
  callFrame: { functionName: string; url: string; lineNumber: number };
  children?: number[];
}

interface CpuProfile {
  nodes: ProfileNode[];
  samples: number[];
  timeDeltas: number[];
}

const ROOT = path.resolve(import.meta.dirname, "../..");

export function summarize(profile: CpuProfile, top = 25): string {
  const nodes = new Map(profile.nodes.map((n) => [n.id, n]));
  const selfUs = new Map<number, number>();
  profile.samples.forEach((id, i) => selfUs.set(id, (selfUs.get(id) ?? 0) + (profile.timeDeltas[i] ?? 0)));
  const total = [...selfUs.values()].reduce((a, b) => a + b, 0);
  const byPlace = new Map<string, number>();
  const byFunction = new Map<string, number>();
  for (const [id, us] of selfUs) {
    const frame = nodes.get(id)!.callFrame;
    const file = where(frame.url);
    const place = file.startsWith("node_modules/")
      ? file
          .split("/")
          .slice(0, file.split("/")[1]!.startsWith("@") ? 3 : 2)
          .join("/")
      : file || "(native, GC, idle)";
    byPlace.set(place, (byPlace.get(place) ?? 0) + us);
    const name = `${frame.functionName || "(anonymous)"}  ${file ? `${file}:${frame.lineNumber + 1}` : ""}`;
    byFunction.set(name, (byFunction.get(name) ?? 0) + us);
  }
  const list = (m: Map<string, number>) =>
    [...m]
      .sort((a, b) => b[1] - a[1])
      .slice(0, top)
      .map(([k, us]) => `${(us / 1e6).toFixed(2).padStart(8)} s ${((100 * us) / total).toFixed(1).padStart(5)} %  ${k}`)
      .join("\n");
  return `${(total / 1e6).toFixed(2)} s sampled\n\nself time by file or package:\n${list(byPlace)}\n\nself time by function:\n${list(byFunction)}`;
}

function where(url: string): string {
  if (!url) return "";
  const file = url.startsWith("file://") ? new URL(url).pathname : url;
  const nm = file.lastIndexOf("node_modules/");
  if (nm >= 0) return file.slice(nm);
  return file.startsWith(ROOT) ? path.relative(ROOT, file) : file;
}

if (import.meta.url === `file://${process.argv[1]}`) {
  const { values, positionals } = parseArgs({
    allowPositionals: true,
    options: { top: { type: "string", default: "25" } },
  });
  for (const file of positionals) {
    console.log(
      `# ${file}\n${summarize(JSON.parse(await readFile(file, "utf8")) as CpuProfile, Number(values.top))}\n`,
    );
  }
}

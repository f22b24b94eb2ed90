import autocannon from "autocannon";
import { readFile } from "node:fs/promises";
import { parseArgs } from "node:util";

/**
 * `npx tsx bench/tools/chat-cpu.ts --pid PID --questions FILE [--url http://127.0.0.1:3000] [--seconds 10]`:
 * loads `/api/chat` of a running server (every answer written: `Cache-Control: no-cache`) with
 * the bench's questions, 50 connections, and prints req/s and latency with what each request
 * cost the server in CPU: the whole process, and its main thread (Linux, from /proc). Where the
 * main thread's share is most of the whole, it is the bottleneck; where the whole is, the cores
 * are. How WORKERS was chosen (docs/benchmarks.md, "Answer threads").
 *
 * Start the server with RATE_LIMIT_PER_MINUTE=0 on a kept bench index (`BENCH_KEEP=1 npm run
 * bench`): ARTICLES_DIR=DIR/articles INDEX_DIR=DIR/index; the questions are DIR/probe/questions.json.
 */
function usage(problem: string): never {
  console.error(`chat-cpu: ${problem}`);
  console.error(
    "usage: npx tsx bench/tools/chat-cpu.ts --pid PID --questions FILE [--url http://127.0.0.1:3000] [--seconds 10] [--warmup 5]",
  );
  process.exit(2);
}

const { values } = parseArgs({
  options: {
    pid: { type: "string" },
    questions: { type: "string" },
    url: { type: "string", default: "http://127.0.0.1:3000" },
    seconds: { type: "string", default: "10" },
    warmup: { type: "string", default: "5" },
    connections: { type: "string", default: "50" },
  },
});
const pid = Number(values.pid);
if (!Number.isInteger(pid) || pid <= 0) usage(`--pid takes the server's process id, not "${values.pid ?? ""}"`);
if (!values.questions) usage("--questions is required: a kept bench's probe/questions.json");
const [seconds, warmup, connections] = [values.seconds, values.warmup, values.connections].map(Number) as [
  number,
  number,
  number,
];
if (!(seconds > 0 && warmup >= 0 && Number.isInteger(connections) && connections > 0))
  usage("--seconds, --warmup and --connections take positive numbers");

const questions = (JSON.parse(await readFile(values.questions, "utf8")) as Array<{ question: string }>).map(
  (q) => q.question,
);

/** CPU seconds (user + system) from a /proc stat file: fields 14 and 15, after the command's ")". */
async function cpuSeconds(file: string): Promise<number> {
  const stat = await readFile(file, "utf8");
  const fields = stat.slice(stat.lastIndexOf(")") + 2).split(" ");
  return (Number(fields[11]) + Number(fields[12])) / 100;
}

function load(duration: number): Promise<autocannon.Result> {
  let next = 0;
  return autocannon({
    url: `${values.url}/api/chat`,
    method: "POST",
    connections,
    duration,
    headers: { "content-type": "application/json", "cache-control": "no-cache" },
    requests: [
      {
        setupRequest: (req) => ({ ...req, body: JSON.stringify({ question: questions[next++ % questions.length] }) }),
      },
    ],
  });
}

if (warmup > 0) await load(warmup);
const whole = `/proc/${pid}/stat`;
const main = `/proc/${pid}/task/${pid}/stat`;
const before = [await cpuSeconds(whole), await cpuSeconds(main)];
const result = await load(seconds);
const after = [await cpuSeconds(whole), await cpuSeconds(main)];
const perRequest = (i: number) => (((after[i]! - before[i]!) * 1000) / result.requests.total).toFixed(2);
console.log(
  `${Math.round(result.requests.average)} req/s (p50 ${result.latency.p50} ms, p99 ${result.latency.p99} ms, non-2xx ${result.non2xx}, errors ${result.errors}) · server CPU a request: ${perRequest(0)} ms, main thread ${perRequest(1)} ms`,
);

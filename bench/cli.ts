import { parseArgs } from "node:util";
import { runCorpusFuzzBench } from "./load/corpus-fuzz.ts";
import { runLoad } from "./load/run.ts";
import { runScale } from "./scale/run.ts";

const USAGE = `usage: npm run bench -- [scenario] [options]
  scale    (default) ingest, retrieval and HTTP figures at 1k and 10k articles; --sizes 1000,10000,100000, --json FILE,
           --store embedded (default) or pgvector (a throw-away PostgreSQL 15 server with pgvector per size)
  load     the production scenario against the real server: load, fuzz, faults, a large publication; --seconds 60, --connections 50
  publish  the large publication alone, with readers asking meanwhile
  fuzz     hostile and unlucky articles ingested, published and asked about; --seed N`;

const SCENARIOS = ["scale", "load", "publish", "fuzz"] as const;
type Scenario = (typeof SCENARIOS)[number];

/**
 * `npm run bench -- <scenario>`: one entry point for every benchmark (see USAGE). The flags of
 * earlier versions (`--load`, `--load --only publish`, `--fuzz`) still choose their scenario, so
 * the commands quoted beside figures in docs/benchmarks.md still run.
 */
async function main(): Promise<void> {
  const { values, positionals } = parseArgs({
    allowPositionals: true,
    options: {
      load: { type: "boolean", default: false },
      seconds: { type: "string", default: "60" },
      connections: { type: "string", default: "50" },
      sizes: { type: "string", default: "1000,10000" },
      json: { type: "string" },
      store: { type: "string" },
      only: { type: "string" },
      fuzz: { type: "boolean", default: false },
      seed: { type: "string", default: "20261204" },
      help: { type: "boolean", short: "h", default: false },
    },
  });
  if (values.help) return console.log(USAGE);
  if (positionals.length > 1) throw new Error(`one scenario at a time, not "${positionals.join(" ")}"\n${USAGE}`);
  if (values.only !== undefined && !(values.load && values.only === "publish"))
    throw new Error(`--only takes "publish", with --load, not "${values.only}"`);
  const named =
    positionals[0] ?? (values.fuzz ? "fuzz" : values.load ? (values.only === "publish" ? "publish" : "load") : "scale");
  if (!(SCENARIOS as readonly string[]).includes(named)) throw new Error(`no scenario "${named}"\n${USAGE}`);
  const scenario = named as Scenario;
  if (values.store !== undefined && scenario !== "scale")
    throw new Error(`--store applies to the scale scenario, not to "${scenario}"`);

  if (scenario === "fuzz") {
    const seed = Number(values.seed);
    if (!Number.isInteger(seed)) throw new Error(`--seed must be a whole number, not "${values.seed}"`);
    return runCorpusFuzzBench({ seed });
  }
  if (scenario === "scale") {
    const sizes = values.sizes.split(",").map((s) => Number(s.trim()));
    if (sizes.some((n) => !(Number.isInteger(n) && n > 0)))
      throw new Error(`--sizes must be positive whole numbers separated by commas, not "${values.sizes}"`);
    const store = values.store ?? "embedded";
    if (store !== "embedded" && store !== "pgvector")
      throw new Error(`--store must be "embedded" or "pgvector", not "${store}"`);
    return runScale({ sizes, store, ...(values.json && { json: values.json }) });
  }
  const seconds = Number(values.seconds);
  const connections = Number(values.connections);
  if (!(seconds > 0 && Number.isInteger(connections) && connections > 0))
    throw new Error("--seconds and --connections must be positive numbers");
  return runLoad({ seconds, connections, ...(scenario === "publish" && { only: "publish" as const }) });
}

main().catch((err: unknown) => {
  console.error(`bench failed: ${err instanceof Error ? err.message : String(err)}`);
  process.exitCode = 1;
});

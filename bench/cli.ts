import { parseArgs } from "node:util";
import { runCorpusFuzzBench } from "./corpus-fuzz.ts";
import { runLoad } from "./load.ts";
import { runScale } from "./scale.ts";

/**
 * `npm run bench`: the scale benchmark (bench/scale.ts) at 1k and 10k articles, `--sizes` to
 * choose others (`--sizes 1000,10000,100000`).
 * `npm run bench -- --load [--seconds 60] [--connections 50]`: the production scenario
 * (bench/load.ts): load, fuzz, faults and a large publication against the real server;
 * `npm run bench -- --load --only publish`: the publication alone (bench/publish.ts).
 * `npm run bench -- --fuzz [--seed N]`: hostile and unlucky articles ingested, published and
 * asked about on the real server (bench/corpus-fuzz.ts).
 */
async function main(): Promise<void> {
  const { values } = parseArgs({
    options: {
      load: { type: "boolean", default: false },
      seconds: { type: "string", default: "60" },
      connections: { type: "string", default: "50" },
      sizes: { type: "string", default: "1000,10000" },
      json: { type: "string" },
      only: { type: "string" },
      fuzz: { type: "boolean", default: false },
      seed: { type: "string", default: "20261204" },
    },
  });
  if (values.fuzz) {
    const seed = Number(values.seed);
    if (!Number.isInteger(seed)) throw new Error(`--seed must be a whole number, not "${values.seed}"`);
    await runCorpusFuzzBench({ seed });
    return;
  }
  const seconds = Number(values.seconds);
  const connections = Number(values.connections);
  if (!(seconds > 0 && Number.isInteger(connections) && connections > 0)) throw new Error("--seconds and --connections must be positive numbers");
  if (values.only !== undefined && !(values.load && values.only === "publish")) throw new Error(`--only takes "publish", with --load, not "${values.only}"`);
  if (values.load) {
    await runLoad({ seconds, connections, ...(values.only === "publish" && { only: values.only }) });
    return;
  }
  const sizes = values.sizes.split(",").map((s) => Number(s.trim()));
  if (sizes.some((n) => !(Number.isInteger(n) && n > 0))) throw new Error(`--sizes must be positive whole numbers separated by commas, not "${values.sizes}"`);
  await runScale({ sizes, ...(values.json && { json: values.json }) });
}

main().catch((err: unknown) => {
  console.error(`bench failed: ${err instanceof Error ? err.message : String(err)}`);
  process.exitCode = 1;
});

import { parseArgs } from "node:util";
import { runLoad } from "./load.ts";

/** `npm run bench -- --load [--seconds 60] [--connections 50]`: see bench/load.ts. */
async function main(): Promise<void> {
  const { values } = parseArgs({ options: { load: { type: "boolean", default: false }, seconds: { type: "string", default: "60" }, connections: { type: "string", default: "50" } } });
  if (!values.load) throw new Error("choose a scenario: --load (more scenarios come with the scale benchmark)");
  const seconds = Number(values.seconds);
  const connections = Number(values.connections);
  if (!(seconds > 0 && Number.isInteger(connections) && connections > 0)) throw new Error("--seconds and --connections must be positive numbers");
  await runLoad({ seconds, connections });
}

main().catch((err: unknown) => {
  console.error(`bench failed: ${err instanceof Error ? err.message : String(err)}`);
  process.exitCode = 1;
});

import { fileURLToPath } from "node:url";
import path from "node:path";
import { Worker } from "node:worker_threads";

/**
 * Starts a worker thread on a module beside the caller (`sibling` without its extension):
 * `./build-worker` from server/main.ts. Works whether the project runs from TypeScript under tsx
 * or from compiled JavaScript.
 *
 * **NOTE:** on Node 20 a worker does not inherit the main thread's loader hooks, so under tsx
 * the worker registers tsx's loader itself before it imports the TypeScript module.
 */
export function startWorker(from: string, sibling: string, workerData: unknown): Worker {
  const self = fileURLToPath(from);
  const entry = new URL(`${sibling}${path.extname(self)}`, from).href;
  const code = self.endsWith(".ts")
    ? `import { register } from ${JSON.stringify(import.meta.resolve("tsx/esm/api"))}; register(); await import(${JSON.stringify(entry)});`
    : `await import(${JSON.stringify(entry)});`;
  return new Worker(new URL(`data:text/javascript,${encodeURIComponent(code)}`), { workerData });
}

import { parentPort, workerData } from "node:worker_threads";
import { buildStore, type StoreBuildOptions } from "../ingest/store.ts";

/**
 * `buildStore` (the embedded index, or PostgreSQL with VECTOR_STORE=pgvector) on a worker
 * thread, started by server/main.ts. Building is CPU-bound for seconds to minutes (embedding
 * every chunk), and on the main thread it would stall the event loop, so `/api/health` could
 * not even say "loading". Log lines and the summary go back as messages; a
 * failure surfaces as the worker's `error` event.
 */
const port = parentPort!;
const options = workerData as Omit<StoreBuildOptions, "log" | "onProgress">;
const summary = await buildStore({ ...options, log: (msg) => port.postMessage({ type: "log", msg }) });
port.postMessage({ type: "done", summary });

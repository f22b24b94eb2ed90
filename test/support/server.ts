import { spawn, type ChildProcess } from "node:child_process";
import { readFileSync } from "node:fs";
import path from "node:path";

/**
 * The real server (`server/main.ts`, as `npm start` runs it) in a child process on a free
 * loopback port: what the end-to-end tests and `npm run bench -- --load` start.
 */
export interface RunningServer {
  child: ChildProcess;
  /** http://127.0.0.1:PORT */
  url: string;
  /** The server's JSON log lines so far, except the one line per request (there are millions under load). */
  logs: Array<Record<string, unknown>>;
  /** Resolves when the index is loaded and the whole API answers ("Goftogu listening on …"). */
  ready: Promise<void>;
  /** Exit code; listened for from the start, as a killed server may be gone before anyone asks. */
  exited: Promise<number | null>;
}

export interface StartOptions {
  /**
   * "ready" (the default) resolves once the index is loaded; "open" as soon as the socket
   * accepts connections, while `/api/health` still answers 503.
   */
  until?: "open" | "ready";
  /** How long to wait for it; 30 s by default. */
  timeoutMs?: number;
}

const ROOT = path.resolve(import.meta.dirname, "../..");

/**
 * Node's arguments for the server, read from `npm start` in package.json (heap limit included),
 * so that the tests and benchmarks start exactly what `npm start` does (server/start.mjs).
 */
export const START_ARGS: readonly string[] = (() => {
  const pkg = JSON.parse(readFileSync(path.join(ROOT, "package.json"), "utf8")) as { scripts: { start: string } };
  const [command, ...args] = pkg.scripts.start.trim().split(/\s+/);
  if (command !== "node") throw new Error(`npm start runs ${command}, not node`);
  return args;
})();

/** Starts the server as `npm start` does, with `env` over a minimal environment, on a free loopback port. */
export async function startServer(env: Record<string, string>, options: StartOptions = {}): Promise<RunningServer> {
  const child = spawn(process.execPath, START_ARGS, {
    cwd: ROOT,
    env: { PATH: process.env.PATH, PORT: "0", HOST: "127.0.0.1", ...env },
    stdio: ["ignore", "pipe", "pipe"],
  });
  const exited = new Promise<number | null>((resolve) => child.once("exit", (code) => resolve(code)));
  const logs: Array<Record<string, unknown>> = [];
  let stderr = "";
  // Only the end is worth showing, and the pipe must be drained or the server stalls.
  child.stderr!.on("data", (d) => (stderr = (stderr + d).slice(-10_000)));
  let open!: (url: string) => void;
  let ready!: () => void;
  const opened = new Promise<string>((resolve) => (open = resolve));
  const readied = new Promise<void>((resolve) => (ready = resolve));
  let buffer = "";
  child.stdout!.on("data", (data) => {
    buffer += data;
    let newline: number;
    while ((newline = buffer.indexOf("\n")) >= 0) {
      const line = buffer.slice(0, newline);
      buffer = buffer.slice(newline + 1);
      if (line.includes('"msg":"request"')) continue;
      let entry: Record<string, unknown>;
      try {
        entry = JSON.parse(line) as Record<string, unknown>;
      } catch {
        continue; // npm's own banner lines, if any
      }
      logs.push(entry);
      if (typeof entry.url === "string" && /^accepting connections/.test(String(entry.msg)))
        open(entry.url.replace("localhost", "127.0.0.1"));
      if (/^Goftogu listening on /.test(String(entry.msg))) ready();
    }
  });
  const timeoutMs = options.timeoutMs ?? 30_000;
  const failed = new Promise<never>((_, reject) => {
    const timer = setTimeout(
      () => reject(new Error(`server was not ${options.until ?? "ready"} within ${timeoutMs / 1000} s: ${stderr}`)),
      timeoutMs,
    );
    void (options.until === "open" ? opened : readied).then(() => clearTimeout(timer));
    void exited.then((code) => {
      clearTimeout(timer);
      reject(new Error(`server exited with ${code}: ${stderr}`));
    });
  });
  failed.catch(() => {});
  const url = await Promise.race([opened, failed]);
  if (options.until !== "open") await Promise.race([readied, failed]);
  return { child, url, logs, ready: readied, exited };
}

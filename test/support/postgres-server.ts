import { execFile } from "node:child_process";
import { existsSync } from "node:fs";
import { chmod, chown, mkdtemp, rm } from "node:fs/promises";
import { createServer } from "node:net";
import { tmpdir, userInfo } from "node:os";
import path from "node:path";
import { promisify } from "node:util";

/**
 * A real PostgreSQL 15 server with pgvector, thrown away after the tests: `initdb` in a temporary
 * directory, a free loopback port, `fsync` off (nothing in it outlives the test file). Debian's
 * `postgresql-15` provides the server; `../shared/vendor/build-pgvector.sh` builds pgvector
 * into it. PostgreSQL refuses to run as root, so under root it runs as the `postgres` user.
 */
const BIN = process.env.PG_BIN ?? "/usr/lib/postgresql/15/bin";
const EXTENSION = process.env.PG_EXTENSION_DIR ?? "/usr/share/postgresql/15/extension";
const run = promisify(execFile);

export interface PostgresServer {
  /** postgres://goftogu@127.0.0.1:PORT/postgres, the superuser: it can create the vector extension. */
  url: string;
  stop(): Promise<void>;
}

/** Why no real PostgreSQL can be started here, with what to install; undefined when one can. */
export function postgresMissing(): string | undefined {
  if (!existsSync(path.join(BIN, "initdb")) || !existsSync(path.join(BIN, "pg_ctl")))
    return `needs PostgreSQL 15 in ${BIN} (apt-get install -y postgresql-15)`;
  if (!existsSync(path.join(EXTENSION, "vector.control")))
    return `needs pgvector in PostgreSQL 15 (sh ../shared/vendor/build-pgvector.sh)`;
  return undefined;
}

export interface PostgresServerOptions {
  /**
   * More server settings, `-c name=value` after the defaults (so they win): the tests' small
   * server is the default, a benchmark wants memory (e.g. `{ shared_buffers: "1GB" }`).
   */
  settings?: Record<string, string | number>;
}

export async function startPostgresServer(options: PostgresServerOptions = {}): Promise<PostgresServer> {
  const missing = postgresMissing();
  if (missing) throw new Error(`Cannot start PostgreSQL: it ${missing}`);
  const dir = await mkdtemp(path.join(tmpdir(), "goftogu-postgres-"));
  const asRoot = userInfo().uid === 0;
  // initdb and the server run as `postgres` when we are root; the directory must be theirs.
  const owner = asRoot ? await postgresUser() : undefined;
  if (owner) {
    await chown(dir, owner.uid, owner.gid);
    await chmod(dir, 0o700);
  }
  const pg = (tool: string, args: string[]) =>
    owner
      ? run("runuser", ["-u", "postgres", "--", path.join(BIN, tool), ...args], { cwd: dir })
      : run(path.join(BIN, tool), args, { cwd: dir });
  const data = path.join(dir, "data");
  const port = await freePort();
  try {
    await pg("initdb", ["-D", data, "-U", "goftogu", "--auth=trust", "-E", "UTF8", "--no-locale", "--no-sync"]);
    const flags = [
      `-p ${port}`,
      `-k ${dir}`,
      "-c listen_addresses=127.0.0.1",
      "-c fsync=off",
      "-c shared_buffers=64MB",
      ...Object.entries(options.settings ?? {}).map(([name, value]) => `-c ${name}=${value}`),
    ];
    await pg("pg_ctl", ["-D", data, "-o", flags.join(" "), "-l", path.join(dir, "server.log"), "-w", "start"]);
  } catch (err) {
    await rm(dir, { recursive: true, force: true });
    throw new Error(`PostgreSQL did not start: ${(err as { stderr?: string }).stderr ?? (err as Error).message}`);
  }
  return {
    url: `postgres://goftogu@127.0.0.1:${port}/postgres`,
    stop: async () => {
      await pg("pg_ctl", ["-D", data, "-m", "immediate", "-w", "stop"]).catch(() => {});
      await rm(dir, { recursive: true, force: true });
    },
  };
}

async function postgresUser(): Promise<{ uid: number; gid: number }> {
  const [uid, gid] = await Promise.all(
    ["-u", "-g"].map(async (flag) => Number((await run("id", [flag, "postgres"])).stdout)),
  );
  return { uid: uid!, gid: gid! };
}

function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once("error", reject);
    server.listen(0, "127.0.0.1", () => {
      const { port } = server.address() as { port: number };
      server.close(() => resolve(port));
    });
  });
}

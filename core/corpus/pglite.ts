import { PGlite } from "@electric-sql/pglite";
import { vector } from "@electric-sql/pglite-pgvector";
import { PGLiteSocketServer } from "@electric-sql/pglite-socket";

/**
 * PostgreSQL with pgvector in this process: PGlite (PostgreSQL compiled to WebAssembly) with
 * the pgvector extension, served over the PostgreSQL wire protocol on a loopback port. Clients
 * connect with the ordinary `pg` driver and a `DATABASE_URL`, exactly as to a real server, so
 * the tests and `npm run eval -- --store pgvector` exercise the production code path without a
 * database server to install.
 *
 * **NOTE:** PGlite is one PostgreSQL backend: every connection shares its single session, and
 * the socket server runs their queries one at a time (a transaction keeps the others waiting).
 * Good for tests and evaluation; production wants a real PostgreSQL.
 */
export interface InProcessPostgres {
  /** `postgres://postgres@127.0.0.1:PORT/postgres` */
  url: string;
  stop(): Promise<void>;
}

export async function startInProcessPostgres(options: { dataDir?: string } = {}): Promise<InProcessPostgres> {
  const db = await PGlite.create({ ...(options.dataDir && { dataDir: options.dataDir }), extensions: { vector } });
  // Enough for several servers' pools at once; connections beyond it would be refused.
  const server = new PGLiteSocketServer({ db, host: "127.0.0.1", port: 0, maxConnections: 64 });
  await server.start();
  const url = `postgres://postgres@${server.getServerConn()}/postgres`;
  return {
    url,
    async stop() {
      await server.stop();
      await db.close();
    },
  };
}

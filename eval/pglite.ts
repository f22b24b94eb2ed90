import { PGlite } from "@electric-sql/pglite";
import { vector } from "@electric-sql/pglite-pgvector";
import { PGLiteSocketServer } from "@electric-sql/pglite-socket";

/**
 * PostgreSQL with pgvector in this process: PGlite (PostgreSQL compiled to WebAssembly) with
 * the pgvector extension, served over the PostgreSQL wire protocol on a loopback port by
 * pglite-socket. Clients connect with the ordinary `pg` driver and a `DATABASE_URL`, exactly as
 * to a real server, so the tests and `npm run eval -- --store pgvector` exercise the production
 * code path without a database server to install.
 *
 * **NOTE:** PGlite is one PostgreSQL backend: every connection shares its single session, so
 * their messages must take turns by whole exchanges. pglite-socket 0.2.17 takes turns by single
 * messages and only keeps other connections out of an explicit transaction block; a query sent
 * with parameters (Parse, Bind, Execute, Sync) by one connection can then have another
 * connection's messages run in the middle of it, which fails or hangs both. The server's queue
 * is therefore replaced by `ExchangeQueue` below. Good for tests and evaluation; production
 * wants a real PostgreSQL.
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
  const internals = server as unknown as { queryQueue?: unknown };
  if (!internals.queryQueue)
    throw new Error("pglite-socket has changed: its query queue cannot be replaced (see eval/pglite.ts)");
  internals.queryQueue = new ExchangeQueue(db);
  await server.start();
  return {
    url: `postgres://postgres@${server.getServerConn()}/postgres`,
    async stop() {
      await server.stop();
      await db.close();
    },
  };
}

interface Entry {
  handlerId: number;
  message: Uint8Array;
  onData: (data: Uint8Array) => void;
  resolve: (bytes: number) => void;
  reject: (err: unknown) => void;
}

const QUERY = "Q".charCodeAt(0);
const SYNC = "S".charCodeAt(0);
const TERMINATE = "X".charCodeAt(0);
const SYNC_MESSAGE = new Uint8Array([SYNC, 0, 0, 0, 4]);

/**
 * pglite-socket's queue interface, taking turns by exchanges: once a connection's message has
 * run, that connection keeps the database until its exchange is over (a simple query, or the
 * Sync closing an extended query) and, when it is in a transaction block, until the block ends.
 * Other connections' messages wait in order.
 */
class ExchangeQueue {
  private readonly queue: Entry[] = [];
  private running = false;
  /** The connection whose exchange or transaction is under way. */
  private owner: number | undefined;

  constructor(private readonly db: PGlite) {}

  enqueue(handlerId: number, message: Uint8Array, onData: (data: Uint8Array) => void): Promise<number> {
    return new Promise((resolve, reject) => {
      this.queue.push({ handlerId, message, onData, resolve, reject });
      void this.run();
    });
  }

  getQueueLength(): number {
    return this.queue.length;
  }

  clearQueueForHandler(handlerId: number): void {
    for (let i = this.queue.length - 1; i >= 0; i--) {
      if (this.queue[i]!.handlerId !== handlerId) continue;
      this.queue[i]!.reject(new Error("Handler disconnected"));
      this.queue.splice(i, 1);
    }
  }

  /** A connection went away: end its exchange and roll back its transaction, then let the others on. */
  async clearTransactionIfNeeded(handlerId: number): Promise<void> {
    if (this.owner !== handlerId) return;
    await this.db.runExclusive(() => this.db.execProtocolRawStream(SYNC_MESSAGE, { onRawData: () => {} }));
    if (this.db.isInTransaction()) await this.db.exec("ROLLBACK");
    this.owner = undefined;
    void this.run();
  }

  private async run(): Promise<void> {
    if (this.running) return;
    this.running = true;
    try {
      for (;;) {
        const at = this.owner === undefined ? 0 : this.queue.findIndex((e) => e.handlerId === this.owner);
        if (at < 0 || this.queue.length === 0) return;
        const entry = this.queue.splice(at, 1)[0]!;
        let bytes = 0;
        try {
          await this.db.runExclusive(() =>
            this.db.execProtocolRawStream(entry.message, {
              onRawData: (data) => {
                bytes += data.length;
                entry.onData(data);
              },
            }),
          );
        } catch (err) {
          this.owner = undefined;
          entry.reject(err);
          continue;
        }
        // The startup message has no type byte (it begins with its length's high byte, 0).
        const type = entry.message[0];
        const exchangeOver = type === 0 || type === QUERY || type === SYNC || type === TERMINATE;
        this.owner = exchangeOver && !this.db.isInTransaction() ? undefined : entry.handlerId;
        entry.resolve(bytes);
      }
    } finally {
      this.running = false;
    }
  }
}

import { resolve } from 'node:path';
import { Worker } from 'node:worker_threads';
import { DatabaseLogger, silentLogger } from '../database.logger';
import { DataDirLock } from './data-dir-lock';
import { EMBEDDED_WORKER_SOURCE } from './embedded-worker.source';
import { SocketDir } from './socket-dir';

export interface EmbeddedPostgresOptions {
  /** Where the database files live; created (and initdb'd) on first start, reopened afterwards. */
  dataDir: string;
  /** Wire connections accepted at once: at least the pool size plus one for the migration runner. */
  maxConnections?: number;
  /** Told when the database thread dies unexpectedly. */
  logger?: DatabaseLogger;
}

type WorkerMessage = { type: 'ready' } | { type: 'failed'; message: string } | { type: 'stopped' };

const DEFAULT_MAX_CONNECTIONS = 12;
const STOP_TIMEOUT_MS = 15_000;

/**
 * PostgreSQL (18.x in PGlite 0.5.14) compiled to WebAssembly, with pgvector 0.8.7, served over the Postgres wire
 * protocol by pglite-socket, so that `pg`, the migration runner and Prisma's pg adapter talk to it exactly as to a real
 * server. It runs in a worker thread (see embedded-worker.source.ts).
 *
 * Why a Unix socket in a private directory, and no TCP port: PGlite accepts ANY user name and password, so whoever can
 * connect owns the database (API-key hashes, embeddings, inserting an admin key). A TCP port on 127.0.0.1 is open to
 * every local process; a socket inside a fresh 0700 directory (see SocketDir) only to this OS user, who can read
 * DATA_DIR anyway.
 *
 * Quirks, all stemming from PGlite being ONE single-user backend shared by every connection:
 * - Queries from all connections are serialised (pglite-socket queues them); a transaction holds the queue for its
 *   connection until it ends, so keep transactions short.
 * - Session state is shared: a plain `SET x = y` on one connection changes it for every other one. Always use
 *   `SET LOCAL` inside a transaction (FaceVectorRepository does).
 * - Advisory locks are therefore reentrant across connections and exclude nothing (pg_try_advisory_lock from a second
 *   connection succeeds). Harmless here: only this process can open the data directory (see DataDirLock).
 * - pglite-socket rejects connections above `maxConnections` ("Too many connections"); its default of 1 breaks pools.
 * - Committed transactions survive a crash (verified with SIGKILL); start-up takes ~3-5 s on a new directory
 *   (initdb), well under 1 s when reopening one. Roughly 2-4x slower than native PostgreSQL.
 */
export class EmbeddedPostgres {
  private stopping?: Promise<void>;
  private exited = false;

  private constructor(
    private readonly worker: Worker,
    private readonly lock: DataDirLock,
    private readonly socketDir: SocketDir,
  ) {}

  /** postgres://postgres@%2Ftmp%2Ffacegate-db-XXXXXX/postgres: a Unix socket directory, for `pg` and Prisma's adapter. */
  get url(): string {
    return this.socketDir.url;
  }

  /** The private directory holding the socket; removed by stop() and when the database thread dies. */
  get socketDirectory(): string {
    return this.socketDir.path;
  }

  static async start(options: EmbeddedPostgresOptions): Promise<EmbeddedPostgres> {
    const dataDir = resolve(options.dataDir);
    const lock = DataDirLock.acquire(dataDir);
    const socketDir = createSocketDir(lock);
    const worker = new Worker(EMBEDDED_WORKER_SOURCE, { eval: true, workerData: workerData(dataDir, socketDir, options) });
    try {
      await nextMessage(worker, 'ready');
      const embedded = new EmbeddedPostgres(worker, lock, socketDir);
      embedded.watch(options.logger ?? silentLogger);
      return embedded;
    } catch (error) {
      await worker.terminate();
      socketDir.remove();
      lock.release();
      throw error;
    }
  }

  /** Closes client connections, then the database (flushing it), then releases the directory. Idempotent. */
  stop(): Promise<void> {
    this.stopping ??= this.shutDown();
    return this.stopping;
  }

  private async shutDown(): Promise<void> {
    if (this.exited) return this.release();
    const exited = new Promise<void>((done) => this.worker.once('exit', () => done()));
    try {
      this.worker.postMessage({ type: 'stop' });
      await withTimeout(nextMessage(this.worker, 'stopped'), STOP_TIMEOUT_MS);
      await withTimeout(exited, STOP_TIMEOUT_MS);
    } finally {
      await this.worker.terminate();
      this.release();
    }
  }

  /** Idempotent, synchronous: also runs from the process 'exit' hook. */
  private readonly release = (): void => {
    process.off('exit', this.release);
    this.socketDir.remove();
    this.lock.release();
  };

  /** An unexpected exit (e.g. WebAssembly out of memory) frees the directory, so a new start() can reopen it. */
  private watch(logger: DatabaseLogger): void {
    // Do not keep the process alive for the database alone; committed data is durable if the process just ends.
    this.worker.unref();
    // ...and when it ends without stop(), leave no socket directory behind in tmpdir.
    process.once('exit', this.release);
    this.worker.once('exit', (code) => {
      this.exited = true;
      if (this.stopping) return;
      logger.warn(`Embedded PostgreSQL thread exited unexpectedly (code ${code})`);
      this.release();
    });
  }
}

function createSocketDir(lock: DataDirLock): SocketDir {
  try {
    return SocketDir.create();
  } catch (error) {
    lock.release();
    throw error;
  }
}

function workerData(dataDir: string, socketDir: SocketDir, options: EmbeddedPostgresOptions) {
  return {
    dataDir,
    socketPath: socketDir.socketPath,
    maxConnections: options.maxConnections ?? DEFAULT_MAX_CONNECTIONS,
    // Resolved here: the worker's eval'd script has no module directory of its own to resolve from.
    modules: {
      pglite: require.resolve('@electric-sql/pglite'),
      vector: require.resolve('@electric-sql/pglite-pgvector'),
      socket: require.resolve('@electric-sql/pglite-socket'),
    },
  };
}

/** The next message of `type` from the worker; rejects on a 'failed' message, a worker error or an early exit. */
function nextMessage<T extends WorkerMessage['type']>(worker: Worker, type: T): Promise<Extract<WorkerMessage, { type: T }>> {
  return new Promise((resolvePromise, reject) => {
    const cleanUp = () => {
      worker.off('message', onMessage);
      worker.off('error', onError);
      worker.off('exit', onExit);
    };
    const onMessage = (message: WorkerMessage) => {
      if (message.type !== type && message.type !== 'failed') return;
      cleanUp();
      if (message.type === 'failed') reject(new Error(`Embedded PostgreSQL failed: ${message.message}`));
      else resolvePromise(message as Extract<WorkerMessage, { type: T }>);
    };
    const onError = (error: Error) => {
      cleanUp();
      reject(error);
    };
    const onExit = (code: number) => {
      cleanUp();
      reject(new Error(`Embedded PostgreSQL thread exited (code ${code}) before '${type}'`));
    };
    worker.on('message', onMessage);
    worker.on('error', onError);
    worker.on('exit', onExit);
  });
}

function withTimeout<T>(promise: Promise<T>, ms: number): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`Embedded PostgreSQL did not stop within ${ms} ms`)), ms);
  });
  return Promise.race([promise, timeout]).finally(() => clearTimeout(timer));
}

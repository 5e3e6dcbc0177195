import { Inject, Injectable, Logger, OnApplicationBootstrap, OnModuleDestroy } from '@nestjs/common';
import { PrismaPg } from '@prisma/adapter-pg';
import { Pool } from 'pg';
import { DATABASE_OPTIONS, DatabaseOptions, DEFAULT_DATABASE_OPTIONS } from '../database.options';
import { PrismaClient } from '../generated/prisma/client';
import { PrismaClientProvider, PrismaService } from '../prisma/prisma.service';
import { parseLsn, pickReplica, ReplicaPosition } from './lsn';

/** Where one read goes: a replica (its index) or the primary (null). */
export interface ReadTarget {
  client: PrismaClient;
  replica: number | null;
}

/** One replica as readiness and metrics show it: never its URL (it may carry a password), only host and port. */
export interface ReplicaStatus {
  name: string;
  up: boolean;
  /** Bytes of the primary's WAL it has not replayed yet (0 when caught up or unknown). */
  lagBytes: number;
  /** Seconds since the last transaction it replayed, while it is behind (0 when caught up). */
  lagSeconds: number;
  /** Searches it served since start. */
  reads: number;
}

interface Replica extends ReplicaPosition {
  name: string;
  pool: Pool;
  client: PrismaClient;
  lagBytes: number;
  lagSeconds: number;
  reads: number;
}

/** A replica that does not answer within this is treated as gone until the next poll finds it again. */
const REPLICA_QUERY_TIMEOUT_MS = 2_000;
const REPLICA_CONNECT_TIMEOUT_MS = 1_000;

/**
 * Read replicas (DATABASE_REPLICA_URLS): searches go to a streaming replica that has replayed the collection's last
 * face write, everything else to the primary. Every change to a collection's faces records the primary's WAL position
 * after its commit (markFacesWritten); a replica's replay position is polled every replicaPollMs, so a replica that
 * is behind that write, down, or no longer a standby is skipped and the read goes to the primary: a person enrolled a
 * moment ago is found, one deleted is not, and no search fails because a replica did.
 */
@Injectable()
export class ReplicaRouter implements OnApplicationBootstrap, OnModuleDestroy {
  private readonly logger = new Logger(ReplicaRouter.name);
  private readonly replicas: Replica[];
  private timer?: NodeJS.Timeout;
  /** The poll running now, if any: the timer skips a tick while one runs; poll() waits for it and reads afresh. */
  private inFlight?: Promise<void>;
  /** The primary's WAL position when routing started: a collection with no recorded write needs a replica this far. */
  private startLsn: bigint | null = null;
  private cursor = 0;
  private primaryReads = 0;

  constructor(
    @Inject(PrismaService) private readonly prisma: PrismaClientProvider,
    @Inject(DATABASE_OPTIONS) private readonly options: DatabaseOptions,
  ) {
    this.replicas = (options.replicaUrls ?? []).map((url) => this.connect(url));
  }

  get enabled(): boolean {
    return this.replicas.length > 0;
  }

  async onApplicationBootstrap(): Promise<void> {
    if (!this.enabled) return;
    await this.poll();
    this.timer = setInterval(() => {
      if (!this.inFlight) void this.poll();
    }, this.options.replicaPollMs ?? DEFAULT_DATABASE_OPTIONS.replicaPollMs);
    this.timer.unref();
    this.logger.log(`Read replicas: ${this.replicas.map((r) => `${r.name} ${r.up ? 'up' : 'down'}`).join(', ')}`);
  }

  async onModuleDestroy(): Promise<void> {
    clearInterval(this.timer);
    await Promise.all(this.replicas.map((r) => r.client.$disconnect().catch(() => undefined)));
    await Promise.all(this.replicas.filter((r) => !r.pool.ended).map((r) => r.pool.end().catch(() => undefined)));
  }

  /**
   * Records the primary's WAL position after a committed change to the collection's faces. Called after the commit,
   * before the caller hears of it, so whoever learns of the change finds it on any replica a read is sent to.
   */
  async markFacesWritten(collectionId: string): Promise<void> {
    if (this.prisma.mode !== 'postgres') return; // the embedded database has no replicas
    await this.prisma.client.$executeRaw`
      UPDATE collections SET faces_written_lsn = GREATEST(COALESCE(faces_written_lsn, '0/0'::pg_lsn), pg_current_wal_lsn())
      WHERE id = ${collectionId}::uuid`;
  }

  /** Where a search of this collection goes. */
  async forCollection(collectionId: string): Promise<ReadTarget> {
    if (!this.enabled) return this.primary();
    const rows = await this.prisma.client.$queryRaw<Array<{ lsn: string | null }>>`
      SELECT faces_written_lsn::text AS lsn FROM collections WHERE id = ${collectionId}::uuid`;
    return this.route(rows[0]?.lsn ?? null);
  }

  /** Where a read of this person's faces goes (their collection's last write decides). */
  async forUser(userId: string): Promise<ReadTarget> {
    if (!this.enabled) return this.primary();
    const rows = await this.prisma.client.$queryRaw<Array<{ lsn: string | null }>>`
      SELECT c.faces_written_lsn::text AS lsn FROM users u JOIN collections c ON c.id = u.collection_id WHERE u.id = ${userId}::uuid`;
    return this.route(rows[0]?.lsn ?? null);
  }

  /**
   * Runs a read on its target; when a replica fails it (gone, cancelled by a recovery conflict, timed out), the
   * replica is skipped until the next poll and the read runs again on the primary.
   */
  async read<T>(target: ReadTarget, run: (client: PrismaClient) => Promise<T>): Promise<T> {
    if (target.replica === null) return run(target.client);
    try {
      return await run(target.client);
    } catch (error) {
      this.skip(this.replicas[target.replica], error);
      this.primaryReads++;
      return run(this.prisma.client);
    }
  }

  status(): { primaryReads: number; replicas: ReplicaStatus[] } {
    return {
      primaryReads: this.primaryReads,
      replicas: this.replicas.map(({ name, up, lagBytes, lagSeconds, reads }) => ({ name, up, lagBytes, lagSeconds, reads })),
    };
  }

  /**
   * Reads every replica's position now (also what the timer runs). A poll already running may have read the primary's
   * position before the caller's last write, so this waits for it and then reads afresh: when poll() returns, the
   * status reflects everything committed before it was called.
   */
  async poll(): Promise<void> {
    while (this.inFlight) await this.inFlight;
    this.inFlight = this.readPositions().finally(() => {
      this.inFlight = undefined;
    });
    await this.inFlight;
  }

  private async readPositions(): Promise<void> {
    const primary = await this.primaryLsn();
    this.startLsn ??= primary;
    await Promise.all(this.replicas.map((r) => this.readPosition(r, primary)));
  }

  private route(written: string | null): ReadTarget {
    const needed = written !== null ? parseLsn(written) : this.startLsn;
    const i = needed === null ? null : pickReplica(this.replicas, needed, this.cursor++ % this.replicas.length);
    if (i === null) return this.primary();
    this.replicas[i].reads++;
    return { client: this.replicas[i].client, replica: i };
  }

  private primary(): ReadTarget {
    this.primaryReads++;
    return { client: this.prisma.client, replica: null };
  }

  private async primaryLsn(): Promise<bigint | null> {
    try {
      const [row] = await this.prisma.client.$queryRaw<Array<{ lsn: string }>>`SELECT pg_current_wal_lsn()::text AS lsn`;
      return parseLsn(row.lsn);
    } catch {
      return null;
    }
  }

  private async readPosition(r: Replica, primary: bigint | null): Promise<void> {
    try {
      const { rows } = await r.pool.query<{ standby: boolean; replayed: string | null; since: number | null }>(
        `SELECT pg_is_in_recovery() AS standby, pg_last_wal_replay_lsn()::text AS replayed,
                EXTRACT(EPOCH FROM now() - pg_last_xact_replay_timestamp())::float8 AS since`,
      );
      const row = rows[0];
      // A promoted replica writes its own history from then on: it no longer shows the primary's writes.
      if (!row.standby || row.replayed === null) throw new Error('not a standby in recovery');
      r.replayed = parseLsn(row.replayed);
      r.lagBytes = primary !== null && primary > r.replayed ? Number(primary - r.replayed) : 0;
      r.lagSeconds = r.lagBytes > 0 ? Math.max(0, row.since ?? 0) : 0;
      if (!r.up) this.logger.log(`Replica ${r.name} is up (replayed ${row.replayed})`);
      r.up = true;
    } catch (error) {
      this.skip(r, error);
    }
  }

  private skip(r: Replica, error: unknown): void {
    if (r.up) this.logger.warn(`Replica ${r.name} skipped: ${error instanceof Error ? error.message : String(error)}`);
    r.up = false;
  }

  private connect(url: string): Replica {
    const pool = new Pool({
      connectionString: url,
      max: this.options.poolSize,
      connectionTimeoutMillis: REPLICA_CONNECT_TIMEOUT_MS,
      query_timeout: REPLICA_QUERY_TIMEOUT_MS,
    });
    const { hostname, port } = new URL(url);
    const replica: Replica = {
      name: `${hostname}:${port || 5432}`,
      pool,
      client: new PrismaClient({ adapter: new PrismaPg(pool) }),
      up: false,
      replayed: null,
      lagBytes: 0,
      lagSeconds: 0,
      reads: 0,
    };
    // An idle connection the replica drops must not crash the process: the next poll marks it down.
    pool.on('error', (error) => this.skip(replica, error));
    return replica;
  }
}

import { Inject, Injectable, Logger, OnModuleDestroy, OnModuleInit } from '@nestjs/common';
import { PrismaPg } from '@prisma/adapter-pg';
import { Pool } from 'pg';
import { DATABASE_OPTIONS, DatabaseOptions } from '../database.options';
import { EmbeddedPostgres } from '../embedded/embedded-postgres';
import { PrismaClient } from '../generated/prisma/client';
import { findMigrationsDir, readMigrationFiles } from '../migrations/migration-files';
import { runMigrations } from '../migrations/migration-runner';

/** Where the data lives: an external PostgreSQL (DATABASE_URL) or the embedded one under DATA_DIR. */
export const DATABASE_MODES = ['postgres', 'embedded'] as const;
export type DatabaseMode = (typeof DATABASE_MODES)[number];

/** The pg pool behind Prisma, for metrics: open connections, idle ones, queries waiting for one, and the cap. */
export interface DatabasePoolStats {
  total: number;
  idle: number;
  waiting: number;
  max: number;
}

/** What FaceVectorRepository needs: lets tests hand it a bare client. */
export interface PrismaClientProvider {
  readonly client: PrismaClient;
  /** With a PostgreSQL server, index builds open their own connection to build CONCURRENTLY. */
  readonly mode?: DatabaseMode;
  readonly connectionUrl?: string;
}

/** Connections beyond the pool: the migration runner's own client, plus one spare (e.g. psql while debugging). */
const EMBEDDED_EXTRA_CONNECTIONS = 2;

/**
 * Owns the database connection: starts the embedded server when no URL is configured, applies pending migrations
 * (before the pool opens, so no query ever meets an old schema), then connects Prisma through @prisma/adapter-pg.
 */
@Injectable()
export class PrismaService implements PrismaClientProvider, OnModuleInit, OnModuleDestroy {
  private readonly logger = new Logger(PrismaService.name);
  readonly mode: DatabaseMode;
  ready = false;
  migrationsApplied: string[] = [];
  private prisma?: PrismaClient;
  /** Our own pg.Pool handed to the adapter (rather than a config it would pool privately), so its use is visible. */
  private pool?: Pool;
  private embedded?: EmbeddedPostgres;
  private url?: string;

  constructor(@Inject(DATABASE_OPTIONS) private readonly options: DatabaseOptions) {
    this.mode = options.url ? 'postgres' : 'embedded';
  }

  get client(): PrismaClient {
    if (!this.prisma) throw new Error('PrismaService is not initialised (onModuleInit has not completed)');
    return this.prisma;
  }

  /** The URL in use; for the embedded server it is only known once started. */
  get connectionUrl(): string | undefined {
    return this.url;
  }

  async onModuleInit(): Promise<void> {
    try {
      this.url = await this.startDatabase();
      const result = await runMigrations(this.url, this.migrationsDir(), this.logger);
      this.migrationsApplied = result.applied;
      this.pool = new Pool({ connectionString: this.url, max: this.poolSize() });
      this.prisma = new PrismaClient({
        adapter: new PrismaPg(this.pool, { disposeExternalPool: true }),
      });
      await this.prisma.$connect();
      this.ready = true;
      const { applied, total } = result;
      this.logger.log(`Database ready (${this.mode}; ${applied.length} of ${total} migrations applied now)`);
    } catch (error) {
      await this.onModuleDestroy();
      throw error;
    }
  }

  async onModuleDestroy(): Promise<void> {
    this.ready = false;
    await this.prisma?.$disconnect();
    this.prisma = undefined;
    // The adapter ends the pool on disconnect (disposeExternalPool); this covers a client that never connected.
    const pool = this.pool;
    this.pool = undefined;
    if (pool && !pool.ended) await pool.end();
    await this.embedded?.stop();
    this.embedded = undefined;
  }

  /** Zeros before the pool opens and after it closes. */
  poolStats(): DatabasePoolStats {
    const pool = this.pool;
    if (!pool) return { total: 0, idle: 0, waiting: 0, max: this.poolSize() };
    return { total: pool.totalCount, idle: pool.idleCount, waiting: pool.waitingCount, max: this.poolSize() };
  }

  /**
   * For readiness checks: migrations on disk that the database has not recorded as applied (e.g. a newer release
   * deployed next to this one). Uses the pool rather than a connection of its own, so probes cost one query.
   */
  async pendingMigrations(): Promise<string[]> {
    const rows = await this.client.$queryRaw<Array<{ name: string }>>`
      SELECT migration_name AS name FROM "_prisma_migrations" WHERE finished_at IS NOT NULL AND rolled_back_at IS NULL`;
    const applied = new Set(rows.map((row) => row.name));
    return readMigrationFiles(this.migrationsDir())
      .map((file) => file.name)
      .filter((name) => !applied.has(name));
  }

  private async startDatabase(): Promise<string> {
    if (this.options.url) return this.options.url;
    this.logger.log(`Starting embedded PostgreSQL in ${this.options.dataDir}`);
    this.embedded = await EmbeddedPostgres.start({
      dataDir: this.options.dataDir,
      maxConnections: this.poolSize() + EMBEDDED_EXTRA_CONNECTIONS,
    });
    return this.embedded.url;
  }

  /**
   * The embedded server gets ONE pooled connection. pglite-socket multiplexes every connection onto PGlite's single
   * session and keeps transactions apart, but it queues individual protocol messages: two connections' extended-
   * protocol sequences (Parse/Bind/Execute on the unnamed statement) can interleave and run each other's statements.
   * PGlite executes one query at a time anyway, so a single connection costs no throughput and is always correct.
   */
  private poolSize(): number {
    return this.mode === 'embedded' ? 1 : this.options.poolSize;
  }

  private migrationsDir(): string {
    return this.options.migrationsDir ?? findMigrationsDir(__dirname);
  }
}

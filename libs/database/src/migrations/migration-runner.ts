import { randomUUID } from 'node:crypto';
import { Client } from 'pg';
import { DatabaseLogger, silentLogger } from '../database.logger';
import { MigrationFile, readMigrationFiles } from './migration-files';

/**
 * Applies Prisma-layout migrations without Prisma's schema engine (which cannot be downloaded offline), recording them
 * in `_prisma_migrations` exactly as `prisma migrate deploy` does, so either tool can take over from the other.
 */

/** Prisma's own migrate commands lock this advisory key: our runner and `prisma migrate deploy` exclude each other. */
const MIGRATION_LOCK_KEY = 72707369;

/** Prisma's DDL for its bookkeeping table, verbatim. */
const CREATE_MIGRATIONS_TABLE = `CREATE TABLE IF NOT EXISTS "_prisma_migrations" (
    "id"                    VARCHAR(36) PRIMARY KEY NOT NULL,
    "checksum"              VARCHAR(64) NOT NULL,
    "finished_at"           TIMESTAMPTZ,
    "migration_name"        VARCHAR(255) NOT NULL,
    "logs"                  TEXT,
    "rolled_back_at"        TIMESTAMPTZ,
    "started_at"            TIMESTAMPTZ NOT NULL DEFAULT now(),
    "applied_steps_count"   INTEGER NOT NULL DEFAULT 0
)`;

export interface MigrationResult {
  /** Names applied by this call, in order. */
  applied: string[];
  /** Number of migrations found in the directory. */
  total: number;
}

export interface MigrationStatus {
  applied: string[];
  pending: string[];
  total: number;
}

interface MigrationRow {
  migration_name: string;
  checksum: string;
  finished_at: Date | null;
  rolled_back_at: Date | null;
}

/** Applies every pending migration, each in its own transaction together with its `_prisma_migrations` row. */
export async function runMigrations(connectionString: string, migrationsDir: string, logger: DatabaseLogger = silentLogger): Promise<MigrationResult> {
  const files = readMigrationFiles(migrationsDir);
  return withClient(connectionString, async (client) => {
    // Session-level lock: released explicitly below, or by the server if this process dies.
    await client.query('SELECT pg_advisory_lock($1)', [MIGRATION_LOCK_KEY]);
    try {
      await client.query(CREATE_MIGRATIONS_TABLE);
      const rows = await readRows(client);
      verifyHistory(files, rows, logger);
      const pending = pendingMigrations(files, rows);
      for (const file of pending) await applyMigration(client, file, logger);
      if (pending.length === 0) logger.log(`Database schema is up to date (${files.length} migrations)`);
      return { applied: pending.map((file) => file.name), total: files.length };
    } finally {
      await client.query('SELECT pg_advisory_unlock($1)', [MIGRATION_LOCK_KEY]);
    }
  });
}

/** Read-only: which migrations are applied and which are pending (for readiness checks). Takes no lock. */
export async function migrationStatus(connectionString: string, migrationsDir: string): Promise<MigrationStatus> {
  const files = readMigrationFiles(migrationsDir);
  return withClient(connectionString, async (client) => {
    const exists = await client.query<{ found: boolean }>(`SELECT to_regclass('"_prisma_migrations"') IS NOT NULL AS found`);
    const rows = exists.rows[0].found ? await readRows(client) : [];
    const pending = pendingMigrations(files, rows).map((file) => file.name);
    const applied = files.map((file) => file.name).filter((name) => !pending.includes(name));
    return { applied, pending, total: files.length };
  });
}

async function withClient<T>(connectionString: string, work: (client: Client) => Promise<T>): Promise<T> {
  const client = new Client({ connectionString });
  // A dropped connection must surface as a rejected query, not as an unhandled 'error' event crashing the process.
  client.on('error', () => undefined);
  await client.connect();
  try {
    return await work(client);
  } finally {
    await client.end().catch(() => undefined);
  }
}

async function readRows(client: Client): Promise<MigrationRow[]> {
  const result = await client.query<MigrationRow>(`SELECT migration_name, checksum, finished_at, rolled_back_at FROM "_prisma_migrations" ORDER BY started_at`);
  return result.rows;
}

/** Rows that count as applied: finished and not marked rolled back (`prisma migrate resolve --rolled-back`). */
function appliedRows(rows: MigrationRow[]): MigrationRow[] {
  return rows.filter((row) => row.finished_at !== null && row.rolled_back_at === null);
}

function pendingMigrations(files: MigrationFile[], rows: MigrationRow[]): MigrationFile[] {
  const applied = new Set(appliedRows(rows).map((row) => row.migration_name));
  return files.filter((file) => !applied.has(file.name));
}

/** Refuses to migrate on top of a failed migration or an edited applied one; both need a human. */
function verifyHistory(files: MigrationFile[], rows: MigrationRow[], logger: DatabaseLogger): void {
  const failed = rows.find((row) => row.finished_at === null && row.rolled_back_at === null);
  if (failed) {
    throw new Error(
      `Migration "${failed.migration_name}" started but never finished (failed migration in _prisma_migrations). ` +
        'Fix the database by hand, then mark it with `prisma migrate resolve --applied|--rolled-back` ' +
        'or delete its row.',
    );
  }
  const byName = new Map(files.map((file) => [file.name, file]));
  for (const row of appliedRows(rows)) {
    const file = byName.get(row.migration_name);
    if (!file) {
      // A newer release's migration: running older code on a newer schema is the operator's call, not an error.
      logger.warn(`Migration "${row.migration_name}" is applied but missing from the migrations directory`);
      continue;
    }
    if (file.checksum !== row.checksum) {
      throw new Error(
        `Migration "${row.migration_name}" was modified after it was applied ` +
          `(checksum ${row.checksum} in the database, ${file.checksum} on disk). ` +
          'Restore the original file and put the change in a new migration.',
      );
    }
  }
}

async function applyMigration(client: Client, file: MigrationFile, logger: DatabaseLogger): Promise<void> {
  logger.log(`Applying migration ${file.name}`);
  const id = randomUUID();
  await client.query('BEGIN');
  try {
    await client.query(
      `INSERT INTO "_prisma_migrations" (id, checksum, migration_name, started_at, applied_steps_count)
       VALUES ($1, $2, $3, clock_timestamp(), 0)`,
      [id, file.checksum, file.name],
    );
    // No parameters: the simple query protocol runs a multi-statement script in one round trip.
    await client.query(file.sql);
    await client.query(`UPDATE "_prisma_migrations" SET finished_at = clock_timestamp(), applied_steps_count = 1 WHERE id = $1`, [id]);
    await client.query('COMMIT');
  } catch (error) {
    // The whole migration, its row included, rolls back: a failure leaves no trace and the next start retries it.
    await client.query('ROLLBACK').catch(() => undefined);
    throw new Error(`Migration ${file.name} failed and was rolled back: ${(error as Error).message}`, {
      cause: error,
    });
  }
}

import { createHash } from 'node:crypto';
import { appendFileSync, cpSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { Client } from 'pg';
import { createTempDir, createTestDatabase, TempDir, TestDatabase } from '../testing/test-database';
import { findMigrationsDir, readMigrationFiles } from './migration-files';
import { migrationStatus, runMigrations } from './migration-runner';

// The project's own migrations, in the order they must apply; tests add theirs after these.
const PROJECT = readMigrationFiles(findMigrationsDir(__dirname)).map((file) => file.name);

interface MigrationRow {
  id: string;
  checksum: string;
  finished_at: Date | null;
  migration_name: string;
  logs: string | null;
  rolled_back_at: Date | null;
  applied_steps_count: number;
}

async function query<T>(url: string, sql: string): Promise<T[]> {
  const client = new Client({ connectionString: url });
  await client.connect();
  try {
    return (await client.query(sql)).rows as T[];
  } finally {
    await client.end();
  }
}

function sha256(file: string): string {
  return createHash('sha256').update(readFileSync(file)).digest('hex');
}

function addMigration(dir: string, name: string, sql: string): void {
  mkdirSync(join(dir, name));
  writeFileSync(join(dir, name, 'migration.sql'), sql);
}

describe('runMigrations (native PostgreSQL)', () => {
  let db: TestDatabase;
  let migrations: TempDir;

  beforeEach(async () => {
    db = await createTestDatabase();
    // A private copy, so tests can add and edit migrations.
    migrations = createTempDir('facegate-migrations');
    cpSync(findMigrationsDir(__dirname), migrations.path, { recursive: true });
  });

  afterEach(async () => {
    await db.drop();
    migrations.remove();
  });

  it('applies the project migrations once, in order, and records them as Prisma does', async () => {
    const first = await runMigrations(db.url, migrations.path);
    expect(first).toEqual({ applied: PROJECT, total: PROJECT.length });

    const rows = await query<MigrationRow>(db.url, 'SELECT * FROM "_prisma_migrations" ORDER BY migration_name');
    expect(rows.map((row) => row.migration_name)).toEqual(PROJECT);
    for (const row of rows) {
      expect(row).toMatchObject({
        checksum: sha256(join(migrations.path, row.migration_name, 'migration.sql')),
        logs: null,
        rolled_back_at: null,
        applied_steps_count: 1,
      });
      expect(row.id).toMatch(/^[0-9a-f-]{36}$/);
      expect(row.finished_at).toBeInstanceOf(Date);
    }

    const collections = await query<{ name: string }>(db.url, 'SELECT name FROM collections');
    expect(collections).toEqual([{ name: 'default' }]);
    const storage = await query<{ attstorage: string }>(
      db.url,
      `SELECT attstorage FROM pg_attribute WHERE attrelid = 'faces'::regclass AND attname = 'embedding'`,
    );
    expect(storage).toEqual([{ attstorage: 'p' }]);
  });

  it('is idempotent', async () => {
    await runMigrations(db.url, migrations.path);
    await expect(runMigrations(db.url, migrations.path)).resolves.toEqual({ applied: [], total: PROJECT.length });
    expect(await query(db.url, 'SELECT 1 FROM "_prisma_migrations"')).toHaveLength(PROJECT.length);
  });

  it('lets only one of two concurrent runners apply a migration', async () => {
    const results = await Promise.all([runMigrations(db.url, migrations.path), runMigrations(db.url, migrations.path)]);
    expect(results.flatMap((result) => result.applied).sort()).toEqual(PROJECT);
    expect(await query(db.url, 'SELECT 1 FROM "_prisma_migrations"')).toHaveLength(PROJECT.length);
  });

  it('applies only new migrations, in name order, and reports pending ones', async () => {
    await runMigrations(db.url, migrations.path);
    addMigration(migrations.path, '20261201000000_b', 'CREATE TABLE b (id int);');
    addMigration(migrations.path, '20261130000000_a', 'CREATE TABLE a (id int);');
    await expect(migrationStatus(db.url, migrations.path)).resolves.toEqual({
      applied: PROJECT,
      pending: ['20261130000000_a', '20261201000000_b'],
      total: PROJECT.length + 2,
    });
    const result = await runMigrations(db.url, migrations.path);
    expect(result.applied).toEqual(['20261130000000_a', '20261201000000_b']);
    expect((await migrationStatus(db.url, migrations.path)).pending).toEqual([]);
  });

  it('rolls a failing migration back entirely, leaving no row', async () => {
    await runMigrations(db.url, migrations.path);
    addMigration(migrations.path, '20261130000000_broken', 'CREATE TABLE half (id int);\nSELECT * FROM missing_table;');
    await expect(runMigrations(db.url, migrations.path)).rejects.toThrow(/20261130000000_broken failed.*missing_table/);
    expect(await query(db.url, `SELECT to_regclass('half') AS t`)).toEqual([{ t: null }]);
    expect(await query(db.url, 'SELECT 1 FROM "_prisma_migrations"')).toHaveLength(PROJECT.length);
  });

  it('refuses to start when an applied migration was edited', async () => {
    await runMigrations(db.url, migrations.path);
    appendFileSync(join(migrations.path, PROJECT[0], 'migration.sql'), '\n-- an innocent comment\n');
    await expect(runMigrations(db.url, migrations.path)).rejects.toThrow(/was modified after it was applied/);
  });

  it('refuses to start after a failed migration recorded by Prisma', async () => {
    await runMigrations(db.url, migrations.path);
    await query(
      db.url,
      `INSERT INTO "_prisma_migrations" (id, checksum, migration_name, started_at)
       VALUES (gen_random_uuid()::text, 'x', '20261130000000_failed', now())`,
    );
    await expect(runMigrations(db.url, migrations.path)).rejects.toThrow(/20261130000000_failed.*never finished/);
  });
});

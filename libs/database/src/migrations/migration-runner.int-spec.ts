import { createHash } from 'node:crypto';
import { appendFileSync, cpSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { Client } from 'pg';
import { createTempDir, createTestDatabase, TempDir, TestDatabase } from '../testing/test-database';
import { findMigrationsDir } from './migration-files';
import { migrationStatus, runMigrations } from './migration-runner';

const INIT = '20261122000000_init';

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

  it('applies the initial migration once and records it as Prisma does', async () => {
    const first = await runMigrations(db.url, migrations.path);
    expect(first).toEqual({ applied: [INIT], total: 1 });

    const rows = await query<MigrationRow>(db.url, 'SELECT * FROM "_prisma_migrations"');
    expect(rows).toHaveLength(1);
    expect(rows[0]).toMatchObject({
      migration_name: INIT,
      checksum: sha256(join(migrations.path, INIT, 'migration.sql')),
      logs: null,
      rolled_back_at: null,
      applied_steps_count: 1,
    });
    expect(rows[0].id).toMatch(/^[0-9a-f-]{36}$/);
    expect(rows[0].finished_at).toBeInstanceOf(Date);

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
    await expect(runMigrations(db.url, migrations.path)).resolves.toEqual({ applied: [], total: 1 });
    expect(await query(db.url, 'SELECT 1 FROM "_prisma_migrations"')).toHaveLength(1);
  });

  it('lets only one of two concurrent runners apply a migration', async () => {
    const results = await Promise.all([runMigrations(db.url, migrations.path), runMigrations(db.url, migrations.path)]);
    expect(results.flatMap((result) => result.applied)).toEqual([INIT]);
    expect(await query(db.url, 'SELECT 1 FROM "_prisma_migrations"')).toHaveLength(1);
  });

  it('applies only new migrations, in name order, and reports pending ones', async () => {
    await runMigrations(db.url, migrations.path);
    addMigration(migrations.path, '20261201000000_b', 'CREATE TABLE b (id int);');
    addMigration(migrations.path, '20261130000000_a', 'CREATE TABLE a (id int);');
    await expect(migrationStatus(db.url, migrations.path)).resolves.toEqual({
      applied: [INIT],
      pending: ['20261130000000_a', '20261201000000_b'],
      total: 3,
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
    expect(await query(db.url, 'SELECT 1 FROM "_prisma_migrations"')).toHaveLength(1);
  });

  it('refuses to start when an applied migration was edited', async () => {
    await runMigrations(db.url, migrations.path);
    appendFileSync(join(migrations.path, INIT, 'migration.sql'), '\n-- an innocent comment\n');
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

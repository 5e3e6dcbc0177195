import { cpSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import type { Client } from 'pg';
import { findMigrationsDir, readMigrationFiles } from '../migrations/migration-files';
import { runMigrations } from '../migrations/migration-runner';
import { createTempDir, createTestDatabase, TestDatabase, withClient } from './test-database';

/**
 * How a migration's effect on existing rows is tested: a new database migrated up to just before `migration`, `seed`
 * writing the rows an earlier release left, then every migration run as an upgrade does. Drop the database when done.
 */
export async function upgradedDatabase(migration: string, seed: (client: Client) => Promise<void>): Promise<TestDatabase> {
  const db = await createTestDatabase();
  const migrations = createTempDir('facegate-migrations');
  try {
    const all = findMigrationsDir(__dirname);
    cpSync(all, migrations.path, { recursive: true });
    for (const m of readMigrationFiles(migrations.path).filter((m) => m.name >= migration)) rmSync(join(migrations.path, m.name), { recursive: true });
    await runMigrations(db.url, migrations.path);
    await withClient(db.url, seed);
    await runMigrations(db.url, all);
    return db;
  } finally {
    migrations.remove();
  }
}

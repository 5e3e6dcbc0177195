import { join } from 'node:path';
import { findMigrationsDir } from '../migrations/migration-files';
import { runMigrations } from '../migrations/migration-runner';
import { createTestDatabase, TestDatabase } from '../testing/test-database';
import { Run, runNodeToEnd } from '../../../../test/run-to-end';

const ROOT = join(__dirname, '..', '..', '..', '..');

/** `npm run db:reindex` as package.json runs it (node --import tsx), against DATABASE_URL. */
function reindex(databaseUrl: string): Promise<Run> {
  return runNodeToEnd(['--import', 'tsx', join(__dirname, 'reindex.cli.ts')], {
    cwd: ROOT,
    env: { PATH: process.env.PATH ?? '', HOME: process.env.HOME ?? '', DATABASE_URL: databaseUrl },
  });
}

describe('npm run db:reindex (native PostgreSQL)', () => {
  let db: TestDatabase;

  beforeEach(async () => {
    db = await createTestDatabase();
  });

  afterEach(async () => {
    await db.drop();
  });

  it('says what to do on a database facegate has never run on, with exit code 1', async () => {
    const run = await reindex(db.url);
    expect(run.code).toBe(1);
    expect(run.stderr).toContain('[db:reindex] the database has no facegate tables yet: start the server on it once');
    expect(run.stderr).not.toContain('42P01');
  });

  it('rebuilds the index of a migrated database and reports what it did', async () => {
    await runMigrations(db.url, findMigrationsDir(__dirname));
    const run = await reindex(db.url);
    expect([run.code, run.stderr]).toEqual([0, '']);
    expect(run.stdout).toMatch(/\[db:reindex\] \w+: 0 people, lists \S+, probes \d+, \d+ ms/);
  });
});

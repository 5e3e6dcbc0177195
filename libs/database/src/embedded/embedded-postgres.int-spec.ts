import { Client, Pool } from 'pg';
import { findMigrationsDir } from '../migrations/migration-files';
import { runMigrations } from '../migrations/migration-runner';
import { createTempDir, TempDir } from '../testing/test-database';
import { EmbeddedPostgres } from './embedded-postgres';

async function withClient<T>(url: string, work: (client: Client) => Promise<T>): Promise<T> {
  const client = new Client({ connectionString: url });
  await client.connect();
  try {
    return await work(client);
  } finally {
    await client.end();
  }
}

describe('EmbeddedPostgres', () => {
  let dir: TempDir;
  let server: EmbeddedPostgres | undefined;

  beforeAll(() => {
    dir = createTempDir('facegate-embedded');
  });

  afterEach(async () => {
    await server?.stop();
    server = undefined;
  });

  afterAll(() => dir.remove());

  it('serves pgvector on a free port and keeps its data across a restart', async () => {
    server = await EmbeddedPostgres.start({ dataDir: dir.path });
    expect(server.url).toMatch(/^postgres:\/\/postgres@127\.0\.0\.1:\d+\/postgres$/);
    expect(server.url).not.toContain(':0/');
    await withClient(server.url, async (client) => {
      await client.query('CREATE EXTENSION IF NOT EXISTS vector');
      await client.query('CREATE TABLE kept (v vector(3))');
      await client.query(`INSERT INTO kept VALUES ('[1,2,3]')`);
    });
    await server.stop();

    server = await EmbeddedPostgres.start({ dataDir: dir.path });
    const rows = await withClient(server.url, (client) => client.query('SELECT v::text AS v FROM kept'));
    expect(rows.rows).toEqual([{ v: '[1,2,3]' }]);
  });

  it('refuses a second server on the same directory', async () => {
    server = await EmbeddedPostgres.start({ dataDir: dir.path });
    await expect(EmbeddedPostgres.start({ dataDir: dir.path })).rejects.toThrow(/already open/);
  });

  it('answers a pool of 10 concurrent connections correctly', async () => {
    server = await EmbeddedPostgres.start({ dataDir: dir.path, maxConnections: 12 });
    const pool = new Pool({ connectionString: server.url, max: 10 });
    try {
      const results = await Promise.all(
        Array.from({ length: 200 }, (_, i) => pool.query<{ v: number }>(`SELECT $1::int * ${(i % 5) + 1} AS v`, [i])),
      );
      const expected = Array.from({ length: 200 }, (_, i) => i * ((i % 5) + 1));
      expect(results.map((result) => result.rows[0].v)).toEqual(expected);
    } finally {
      await pool.end();
    }
  });

  it('shares one session: advisory locks do not exclude other connections (documented quirk)', async () => {
    server = await EmbeddedPostgres.start({ dataDir: dir.path });
    const url = server.url;
    await withClient(url, async (first) => {
      await first.query('SELECT pg_advisory_lock(1)');
      const other = await withClient(url, (second) => second.query('SELECT pg_try_advisory_lock(1) AS got'));
      expect(other.rows[0].got).toBe(true);
      await first.query('SELECT pg_advisory_unlock_all()');
    });
  });

  it('runs the migrations, idempotently', async () => {
    server = await EmbeddedPostgres.start({ dataDir: dir.path });
    const migrationsDir = findMigrationsDir(__dirname);
    const first = await runMigrations(server.url, migrationsDir);
    expect(first.applied).toHaveLength(first.total);
    await expect(runMigrations(server.url, migrationsDir)).resolves.toEqual({ applied: [], total: first.total });
  });
});

import { chmodSync, existsSync, statSync } from 'node:fs';
import { createServer, Server } from 'node:net';
import { join } from 'node:path';
import { Worker } from 'node:worker_threads';
import { PrismaPg } from '@prisma/adapter-pg';
import { Client, Pool } from 'pg';
import { PrismaClient } from '../generated/prisma/client';
import { findMigrationsDir } from '../migrations/migration-files';
import { runMigrations } from '../migrations/migration-runner';
import { CAN_SWITCH_USER, connectAsNobody, connectHere, HAS_PROCFS, ownListeningTcpSockets } from '../testing/local-access';
import { createTempDir, TempDir } from '../testing/test-database';
import { EmbeddedPostgres } from './embedded-postgres';

/** A socket any local user may connect to: proves the `nobody` child itself works, so its EACCES below means something. */
async function withOpenSocket<T>(dir: string, work: (path: string) => Promise<T> | T): Promise<T> {
  chmodSync(dir, 0o755);
  const path = join(dir, 'open.sock');
  const server: Server = createServer((socket) => socket.destroy());
  await new Promise<void>((resolve) => server.listen(path, resolve));
  chmodSync(path, 0o777);
  try {
    return await work(path);
  } finally {
    await new Promise((resolve) => server.close(resolve));
  }
}

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

  it('serves pgvector and keeps its data across a restart', async () => {
    server = await EmbeddedPostgres.start({ dataDir: dir.path });
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
      const results = await Promise.all(Array.from({ length: 200 }, (_, i) => pool.query<{ v: number }>(`SELECT $1::int * ${(i % 5) + 1} AS v`, [i])));
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

  describe('access from other local processes', () => {
    it('listens on a Unix socket in a fresh private directory, on no TCP port, and pg and Prisma connect through its url', async () => {
      const tcpBefore = HAS_PROCFS ? ownListeningTcpSockets() : undefined;
      server = await EmbeddedPostgres.start({ dataDir: dir.path });
      const socketDir = server.socketDirectory;
      expect(server.url).toBe(`postgres://postgres@${encodeURIComponent(socketDir)}/postgres`);
      if (tcpBefore) expect(ownListeningTcpSockets()).toEqual(tcpBefore);

      const dirStat = statSync(socketDir);
      expect(dirStat.mode & 0o777).toBe(0o700);
      expect(dirStat.uid).toBe(process.getuid?.());
      const socketStat = statSync(join(socketDir, '.s.PGSQL.5432'));
      expect(socketStat.isSocket()).toBe(true);
      expect(socketStat.mode & 0o777).toBe(0o600);

      const rows = await withClient(server.url, (client) => client.query<{ one: number }>('SELECT 1 AS one'));
      expect(rows.rows).toEqual([{ one: 1 }]);
      const prisma = new PrismaClient({ adapter: new PrismaPg({ connectionString: server.url, max: 1 }) });
      try {
        await expect(prisma.$queryRaw<Array<{ two: number }>>`SELECT 2 AS two`).resolves.toEqual([{ two: 2 }]);
      } finally {
        await prisma.$disconnect();
      }
    });

    const asRoot = CAN_SWITCH_USER ? it : it.skip;
    // Skipped only when not root (a developer's machine): switching to `nobody` needs CAP_SETUID. CI runs as root.
    asRoot('refuses another local user (nobody) with EACCES while its owner connects', async () => {
      server = await EmbeddedPostgres.start({ dataDir: dir.path });
      const socketPath = join(server.socketDirectory, '.s.PGSQL.5432');
      const control = createTempDir('facegate-open');
      try {
        await withOpenSocket(control.path, (open) => expect(connectAsNobody(open)).toBe('connected'));
      } finally {
        control.remove();
      }
      expect(connectAsNobody(socketPath)).toBe('EACCES');
      await expect(connectHere(socketPath)).resolves.toBe('connected');
      await expect(withClient(server.url, (client) => client.query('SELECT 1'))).resolves.toBeDefined();
    });

    it('uses a new socket directory per start and removes it on stop()', async () => {
      server = await EmbeddedPostgres.start({ dataDir: dir.path });
      const first = server.socketDirectory;
      await server.stop();
      expect(existsSync(first)).toBe(false);

      server = await EmbeddedPostgres.start({ dataDir: dir.path });
      expect(server.socketDirectory).not.toBe(first);
      await server.stop();
      expect(existsSync(server.socketDirectory)).toBe(false);
    });

    it('removes the socket directory when the database thread dies unexpectedly', async () => {
      server = await EmbeddedPostgres.start({ dataDir: dir.path });
      const socketDir = server.socketDirectory;
      // Stands in for a crash of the thread (e.g. WebAssembly out of memory): the private worker is ended from outside.
      const worker = (server as unknown as { worker: Worker }).worker;
      await new Promise((resolve) => {
        worker.once('exit', resolve);
        void worker.terminate();
      });
      expect(existsSync(socketDir)).toBe(false);
    });
  });
});

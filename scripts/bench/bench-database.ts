/**
 * What the vector-search benchmarks share (search.bench.ts, tiered.bench.ts): connections to the machine's
 * PostgreSQL, a benchmark database of their own, and timed probes run the way the product runs a search.
 */
import { performance } from 'node:perf_hooks';
import pg from 'pg';

let server = 'postgres://postgres@127.0.0.1:5432';
export const WARM_UP = 10;

export interface Answer {
  ids: number[];
  persons: number[];
}

/** Another server than the machine's (a bench's --server: e.g. a cluster tuned as the sizing guide says). */
export function useServer(url: string): void {
  server = url.replace(/\/+$/, '');
}

export async function connect(database: string): Promise<pg.Client> {
  const client = new pg.Client({ connectionString: `${server}/${database}` });
  // A terminated backend also emits 'error' on the client; unhandled, it would kill the process before the failing
  // query's own rejection is reported.
  client.on('error', (error) => console.error(`connection to ${database} lost: ${error.message}`));
  await client.connect();
  return client;
}

/** Creates the database, or reuses it with --keep; refuses to touch one another run is connected to. */
export async function prepareDatabase(database: string, keep: boolean): Promise<void> {
  const admin = await connect('postgres');
  try {
    const exists = (await admin.query('SELECT 1 FROM pg_database WHERE datname = $1', [database])).rowCount === 1;
    const users = await admin.query<{ n: number }>('SELECT count(*)::int AS n FROM pg_stat_activity WHERE datname = $1', [database]);
    if (users.rows[0].n > 0) throw new Error(`${database} has ${users.rows[0].n} open connection(s): another benchmark is using it`);
    if (exists && !keep) await admin.query(`DROP DATABASE ${database} WITH (FORCE)`);
    if (!exists || !keep) await admin.query(`CREATE DATABASE ${database}`);
  } finally {
    await admin.end();
  }
}

export async function dropDatabase(database: string): Promise<void> {
  const admin = await connect('postgres');
  await admin.query(`DROP DATABASE IF EXISTS ${database} WITH (FORCE)`);
  await admin.end();
}

/** Every index on the table (a --keep rerun may find one left by an interrupted run). */
export async function dropIndexes(client: pg.Client, table: string): Promise<void> {
  const { rows } = await client.query<{ name: string }>('SELECT indexrelid::regclass::text AS name FROM pg_index WHERE indrelid = $1::regclass', [table]);
  for (const { name } of rows) await client.query(`DROP INDEX ${name}`);
}

/**
 * Runs every probe with `settings` applied as SET LOCAL in its own transaction, as the product does, timing the
 * SELECT alone (BEGIN, set_config and COMMIT add three local round trips, ~0.1 ms each), after WARM_UP probes.
 */
export async function runProbes(client: pg.Client, sql: string, settings: Record<string, string>, probes: ReadonlyArray<{ text: string }>) {
  const names = Object.keys(settings);
  const setSql = `SELECT ${names.map((_, i) => `set_config($${2 * i + 1}, $${2 * i + 2}, true)`).join(', ')}`;
  const setValues = names.flatMap((n) => [n, settings[n]]);
  const once = async (probe: { text: string }) => {
    await client.query('BEGIN');
    if (names.length > 0) await client.query(setSql, setValues);
    const t = performance.now();
    const { rows } = await client.query<{ id: number; person: number }>(sql, [probe.text]);
    const elapsed = performance.now() - t;
    await client.query('COMMIT');
    return { elapsed, answer: { ids: rows.map((r) => r.id), persons: rows.map((r) => r.person) } };
  };
  for (let i = 0; i < WARM_UP; i++) await once(probes[i % probes.length]);
  const latencies: number[] = [];
  const answers: Answer[] = [];
  for (const probe of probes) {
    const { elapsed, answer } = await once(probe);
    latencies.push(elapsed);
    answers.push(answer);
  }
  return { latencies, answers };
}

export const BUILD_SESSION_MEMORY_MB = 4096;

/**
 * A session ready to build vector indexes the way every search benchmark does: pgvector present, BUILD_SESSION_MEMORY_MB
 * of maintenance_work_mem (pgvector's k-means at thousands of lists), one parallel worker per build (two cores).
 */
export async function prepareBuildSession(client: pg.Client): Promise<void> {
  await client.query('CREATE EXTENSION IF NOT EXISTS vector');
  await client.query(`SET maintenance_work_mem = '${BUILD_SESSION_MEMORY_MB}MB'`);
  await client.query('SET max_parallel_maintenance_workers = 1');
}

/** The server's PostgreSQL and pgvector versions, for the reports. */
export async function serverVersions(client: pg.Client): Promise<{ postgres: string; pgvector: string }> {
  const { rows } = await client.query<{ postgres: string; pgvector: string }>(
    "SELECT split_part(version(), ' on ', 1) AS postgres, (SELECT extversion FROM pg_extension WHERE extname = 'vector') AS pgvector",
  );
  return rows[0];
}

/**
 * The real server for the benchmarks that measure it from outside: main.ts in a process of its own (as `npm start`
 * runs it, under swc for Nest's decorator metadata) on a fresh PostgreSQL database, with plain node:http probes.
 */
import { ChildProcess, spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { existsSync, readFileSync } from 'node:fs';
import { Agent, request } from 'node:http';
import { join, resolve } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import pg from 'pg';
import { freePort } from '../../test/server-process';

const ROOT = resolve(__dirname, '..', '..');
export const ADMIN_KEY = 'bench-admin-key-0123456789abcdef';
const ADMIN_URL = 'postgres://postgres@127.0.0.1:5432/postgres';

export async function withServer<T>(
  dir: string,
  databaseUrl: string,
  work: (port: number, server: ChildProcess) => Promise<T>,
  env: Record<string, string> = {},
  launch: Launch = {},
): Promise<T> {
  const port = await freePort();
  const server = startServer(dir, port, databaseUrl, env, launch);
  try {
    await waitReady(port, server);
    return await work(port, server);
  } finally {
    await stop(server);
  }
}

/** SIGKILL: a server still chewing on a flood would not get to its SIGTERM handler. */
export async function stop(server: ChildProcess): Promise<void> {
  if (server.exitCode !== null || server.signalCode !== null) return;
  const exited = new Promise((r) => server.once('exit', r));
  server.kill('SIGKILL');
  await exited;
}

/**
 * How `npm start` runs the API, read from package.json's start:prod (the settings' one home): its `NAME=${NAME:-value}`
 * assignments, the Node flags and the script.
 */
export function productionStart(): { env: Record<string, string>; flags: string[]; script: string } {
  const pkg = JSON.parse(readFileSync(join(ROOT, 'package.json'), 'utf8')) as { scripts: Record<string, string> };
  const words = pkg.scripts['start:prod'].split(/\s+/);
  const env: Record<string, string> = {};
  for (const word of words) {
    const assignment = /^(\w+)=\$\{\w+:-([^}]*)\}$/.exec(word);
    if (assignment) env[assignment[1]] = assignment[2];
  }
  const node = words.indexOf('node');
  const script = words.findIndex((w, i) => i > node && w.endsWith('.js'));
  if (node < 0 || script < 0) throw new Error(`cannot read start:prod: ${pkg.scripts['start:prod']}`);
  return { env, flags: words.slice(node + 1, script), script: words[script] };
}

/** How the server starts: from its sources (the default) or as built; and start:prod variables to leave unset. */
export interface Launch {
  /** `sources`: apps/api/src/main.ts under swc (Nest's decorator metadata), no build needed; `dist`: start:prod's script. */
  entry?: 'sources' | 'dist';
  /** Variables of start:prod's environment to leave out (glibc then uses its own defaults). */
  unset?: string[];
}

/**
 * The API with npm start's environment and Node flags. `env` adds to (or overrides) the server's environment: rate
 * limits are lifted unless it sets them.
 */
export function startServer(dir: string, port: number, databaseUrl: string, env: Record<string, string> = {}, launch: Launch = {}): ChildProcess {
  const production = productionStart();
  if (launch.entry === 'dist' && !existsSync(join(dir, production.script))) throw new Error(`${production.script} is missing: run npm run build first`);
  const entry = launch.entry === 'dist' ? [production.script] : ['-r', '@swc-node/register', 'apps/api/src/main.ts'];
  const serverEnv: Record<string, string> = {
    PATH: process.env.PATH ?? '',
    HOME: process.env.HOME ?? '',
    NODE_ENV: 'production',
    ...production.env,
    DATABASE_URL: databaseUrl,
    PORT: String(port),
    HOST: '127.0.0.1',
    FACEGATE_API_KEY: ADMIN_KEY,
    FACEGATE_MODELS_DIR: join(ROOT, 'models'),
    LOG_FORMAT: 'json',
    ...Object.fromEntries(['ENROL', 'RECOGNIZE', 'READ', 'ADMIN'].map((c) => [`FACEGATE_RATE_LIMIT_${c}`, '10000000'])),
    ...env,
  };
  for (const name of launch.unset ?? []) delete serverEnv[name];
  const child = spawn(process.execPath, [...production.flags, ...entry], { cwd: dir, env: serverEnv, stdio: ['ignore', 'ignore', 'pipe'] });
  child.stderr.on('data', (d: Buffer) => process.stderr.write(d));
  return child;
}

export async function waitReady(port: number, server: ChildProcess): Promise<void> {
  for (let i = 0; i < 600; i++) {
    if (server.exitCode !== null) throw new Error(`the server exited (${server.exitCode})`);
    const status = await get(port, '/health/ready').then(
      (r) => r.status,
      () => 0,
    );
    if (status === 200) return;
    await sleep(200);
  }
  throw new Error('the server did not become ready');
}

/** A fresh PostgreSQL database (as the e2e tests make one). */
export async function createDatabase(): Promise<{ url: string; drop(): Promise<void> }> {
  const name = `facegate_bench_${randomBytes(4).toString('hex')}`;
  await adminQuery(`CREATE DATABASE ${name}`);
  return { url: `postgres://postgres@127.0.0.1:5432/${name}`, drop: () => adminQuery(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`) };
}

async function adminQuery(sql: string): Promise<void> {
  const client = new pg.Client({ connectionString: ADMIN_URL });
  await client.connect();
  try {
    await client.query(sql);
  } finally {
    await client.end();
  }
}

export function get(
  port: number,
  path: string,
  agent: Agent | undefined = undefined,
  headers: Record<string, string> = {},
): Promise<{ status: number; body: string }> {
  return new Promise((resolveGet, reject) => {
    const req = request({ host: '127.0.0.1', port, path, agent: agent ?? false, headers }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (c: Buffer) => chunks.push(c));
      res.on('end', () => resolveGet({ status: res.statusCode ?? 0, body: Buffer.concat(chunks).toString('utf8') }));
    });
    req.on('error', reject);
    req.end();
  });
}

/** A process's resident memory in MB (0 once it has gone). */
export function rssMb(pid: number): number {
  try {
    const line = readFileSync(`/proc/${pid}/status`, 'utf8')
      .split('\n')
      .find((l) => l.startsWith('VmRSS:'));
    return Math.round(Number(line?.split(/\s+/)[1] ?? 0) / 1024);
  } catch {
    return 0;
  }
}

import { cpSync, existsSync, mkdtempSync, readFileSync, renameSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { randomBytes } from 'node:crypto';
import { INestApplication } from '@nestjs/common';
import { Client } from 'pg';
import request from 'supertest';
import { createApp } from '../apps/api/src/app.setup';
import { loadConfig } from '@facegate/core';
import { EmbeddedPostgres } from '@facegate/database';
import { APP_VERSION } from '../apps/api/src/openapi/app-version';
import { buildOpenApiDocument } from '../apps/api/src/openapi/openapi-document';
import { validateResponsesAgainst } from './openapi-responses';

export type TestDatabase = 'postgres' | 'embedded';
export const ADMIN_KEY = 'e2e-admin-key-0123456789abcdef';
const ADMIN_URL = 'postgres://postgres@127.0.0.1:5432/postgres';

/** Which database this jest project runs the e2e suite against (set per project in jest.config.js). */
export function testDatabase(): TestDatabase {
  const kind = (globalThis as { FACEGATE_TEST_DATABASE?: string }).FACEGATE_TEST_DATABASE;
  return kind === 'embedded' ? 'embedded' : 'postgres';
}

export interface TestApp {
  app: INestApplication;
  http: ReturnType<typeof request>;
  /** Restart the app on the same database (persistence tests). */
  restart(): Promise<TestApp>;
  close(): Promise<void>;
}

/** Issues an API key through the API, as an admin would: its id and the key itself (shown once). */
export async function createKey(app: TestApp, body: { name: string; scopes: string[]; collections?: string[] }): Promise<{ id: string; key: string }> {
  const res = await app.http.post('/api-keys').set('X-API-Key', ADMIN_KEY).send(body).expect(201);
  return { id: res.body.id as string, key: res.body.key as string };
}

/** A fresh, empty database of the given kind: a new PostgreSQL database, or a new embedded data directory. */
export async function createTestDatabase(kind: TestDatabase): Promise<{ env: Record<string, string>; drop(): Promise<void> }> {
  if (kind === 'embedded') {
    const dir = mkdtempSync(join(tmpdir(), 'facegate-e2e-'));
    cpSync(await embeddedTemplate(), dir, { recursive: true });
    return { env: { DATA_DIR: dir }, drop: async () => rmSync(dir, { recursive: true, force: true }) };
  }
  const name = `facegate_e2e_${randomBytes(4).toString('hex')}`;
  await adminQuery(`CREATE DATABASE ${name}`);
  return {
    env: { DATABASE_URL: `postgres://postgres@127.0.0.1:5432/${name}`, DATA_DIR: join(tmpdir(), name) },
    drop: () => adminQuery(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`),
  };
}

export async function startTestApp(env: Record<string, string>, overrides: Record<string, string> = {}): Promise<TestApp> {
  // Most suites test matching, enrolment and limits on single photos, so their collections default to photo search;
  // suites about sign-in liveness pass FACEGATE_COLLECTION_PURPOSE: 'sign_in' (the product's default) as an override.
  const base = { FACEGATE_API_KEY: ADMIN_KEY, LOG_LEVEL: 'warn', PORT: '0', FACEGATE_ENGINE_WORKERS: '2', FACEGATE_COLLECTION_PURPOSE: 'photo_search' };
  const config = loadConfig({ ...base, ...env, ...overrides });
  const app = await createApp(config);
  // Every response of this file's apps is checked against the document /docs/openapi.json serves (issue 17).
  validateResponsesAgainst(() => buildOpenApiDocument(app, APP_VERSION));
  await app.init();
  const self: TestApp = {
    app,
    http: request(app.getHttpServer()),
    restart: async () => {
      await app.close();
      return startTestApp(env, overrides);
    },
    close: () => app.close(),
  };
  return self;
}

/**
 * An embedded data directory just after initdb (no migrations: each app still runs them), made once per PGlite version
 * and OS user, and copied for each suite: initdb takes about 3 s a start (more on slow hosts) and the embedded e2e
 * suites start some 45 apps. A start on a new directory, initdb included, stays tested by embedded-postgres.int-spec.ts.
 * Built beside its final name and renamed, so a run killed half-way leaves no half-made template.
 */
async function embeddedTemplate(): Promise<string> {
  const template = join(tmpdir(), `facegate-e2e-template-pglite-${pgliteVersion()}-uid${process.getuid?.() ?? 0}`);
  if (existsSync(join(template, 'PG_VERSION'))) return template;
  // A template some tmp cleaner has emptied is made again.
  if (existsSync(template)) rmSync(template, { recursive: true, force: true });
  const building = mkdtempSync(`${template}.building-`);
  try {
    await (await EmbeddedPostgres.start({ dataDir: building })).stop();
    renameSync(building, template);
  } catch (error) {
    // Another jest process may have finished its template first: use that one.
    if (!existsSync(join(template, 'PG_VERSION'))) throw error;
  } finally {
    rmSync(building, { recursive: true, force: true });
  }
  return template;
}

/** The version of the PGlite the embedded database loads (resolved as it resolves it). */
function pgliteVersion(): string {
  for (let dir = dirname(require.resolve('@electric-sql/pglite')); dir !== dirname(dir); dir = dirname(dir)) {
    const manifest = join(dir, 'package.json');
    if (!existsSync(manifest)) continue;
    const pkg = JSON.parse(readFileSync(manifest, 'utf8')) as { name?: string; version?: string };
    if (pkg.name === '@electric-sql/pglite' && pkg.version) return pkg.version;
  }
  throw new Error('the version of @electric-sql/pglite was not found');
}

async function adminQuery(sql: string): Promise<void> {
  const client = new Client({ connectionString: ADMIN_URL });
  await client.connect();
  try {
    await client.query(sql);
  } finally {
    await client.end();
  }
}

/**
 * Registers beforeAll/afterAll that give the suite its own fresh database (of this jest project's kind) and app;
 * returns a getter for the running app.
 */
export function useTestApp(overrides: Record<string, string> = {}): () => TestApp {
  let app: TestApp | undefined;
  let db: Awaited<ReturnType<typeof createTestDatabase>> | undefined;
  beforeAll(async () => {
    db = await createTestDatabase(testDatabase());
    app = await startTestApp(db.env, overrides);
  });
  afterAll(async () => {
    await app?.close();
    await db?.drop();
  });
  return () => {
    if (!app) throw new Error('the test app is not running');
    return app;
  };
}

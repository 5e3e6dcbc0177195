import { copyFileSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createServer, Server } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { DEFAULT_MODELS_DIR, MODEL_FILES } from '@facegate/face-engine';
import { withClient } from '../../../libs/database/src/testing/test-database';
import { ADMIN_KEY, createTestDatabase, testDatabase } from '../../../test/e2e-app';
import { freePort, ServerProcess } from '../../../test/server-process';

/**
 * Issue 17: what a newcomer meets when the service cannot start, as the real process shows it (main.ts as `npm start`
 * runs it): exit 1 and ONE error line saying what to do, no stack trace. The conditions do not depend on the database
 * kind, so the suite runs once, in the PostgreSQL project (it needs PostgreSQL for the database cases).
 */
const kind = testDatabase();
const ADMIN_URL = 'postgres://postgres@127.0.0.1:5432/postgres';
const describeOnce = kind === 'postgres' ? describe : describe.skip;

interface Outcome {
  code: number | null;
  errors: string[];
  traces: string[];
}

async function start(env: Record<string, string>): Promise<Outcome> {
  const server = ServerProcess.start({
    PORT: String(await freePort()),
    HOST: '127.0.0.1',
    FACEGATE_API_KEY: ADMIN_KEY,
    LOG_FORMAT: 'json',
    FACEGATE_ENGINE_WORKERS: '1',
    ...env,
  });
  const { code } = await server.exited;
  const parsed = server.lines.flatMap((l) => {
    try {
      return [JSON.parse(l) as { level: string; msg: string }];
    } catch {
      return [];
    }
  });
  return {
    code,
    errors: parsed.filter((e) => e.level === 'error' || e.level === 'fatal').map((e) => e.msg),
    // A stack trace or a native abort prints raw lines; the log's own lines are JSON objects.
    traces: [...server.lines, ...server.errorLines].filter((l) => !l.startsWith('{') && /^\s+at |Error:|terminate called/.test(l)),
  };
}

function expectOneLine(outcome: Outcome, line: RegExp): void {
  expect(outcome.code).toBe(1);
  expect(outcome.traces).toEqual([]);
  // The framework's or the engine's own error line (Nest logs a failed listen) may precede the explanation, which is
  // the last line and says what to do.
  expect(outcome.errors.at(-1)).toMatch(line);
  expect(outcome.errors.length).toBeLessThanOrEqual(2);
}

describeOnce('start-up failures say what to do in one line', () => {
  let database: { env: Record<string, string>; drop(): Promise<void> };
  beforeAll(async () => {
    database = await createTestDatabase('postgres');
  });
  afterAll(() => database.drop());

  it('a port in use', async () => {
    const port = await freePort();
    const blocker: Server = createServer();
    await new Promise<void>((resolve) => blocker.listen(port, '127.0.0.1', resolve));
    try {
      expectOneLine(
        await start({ ...database.env, PORT: String(port) }),
        new RegExp(`^Port ${port} on 127.0.0.1 is already in use: stop the other process or set PORT`),
      );
    } finally {
      blocker.close();
    }
  });

  it('a database nobody listens for', async () => {
    const port = await freePort();
    expectOneLine(
      await start({ DATABASE_URL: `postgres://postgres:s3cret@127.0.0.1:${port}/facegate` }),
      new RegExp(`^Cannot reach PostgreSQL at 127.0.0.1:${port}/facegate \\(ECONNREFUSED\\): start it or fix DATABASE_URL`),
    );
  });

  it('a database that does not exist', async () => {
    expectOneLine(
      await start({ DATABASE_URL: 'postgres://postgres@127.0.0.1:5432/facegate_no_such_db' }),
      /^PostgreSQL at 127.0.0.1:5432\/facegate_no_such_db: database "facegate_no_such_db" does not exist\. Create it/,
    );
  });

  it('a user who may not create the pgvector extension (not a superuser; pgvector is not a trusted extension)', async () => {
    const name = `facegate_noext_${process.pid}`;
    await withClient(ADMIN_URL, async (c) => {
      await c.query(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`);
      await c.query(`DROP ROLE IF EXISTS ${name}`);
      await c.query(`CREATE ROLE ${name} LOGIN`);
      await c.query(`CREATE DATABASE ${name} OWNER ${name}`);
    });
    try {
      expectOneLine(
        await start({ DATABASE_URL: `postgres://${name}@127.0.0.1:5432/${name}` }),
        /may not create the pgvector extension .* CREATE EXTENSION vector; in that database once/,
      );
    } finally {
      await withClient(ADMIN_URL, async (c) => {
        await c.query(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`);
        await c.query(`DROP ROLE IF EXISTS ${name}`);
      });
    }
  });

  describe('models', () => {
    let dir: string;
    beforeEach(() => {
      dir = mkdtempSync(join(tmpdir(), 'facegate-models-'));
      for (const file of Object.values(MODEL_FILES)) copyFileSync(join(DEFAULT_MODELS_DIR, file), join(dir, file));
    });
    afterEach(() => rmSync(dir, { recursive: true, force: true }));

    it('a missing model', async () => {
      rmSync(join(dir, MODEL_FILES.liveness));
      expectOneLine(
        await start({ ...database.env, FACEGATE_MODELS_DIR: dir }),
        new RegExp(`^Model ${MODEL_FILES.liveness} is missing from .*: run \`npm run models\``),
      );
    });

    it('a truncated model (onnxruntime would abort the process without a word)', async () => {
      const path = join(dir, MODEL_FILES.liveness);
      writeFileSync(path, readFileSync(path).subarray(0, 1000));
      expectOneLine(
        await start({ ...database.env, FACEGATE_MODELS_DIR: dir }),
        /is not the file models\/manifest.json lists .* run `npm run models` to fetch it again/,
      );
    });
  });
});

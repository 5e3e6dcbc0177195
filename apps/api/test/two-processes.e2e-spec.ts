import { ADMIN_KEY, createTestDatabase, testDatabase } from '../../../test/e2e-app';
import { photo } from '../../../test/photos';
import { freePort, Reply, send, ServerProcess } from '../../../test/server-process';

/**
 * Two real server processes (main.ts, as `npm start` runs it) on one PostgreSQL and one Redis, as replicas behind a
 * load balancer run: what one process starts, the other honours. A key's rate-limit budget is one across both
 * (Redis); a person's attempt budget and lockout, and a liveness session with its single-use token, live in the
 * database. Nothing of it is kept in a process's memory, so round robin with no sticky sessions is safe (README
 * "Docker: several API replicas"). The embedded database belongs to one process, so this runs on PostgreSQL only.
 */
const kind = testDatabase();
const admin = { 'X-API-Key': ADMIN_KEY };
const READ_LIMIT = 4;
/** An answer's JSON body, read field by field by the tests (a problem, a session, a verification...). */
// eslint-disable-next-line @typescript-eslint/no-explicit-any -- the tests check the fields they read
type Json = any;
// Webcam frames of one person (../shared/faces/live): frontal, then turned to his own left by about 20 and 27 degrees.
const FRONTAL = 'live/028.jpg';
const TURNED_LEFT = ['live/037.jpg', 'live/034.jpg'];

(kind === 'postgres' ? describe : describe.skip)('two server processes on one database and one Redis', () => {
  let db: Awaited<ReturnType<typeof createTestDatabase>>;
  const servers: ServerProcess[] = [];
  const ports: number[] = [];
  let blair: string;
  let recognizeKey: string;

  /** One request to process `i` (0 or 1); JSON in and out. */
  async function call(i: number, method: string, path: string, headers: Record<string, string>, body?: unknown): Promise<Reply & { json: Json }> {
    const reply = await send(ports[i], method, path, headers, body === undefined ? undefined : JSON.stringify(body));
    return { ...reply, json: reply.body ? JSON.parse(reply.body) : null };
  }

  beforeAll(async () => {
    db = await createTestDatabase('postgres');
    for (let i = 0; i < 2; i++) {
      ports.push(await freePort());
      servers.push(
        ServerProcess.start({
          ...db.env,
          PORT: String(ports[i]),
          HOST: '127.0.0.1',
          FACEGATE_API_KEY: ADMIN_KEY,
          LOG_LEVEL: 'log',
          FACEGATE_ENGINE_WORKERS: '1',
          REDIS_URL: 'redis://127.0.0.1:6379',
          FACEGATE_RATE_LIMIT_READ: String(READ_LIMIT),
          FACEGATE_LOCKOUT_FAILURES: '2',
          // One step the frames above perform, judged as in production.
          FACEGATE_LIVENESS_STEPS: 'turn_left',
          FACEGATE_LIVENESS_CHALLENGE_LENGTH: '1',
        }),
      );
    }
    for (const server of servers) {
      const started = await Promise.race([server.waitFor((l) => l.includes('facegate listening')), server.exited.then((e) => `exited ${JSON.stringify(e)}`)]);
      if (!started.includes('facegate listening')) throw new Error(`a server did not start: ${started}\n${server.errorLines.join('\n')}`);
    }
    const enrolled = await call(0, 'POST', '/users', admin, { name: 'Tony Blair', images: ['002', '003'].map((n) => photo(`Tony_Blair/${n}.jpg`)) });
    expect(enrolled.status).toBe(201);
    blair = enrolled.json.id;
    const key = await call(1, 'POST', '/api-keys', admin, { name: 'gate', scopes: ['recognize', 'read'] });
    expect(key.status).toBe(201);
    recognizeKey = key.json.key;
  }, 300_000);

  afterAll(async () => {
    for (const server of servers) if (server.child.exitCode === null) server.child.kill('SIGKILL');
    await Promise.all(servers.map((s) => s.exited));
    await db?.drop();
  });

  it('draws a key on one rate-limit budget across both processes (Redis)', async () => {
    const statuses: number[] = [];
    for (let i = 0; i < READ_LIMIT; i++) statuses.push((await call(i % 2, 'GET', '/users', { 'X-API-Key': recognizeKey })).status);
    expect(statuses).toEqual(Array(READ_LIMIT).fill(200));
    for (const i of [0, 1]) {
      const refused = await call(i, 'GET', '/users', { 'X-API-Key': recognizeKey });
      expect([refused.status, refused.json.code]).toEqual([429, 'RATE_LIMITED']);
    }
  });

  it("counts a key's failed verifications of a person on both: locked out on one, refused on the other, cleared on either", async () => {
    const impostor = (i: number) => call(i, 'POST', '/verify', { 'X-API-Key': recognizeKey }, { userId: blair, image: photo('Colin_Powell/004.jpg') });
    expect((await impostor(0)).json.verified).toBe(false);
    expect((await impostor(1)).json.verified).toBe(false);
    for (const i of [0, 1]) {
      const locked = await impostor(i);
      expect([locked.status, locked.json.code]).toEqual([423, 'LOCKED_OUT']);
    }
    const listed = await call(1, 'GET', '/lockouts', admin);
    expect(listed.json.items.map((l: { userId: string }) => l.userId)).toEqual([blair]);
    expect((await call(1, 'DELETE', `/lockouts/${blair}`, admin)).status).toBe(204);
    const genuine = await call(0, 'POST', '/verify', { 'X-API-Key': recognizeKey }, { userId: blair, image: photo('Tony_Blair/004.jpg') });
    expect([genuine.status, genuine.json.verified]).toEqual([200, true]);
  });

  it('runs one liveness session across both: opened on one, answered on the other, its token spent once', async () => {
    const person = await call(0, 'POST', '/users', admin, { name: 'Webcam person', images: [photo(FRONTAL)] });
    expect(person.status).toBe(201);
    const opened = await call(0, 'POST', '/liveness/sessions', { 'X-API-Key': recognizeKey }, {});
    expect(opened.status).toBe(201);
    const seen = await call(1, 'GET', `/liveness/sessions/${opened.json.id}`, { 'X-API-Key': recognizeKey });
    expect(seen.json).toMatchObject({ id: opened.json.id, status: 'in_progress', nextStep: 'turn_left', stepNonce: opened.json.stepNonce });
    // A person needs a moment to move: the server refuses answers faster than its least step time (300 ms).
    await new Promise((resolve) => setTimeout(resolve, 500));
    const answered = await call(
      1,
      'POST',
      `/liveness/sessions/${opened.json.id}/frames`,
      { 'X-API-Key': recognizeKey },
      { frames: [FRONTAL, ...TURNED_LEFT].map(photo), stepNonce: seen.json.stepNonce, final: true },
    );
    expect([answered.status, answered.json.status]).toEqual([200, 'passed']);
    const token = answered.json.livenessToken as string;
    const probe = { userId: person.json.id, image: photo(FRONTAL), livenessToken: token };
    const verified = await call(0, 'POST', '/verify', { 'X-API-Key': recognizeKey }, probe);
    expect([verified.status, verified.json.verified, verified.json.liveness.challengePassed]).toEqual([200, true, true]);
    const again = await call(1, 'POST', '/verify', { 'X-API-Key': recognizeKey }, probe);
    expect([again.status, again.json.code]).toEqual([409, 'LIVENESS_TOKEN_USED']);
    const closed = await call(0, 'GET', `/liveness/sessions/${opened.json.id}`, { 'X-API-Key': recognizeKey });
    expect(closed.json.status).toBe('passed');
  });
});

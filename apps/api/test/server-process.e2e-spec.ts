import { Agent } from 'node:http';
import WebSocket from 'ws';
import { ADMIN_KEY, createTestDatabase, testDatabase } from '../../../test/e2e-app';
import { photo } from '../../../test/photos';
import { connectionRefused, freePort, send, ServerProcess } from '../../../test/server-process';

// The real server as a child process (main.ts, as `npm start` runs it): its stdout log lines and its signal handling
// are what operators get, and neither exists inside the in-process test app.
const kind = testDatabase();
const CONCURRENT = 20;

/** 20 or more comma-separated decimal numbers: an embedding written out. */
const NUMBER_RUN = /(?:-?\d+\.\d+(?:e[+-]?\d+)?\s*,\s*){19,}-?\d+\.\d+/i;

/** No log line holds a piece of any of the images (start, middle and end of its base64) or an embedding. */
function expectNoImagesOrEmbeddings(lines: string[], images: string[]): void {
  for (const image of images) {
    const base64 = image.slice(image.indexOf(',') + 1);
    const slices = [0, 0.25, 0.5, 0.75].map((at) => Math.floor(base64.length * at)).concat(base64.length - 100);
    for (const start of slices) {
      const piece = base64.slice(start, start + 100);
      expect({ start, line: lines.find((line) => line.includes(piece)) }).toEqual({ start, line: undefined });
    }
  }
  expect(lines.find((line) => NUMBER_RUN.test(line))).toBeUndefined();
}

/** Requests being served, read from /metrics (the scrape itself included). */
async function inFlight(port: number): Promise<number> {
  const res = await send(port, 'GET', '/metrics', { 'X-API-Key': ADMIN_KEY });
  const line = res.body.split('\n').find((l) => l.startsWith('facegate_http_requests_in_flight '));
  return Number(line?.split(' ')[1] ?? 0);
}

describe(`the server process (${kind})`, () => {
  let db: Awaited<ReturnType<typeof createTestDatabase>>;
  let server: ServerProcess;
  let port: number;
  const image = photo('Colin_Powell/002.jpg');

  beforeAll(async () => {
    db = await createTestDatabase(kind);
    port = await freePort();
    server = ServerProcess.start({
      ...db.env,
      PORT: String(port),
      HOST: '127.0.0.1',
      FACEGATE_API_KEY: ADMIN_KEY,
      LOG_FORMAT: 'json',
      LOG_LEVEL: 'log',
      FACEGATE_ENGINE_WORKERS: '2',
      // 20 recognitions on a busy 2-core machine must not outlast the grace period: the test is about draining.
      FACEGATE_SHUTDOWN_GRACE_SECONDS: '120',
    });
    const started = await Promise.race([server.waitFor((l) => l.includes('facegate listening')), server.exited.then((e) => `exited ${JSON.stringify(e)}`)]);
    if (!started.includes('facegate listening')) throw new Error(`the server did not start: ${started}\n${server.lines.join('\n')}`);
  });

  afterAll(async () => {
    if (server.child.exitCode === null) server.child.kill('SIGKILL');
    await server.exited;
    await db.drop();
  });

  it('writes one JSON object per line, with request ids and an access line per request, never images or keys', async () => {
    const auth = { 'X-API-Key': ADMIN_KEY };
    const enrol = await send(
      port,
      'POST',
      '/users',
      { ...auth, 'X-Request-Id': 'logs-enrol-1' },
      JSON.stringify({ name: 'Colin', externalId: 'cp', images: [image] }),
    );
    expect(enrol.status).toBe(201);
    const probe = await send(
      port,
      'POST',
      '/recognize',
      { ...auth, 'X-Request-Id': 'logs-recognize-1' },
      JSON.stringify({ image: photo('Colin_Powell/004.jpg') }),
    );
    expect(probe.status).toBe(200);
    expect((await send(port, 'GET', '/users', { 'X-API-Key': 'fg_wrong_key_00000000000000', 'X-Request-Id': 'logs-denied-1' })).status).toBe(401);
    await server.waitFor((l) => l.includes('logs-denied-1'));

    const entries = server.lines.map((line) => {
      const entry = JSON.parse(line) as Record<string, unknown>;
      expect(entry).toEqual(
        expect.objectContaining({ time: expect.any(String), level: expect.stringMatching(/^(fatal|error|warn|info|debug)$/), msg: expect.any(String) }),
      );
      return entry;
    });
    const access = (id: string) => entries.find((e) => e.requestId === id && e.msg === 'request');
    expect(access('logs-enrol-1')).toMatchObject({
      context: 'Http',
      method: 'POST',
      route: '/users',
      status: 201,
      durationMs: expect.any(Number),
      keyId: expect.stringMatching(/^.{8}$/),
    });
    expect(access('logs-recognize-1')).toMatchObject({ method: 'POST', route: '/recognize', status: 200 });
    expect(access('logs-denied-1')).toMatchObject({ route: '/users', status: 401 });
    expect(access('logs-denied-1')).not.toHaveProperty('keyId');
    // Start-up lines have no request id; Nest's own lines go through the same logger.
    expect(entries.some((e) => e.context === 'PrismaService' && !('requestId' in e))).toBe(true);

    expectNoImagesOrEmbeddings(server.lines, [image, photo('Colin_Powell/004.jpg')]);
    const all = server.lines.join('\n');
    expect(all).not.toContain(ADMIN_KEY);
    expect(all).not.toContain('fg_wrong_key');
  });

  it('on SIGTERM finishes every accepted request and stream frame, closes streams with 1001, then exits 0 and stops listening', async () => {
    const probe = photo('Colin_Powell/005.jpg');
    const body = JSON.stringify({ image: probe });
    const stream = await openStream(port);
    // Keep-alive connections: the client does not ask to close them, so only the drain can.
    const agent = new Agent({ keepAlive: true });
    let answered = 0;
    const replies = Array.from({ length: CONCURRENT }, (_, i) =>
      send(port, 'POST', '/recognize', { 'X-API-Key': ADMIN_KEY, 'X-Request-Id': `drain-${i}` }, body, agent).then(
        (reply) => (answered++, { i, reply }),
        (error: Error) => ({ i, error: error.message }),
      ),
    );
    // Signal once the server has accepted every request (answered or being served; the scrape counts itself) and
    // some are still being served: the engine takes a while to get through 20.
    for (;;) {
      const serving = (await inFlight(port)) - 1;
      if (answered + serving >= CONCURRENT && serving > 0) break;
      if (answered === CONCURRENT) throw new Error('every request was answered before the signal: nothing was in flight');
    }
    // A stream frame sent just before the signal (behind the recognitions in the engine's queue) is answered, then
    // the socket is closed with 1001.
    stream.socket.send(JSON.stringify({ type: 'frame', seq: 1, image: probe }));
    await new Promise((r) => setTimeout(r, 100));
    server.child.kill('SIGTERM');
    expect(await stream.closed).toBe(1001);
    expect(stream.messages.filter((m) => m.seq === 1).map((m) => m.type)).toEqual(['result']);

    const results = await Promise.all(replies);
    for (const result of results) {
      expect({ i: result.i, error: 'error' in result ? result.error : undefined, status: 'reply' in result ? result.reply.status : undefined }).toEqual({
        i: result.i,
        error: undefined,
        status: 200,
      });
      if ('reply' in result) expect(JSON.parse(result.reply.body)).toMatchObject({ match: true });
    }
    expect(await server.exited).toEqual({ code: 0, signal: null });
    agent.destroy();
    expect(await connectionRefused(port)).toBe(true);
    const messages = server.lines.map((l) => JSON.parse(l) as { msg: string; context?: string; requestId?: string });
    expect(messages.filter((m) => m.context === 'Shutdown').map((m) => m.msg)).toEqual([
      'draining',
      'listener closed; finishing requests in flight',
      'shut down',
    ]);

    // Requests the server finished after it began draining (their access lines follow 'draining' in its own log):
    // each answer asked the client to close its keep-alive connection. Some were still being served at the signal.
    const drainingAt = messages.findIndex((m) => m.context === 'Shutdown' && m.msg === 'draining');
    const finishedDraining = new Set(
      messages
        .slice(drainingAt)
        .filter((m) => m.msg === 'request')
        .map((m) => m.requestId),
    );
    const afterSignal = results.flatMap((r) => ('reply' in r && finishedDraining.has(`drain-${r.i}`) ? [r.reply] : []));
    expect(afterSignal.length).toBeGreaterThan(0);
    expect(afterSignal.map((reply) => reply.headers.connection)).toEqual(afterSignal.map(() => 'close'));
    expectNoImagesOrEmbeddings(server.lines, [probe]);
  });
});

/** A stream connection to the real process, authenticated, recording its messages and its close code. */
async function openStream(port: number) {
  const socket = new WebSocket(`ws://127.0.0.1:${port}/v1/stream`, ['facegate.v1', `facegate.key.${ADMIN_KEY}`]);
  const messages: Array<{ type: string; seq?: number }> = [];
  const closed = new Promise<number>((resolve) => socket.on('close', (code: number) => resolve(code)));
  await new Promise<void>((resolve, reject) => {
    socket.on('message', (data: Buffer) => {
      messages.push(JSON.parse(data.toString('utf8')) as { type: string; seq?: number });
      if (messages[messages.length - 1].type === 'ready') resolve();
    });
    socket.once('error', reject);
  });
  return { socket, messages, closed };
}

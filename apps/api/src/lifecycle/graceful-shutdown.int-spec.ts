// Real HTTP servers and sockets, timed in real time: the integration tier (the unit tier has no sleeps or I/O).
import { Logger } from '@nestjs/common';
import type { INestApplication } from '@nestjs/common';
import { Agent, createServer, IncomingMessage, request, Server, ServerResponse } from 'node:http';
import { AddressInfo, connect, Socket } from 'node:net';
import { GracefulShutdown, ShutdownHost } from './graceful-shutdown';
import { BackgroundTasks } from '@facegate/core';
import { LifecycleService } from './lifecycle.service';

// The shutdown's progress lines are for operators, not for the test output.
beforeAll(() => Logger.overrideLogger(false));

const sleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));

/** A host whose signals the test sends and whose clock the test sets. */
function fakeHost() {
  const handlers = new Map<string, () => void>();
  const host = { time: 0, exits: [] as number[] };
  const seam: ShutdownHost = {
    onSignal: (signal, handler) => void handlers.set(signal, handler),
    exit: (code) => void host.exits.push(code),
    now: () => host.time,
  };
  return { host, seam, send: (signal: string, at: number) => ((host.time = at), handlers.get(signal)!()) };
}

function fakeApp(server?: Server) {
  return { getHttpServer: () => server, close: jest.fn(async () => undefined) } as unknown as INestApplication & { close: jest.Mock };
}

describe('GracefulShutdown signals', () => {
  const setUp = () => {
    const { host, seam, send } = fakeHost();
    const shutdown = new GracefulShutdown(fakeApp(), new LifecycleService(), { delayMs: 0, graceMs: 1000 }, { host: seam });
    let finish!: () => void;
    const run = jest.spyOn(shutdown, 'run').mockReturnValue(new Promise<void>((resolve) => (finish = resolve)));
    shutdown.install();
    return { host, send, run, finish: async () => (finish(), await sleep(0)) };
  };

  it('shuts down once for the two SIGINTs of one Ctrl-C under npm start, then exits 0', async () => {
    const { host, send, run, finish } = setUp();
    send('SIGINT', 10_000);
    send('SIGINT', 10_050);
    expect(run).toHaveBeenCalledTimes(1);
    expect(host.exits).toEqual([]);
    await finish();
    expect(host.exits).toEqual([0]);
  });

  it('exits 1 at once on a deliberate second Ctrl-C, or on another signal', async () => {
    const late = setUp();
    late.send('SIGINT', 10_000);
    late.send('SIGINT', 13_000);
    expect(late.host.exits).toEqual([1]);
    const other = setUp();
    other.send('SIGTERM', 0);
    other.send('SIGINT', 100);
    expect(other.host.exits).toEqual([1]);
    expect(other.run).toHaveBeenCalledTimes(1);
  });
});

describe('GracefulShutdown drain', () => {
  let server: Server;
  let port: number;
  let lifecycle: LifecycleService;
  let handle: (req: IncomingMessage, res: ServerResponse) => void;

  beforeEach(async () => {
    lifecycle = new LifecycleService();
    server = createServer((req, res) => {
      lifecycle.track(res as never);
      handle(req, res);
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    port = (server.address() as AddressInfo).port;
  });

  afterEach(() => {
    server.closeAllConnections();
    server.close();
  });

  const shutdown = (app: INestApplication, graceMs: number, background?: BackgroundTasks, closeMs?: number) =>
    new GracefulShutdown(app, lifecycle, { delayMs: 0, graceMs, closeMs }, { host: { ...fakeHost().seam, now: () => performance.now() }, background });

  /** Everything the server sends on a raw connection, once it closes it. */
  const received = (socket: Socket) =>
    new Promise<string>((resolve) => {
      let text = '';
      socket.on('data', (chunk: Buffer) => (text += chunk.toString('utf8')));
      socket.on('error', () => undefined);
      socket.on('close', () => resolve(text));
    });

  it('answers a request whose headers were still arriving when the listener closed, however long it takes within the grace', async () => {
    handle = (_req, res) => void sleep(1500).then(() => res.end('ok'));
    const socket = connect(port, '127.0.0.1');
    const reply = received(socket);
    socket.write('GET /slow HTTP/1.1\r\nHost: x\r\n');
    await sleep(50);
    // The rest of the headers once the shutdown has found the server idle: the request starts after that.
    const closeIdle = server.closeIdleConnections.bind(server);
    jest.spyOn(server, 'closeIdleConnections').mockImplementation(() => (socket.write('\r\n'), closeIdle()));
    const app = fakeApp(server);
    await shutdown(app, 60_000).run('SIGTERM');
    const text = await reply;
    expect(text).toMatch(/^HTTP\/1\.1 200/);
    expect(text).toMatch(/\r\nConnection: close\r\n/i);
    expect(text.endsWith('ok')).toBe(true);
    expect(app.close).toHaveBeenCalled();
  });

  it('finishes a request in flight, closes idle keep-alive connections, and closes the app', async () => {
    const agent = new Agent({ keepAlive: true });
    let release!: () => void;
    const held = new Promise<void>((resolve) => (release = resolve));
    handle = (req, res) => (req.url === '/held' ? void held.then(() => res.end('late')) : res.end('now'));
    const get = (path: string) =>
      new Promise<{ body: string; connection?: string }>((resolve, reject) => {
        request({ host: '127.0.0.1', port, path, agent }, (res) => {
          let body = '';
          res.on('data', (c: Buffer) => (body += c.toString()));
          res.on('end', () => resolve({ body, connection: res.headers.connection }));
        })
          .on('error', reject)
          .end();
      });
    expect(await get('/quick')).toEqual({ body: 'now', connection: 'keep-alive' });
    const inFlight = get('/held');
    while (lifecycle.inFlightCount === 0) await sleep(10);
    const app = fakeApp(server);
    const done = shutdown(app, 60_000).run('SIGTERM');
    await sleep(100);
    release();
    await done;
    expect(await inFlight).toEqual({ body: 'late', connection: 'close' });
    expect(app.close).toHaveBeenCalled();
    agent.destroy();
  });

  it('lets work a request started in the background (a liveness charge) finish before it closes the app, within a third of the close budget', async () => {
    const background = new BackgroundTasks();
    const order: string[] = [];
    // The request answers at once and leaves its charge running, as a failed liveness session does.
    handle = (_req, res) => {
      background.run('charge', () => sleep(300).then(() => void order.push('charged')));
      res.end('failed');
    };
    const app = fakeApp(server);
    app.close.mockImplementation(async () => void order.push('closed'));
    const socket = connect(port, '127.0.0.1');
    const reply = received(socket);
    socket.write('GET /liveness HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n');
    await reply;
    await shutdown(app, 1000, background).run('SIGTERM');
    expect(order).toEqual(['charged', 'closed']);

    // Work that outlasts its share of the close budget does not hold the shutdown.
    background.run('stuck', () => new Promise(() => undefined));
    const stuck = fakeApp(server);
    await shutdown(stuck, 1000, background, 300).run('SIGTERM');
    expect(stuck.close).toHaveBeenCalled();
    expect(background.size).toBe(1);
  });

  it('cuts what is left at the end of the grace period, then closes the app', async () => {
    handle = () => undefined;
    const socket = connect(port, '127.0.0.1');
    const reply = received(socket);
    socket.write('GET /never HTTP/1.1\r\nHost: x\r\n\r\n');
    while (lifecycle.inFlightCount === 0) await sleep(10);
    const app = fakeApp(server);
    await shutdown(app, 200).run('SIGTERM');
    expect(await reply).toBe('');
    expect(app.close).toHaveBeenCalled();
  });
});

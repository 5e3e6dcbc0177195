import { AddressInfo, connect } from 'node:net';
import { gzipSync } from 'node:zlib';
import { ADMIN_KEY, testDatabase, useTestApp } from '../../../test/e2e-app';
import { photo } from '../../../test/photos';

// Bodies are read only after the API key, its scope and its rate limit have passed, under a limit per route class,
// with the JSON's depth and value count capped while the bytes arrive. What matters here is what the server reads:
// the raw-socket client sends a first chunk of a huge body, or keeps writing, and sees the answer and the connection
// closed long before the body is through. No timings are asserted.
const kind = testDatabase();
const admin = { 'X-API-Key': ADMIN_KEY };
const MiB = 1024 * 1024;
const HUGE = 48 * MiB;
const SMALL_LIMIT = 64 * 1024;
const CHUNK = 64 * 1024;

interface Exchange {
  status: number;
  headers: Record<string, string>;
  body: string;
  /** Whether an interim `100 Continue` came before the answer. */
  continued: boolean;
  /** Body bytes handed to the socket before it closed. */
  sent: number;
  /** The client gave up waiting (the server never closed the connection). */
  timedOut: boolean;
}

/** `{},{},...` filling `bytes`, as an array body's elements. */
function emptyObjects(bytes: number): Buffer {
  return Buffer.from('{},'.repeat(Math.ceil(bytes / 3)).slice(0, bytes));
}

/** A body of `total` bytes, in 64 KiB chunks: `[` then empty objects. */
function* objectFlood(total: number, chunked = false): Generator<Buffer> {
  const chunk = emptyObjects(CHUNK);
  for (let sent = 0; sent < total; sent += CHUNK) {
    const data = sent === 0 ? Buffer.concat([Buffer.from('['), chunk.subarray(1)]) : chunk;
    yield chunked ? Buffer.concat([Buffer.from(`${data.length.toString(16)}\r\n`), data, Buffer.from('\r\n')]) : data;
  }
}

/** `{"description":"AAAA...` of `total` bytes in 64 KiB chunks: one string, so only the byte count can stop it. */
function* stringFlood(total: number, chunked = false): Generator<Buffer> {
  const chunk = Buffer.alloc(CHUNK, 'A');
  const frame = (data: Buffer) => (chunked ? Buffer.concat([Buffer.from(`${data.length.toString(16)}\r\n`), data, Buffer.from('\r\n')]) : data);
  yield frame(Buffer.from('{"description":"'));
  for (let sent = 0; sent < total; sent += CHUNK) yield frame(chunk);
}

function head(method: string, path: string, headers: Record<string, string | number>): string {
  const lines = Object.entries({ Host: 'localhost', 'Content-Type': 'application/json', ...headers }).map(([k, v]) => `${k}: ${v}`);
  return `${method} ${path} HTTP/1.1\r\n${lines.join('\r\n')}\r\n\r\n`;
}

/**
 * One request on a raw socket: the head, then the first chunk; with `keepWriting` every further chunk as fast as the
 * socket takes them, without it nothing more. Resolves when the connection closes (never closed by the client, except
 * after 30 s or with `closeAfterAnswer`, once the answer is in).
 */
function exchange(
  port: number,
  requestHead: string,
  chunks: Iterable<Buffer>,
  options: { keepWriting?: boolean; closeAfterAnswer?: boolean; waitForContinue?: boolean } = {},
): Promise<Exchange> {
  return new Promise((resolve) => {
    const socket = connect(port, '127.0.0.1');
    const iterator = chunks[Symbol.iterator]();
    const received: Buffer[] = [];
    let sent = 0;
    let timedOut = false;
    let writing = !options.waitForContinue;
    const write = (all: boolean) => {
      while (!socket.destroyed) {
        const next = iterator.next();
        if (next.done) return;
        sent += next.value.length;
        if (!socket.write(next.value) && all) return void socket.once('drain', () => write(true));
        if (!all) return;
      }
    };
    socket.on('connect', () => {
      socket.write(requestHead);
      if (writing) write(Boolean(options.keepWriting));
    });
    socket.on('data', (data: Buffer) => {
      received.push(data);
      const text = Buffer.concat(received).toString('latin1');
      if (!writing && text.startsWith('HTTP/1.1 100')) {
        writing = true;
        write(true);
      }
      if (options.closeAfterAnswer && finalAnswer(text)?.complete) socket.destroy();
    });
    socket.on('error', () => undefined); // EPIPE or ECONNRESET: the server closed while we were writing
    const timer = setTimeout(() => {
      timedOut = true;
      socket.destroy();
    }, 30_000);
    socket.on('close', () => {
      clearTimeout(timer);
      const text = Buffer.concat(received).toString('latin1');
      const answer = finalAnswer(text);
      resolve({
        status: answer?.status ?? 0,
        headers: answer?.headers ?? {},
        body: answer?.body ?? '',
        continued: text.startsWith('HTTP/1.1 100'),
        sent,
        timedOut,
      });
    });
  });
}

/** The first non-1xx answer in the raw bytes received. */
function finalAnswer(text: string): { status: number; headers: Record<string, string>; body: string; complete: boolean } | undefined {
  let rest = text;
  while (rest.startsWith('HTTP/1.1 1')) rest = rest.slice(rest.indexOf('\r\n\r\n') + 4);
  const end = rest.indexOf('\r\n\r\n');
  if (end < 0) return undefined;
  const [statusLine, ...lines] = rest.slice(0, end).split('\r\n');
  const headers = Object.fromEntries(lines.map((l) => [l.slice(0, l.indexOf(':')).toLowerCase(), l.slice(l.indexOf(':') + 1).trim()]));
  const body = rest.slice(end + 4);
  return { status: Number(statusLine.split(' ')[1]), headers, body, complete: body.length >= Number(headers['content-length'] ?? 0) };
}

describe(`body limits (${kind})`, () => {
  const app = useTestApp({ FACEGATE_RATE_LIMIT_ENROL: '2' });
  let port: number;
  let readKey: string;
  let enrolKey: string;

  beforeAll(async () => {
    const server = app().app.getHttpServer();
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    port = (server.address() as AddressInfo).port;
    const key = async (name: string, scopes: string[]) => (await app().http.post('/api-keys').set(admin).send({ name, scopes }).expect(201)).body.key as string;
    readKey = await key('body-read', ['read']);
    enrolKey = await key('body-enrol', ['enrol']);
  });

  function expectProblem(answer: Exchange, status: number, code: string): void {
    expect({ status: answer.status, type: answer.headers['content-type'], code: JSON.parse(answer.body || '{}').code }).toEqual({
      status,
      type: expect.stringMatching(/^application\/problem\+json/),
      code,
    });
  }

  /** The server answered and closed the connection itself, having been sent only part of `total`. */
  function expectCutOff(answer: Exchange, total: number): void {
    expect(answer.timedOut).toBe(false);
    expect(answer.headers.connection).toBe('close');
    expect(answer.sent).toBeLessThan(total / 4);
  }

  it('answers a request Node cannot parse (broken chunked framing, an unreadable header line) with a coded problem, and closes', async () => {
    const chunked = head('POST', '/collections', { 'X-API-Key': ADMIN_KEY, 'Content-Type': 'application/json', 'Transfer-Encoding': 'chunked' });
    const broken = await exchange(port, chunked, [Buffer.from('ZZ\r\nabc\r\n0\r\n\r\n')]);
    expectProblem(broken, 400, 'VALIDATION_FAILED');
    expect(broken.headers.connection).toBe('close');
    const garbled = await exchange(port, 'GET /health HTTP/1.1\r\nHost x\r\n\r\n', []);
    expectProblem(garbled, 400, 'VALIDATION_FAILED');
    expect(JSON.parse(garbled.body).detail).toMatch(/malformed/);
    // Headers past Node's limit (16 KiB): the status Node itself gives them (431), with a code.
    const bloated = await exchange(port, head('GET', '/health', { 'X-Padding': 'a'.repeat(20_000) }), []);
    expectProblem(bloated, 431, 'HEADERS_TOO_LARGE');
    expect(bloated.headers.connection).toBe('close');
  });

  it('answers an unauthenticated 48 MiB body 401 from its first chunk and closes the connection', async () => {
    for (const path of ['/users', '/detect']) {
      const answer = await exchange(port, head('POST', path, { 'Content-Length': HUGE }), objectFlood(HUGE));
      expectProblem(answer, 401, 'UNAUTHORIZED');
      expect(answer.sent).toBe(CHUNK);
      expectCutOff(answer, HUGE);
    }
  });

  it('closes the connection on a client that keeps streaming without a key', async () => {
    const answer = await exchange(port, head('POST', '/recognize', { 'Content-Length': HUGE, 'X-API-Key': 'fg_wrong_key_00000000000000' }), objectFlood(HUGE), {
      keepWriting: true,
    });
    expectProblem(answer, 401, 'UNAUTHORIZED');
    expectCutOff(answer, HUGE);
  });

  it('answers a key without the route scope 403 without reading the body', async () => {
    const answer = await exchange(port, head('POST', '/detect', { 'Content-Length': HUGE, 'X-API-Key': readKey }), objectFlood(HUGE));
    expectProblem(answer, 403, 'FORBIDDEN');
    expect(answer.sent).toBe(CHUNK);
    expectCutOff(answer, HUGE);
  });

  it('answers a rate-limited key 429 without reading the body', async () => {
    const enrol = { 'X-API-Key': enrolKey };
    for (let i = 0; i < 2; i++) await app().http.post('/users').set(enrol).send({ name: 'x' }).expect(400);
    const answer = await exchange(port, head('POST', '/users', { 'Content-Length': HUGE, ...enrol }), objectFlood(HUGE));
    expectProblem(answer, 429, 'RATE_LIMITED');
    expectCutOff(answer, HUGE);
  });

  it('asks for the body (100 Continue) only once the key is accepted', async () => {
    const body = Buffer.from(JSON.stringify({ name: 'continued' }));
    const refused = await exchange(port, head('POST', '/collections', { 'Content-Length': body.length, Expect: '100-continue' }), [body], {
      waitForContinue: true,
    });
    expect({ continued: refused.continued, sent: refused.sent }).toEqual({ continued: false, sent: 0 });
    expectProblem(refused, 401, 'UNAUTHORIZED');
    const accepted = await exchange(port, head('POST', '/collections', { 'Content-Length': body.length, Expect: '100-continue', ...admin }), [body], {
      waitForContinue: true,
      closeAfterAnswer: true,
    });
    expect({ continued: accepted.continued, status: accepted.status }).toEqual({ continued: true, status: 201 });
  });

  it('refuses an authenticated body over the small limit on a route without images: 413, declared or chunked', async () => {
    const description = 'd'.repeat(SMALL_LIMIT);
    const declared = await app().http.post('/collections').set(admin).send({ name: 'too-big', description });
    expect({ status: declared.status, code: declared.body.code }).toEqual({ status: 413, code: 'PAYLOAD_TOO_LARGE' });
    // Chunked: no length to refuse up front; the bytes are counted and reading stops at the chunk over the limit.
    const chunked = await exchange(port, head('PATCH', '/collections/default', { 'Transfer-Encoding': 'chunked', ...admin }), stringFlood(HUGE, true), {
      keepWriting: true,
    });
    expectProblem(chunked, 413, 'PAYLOAD_TOO_LARGE');
    expectCutOff(chunked, HUGE);
  });

  it('cuts off a chunked body over the image routes limit too', async () => {
    const total = 100 * MiB;
    const answer = await exchange(port, head('POST', '/detect', { 'Transfer-Encoding': 'chunked', ...admin }), stringFlood(total, true), { keepWriting: true });
    expectProblem(answer, 413, 'PAYLOAD_TOO_LARGE');
    // Read up to the 50 MiB limit, then no further.
    expect(answer.sent).toBeLessThan(total * 0.75);
    expect(answer.headers.connection).toBe('close');
  });

  it('refuses nesting deeper than 32 levels and more than 10,000 values: 400 VALIDATION_FAILED', async () => {
    const send = (text: string, path = '/collections') => app().http.post(path).set(admin).set('Content-Type', 'application/json').send(text);
    const deep = (n: number) => `{"name":"deep","settings":${'['.repeat(n - 1)}${']'.repeat(n - 1)}}`;
    expect((await send(deep(33))).body.code).toBe('VALIDATION_FAILED');
    expect((await send(deep(33))).body.detail).toMatch(/nested more than 32 levels/);
    expect((await send(deep(32))).body.detail ?? '').not.toMatch(/nested/);
    const many = await send(`{"name":"many","settings":{"a":[${'0,'.repeat(10_000)}0]}}`);
    expect({ status: many.status, code: many.body.code, detail: many.body.detail }).toEqual({
      status: 400,
      code: 'VALIDATION_FAILED',
      detail: expect.stringMatching(/more than 10000 JSON values/),
    });
  });

  it('refuses an authenticated 48 MiB flood of empty objects on an image route after its first values, unread', async () => {
    const answer = await exchange(port, head('POST', '/detect', { 'Content-Length': HUGE, ...admin }), objectFlood(HUGE), { keepWriting: true });
    expectProblem(answer, 400, 'VALIDATION_FAILED');
    expect(JSON.parse(answer.body).detail).toMatch(/more than 10000 JSON values/);
    expectCutOff(answer, HUGE);
  });

  it('still takes legal image bodies: JSON, chunked, gzip and multipart', async () => {
    const image = photo('Tony_Blair/004.jpg');
    const json = await app().http.post('/detect').set(admin).send({ image, smallFaces: false }).expect(200);
    expect(json.body.faces).toHaveLength(1);
    const text = Buffer.from(JSON.stringify({ image, smallFaces: false }));
    const third = Math.floor(text.length / 3);
    const pieces = [text.subarray(0, third), text.subarray(third, 2 * third), text.subarray(2 * third)];
    const chunked = await exchange(
      port,
      head('POST', '/detect', { 'Transfer-Encoding': 'chunked', ...admin }),
      [...pieces.map((p) => Buffer.concat([Buffer.from(`${p.length.toString(16)}\r\n`), p, Buffer.from('\r\n')])), Buffer.from('0\r\n\r\n')],
      { keepWriting: true, closeAfterAnswer: true },
    );
    expect({ status: chunked.status, faces: JSON.parse(chunked.body).faces?.length }).toEqual({ status: 200, faces: 1 });
    const gzipped = await app()
      .http.post('/detect')
      .set(admin)
      .set('Content-Type', 'application/json')
      .set('Content-Encoding', 'gzip')
      .serialize((x: unknown) => x as string)
      .send(gzipSync(text) as unknown as string);
    expect({ status: gzipped.status, faces: gzipped.body.faces?.length, detail: gzipped.body.detail }).toEqual({ status: 200, faces: 1, detail: undefined });
    const bytes = Buffer.from(image.slice(image.indexOf(',') + 1), 'base64');
    await app().http.post('/detect').set(admin).attach('file', bytes, 'face.jpg').expect(200);
  });

  it('keeps the connection open after a body it read in full, error or not', async () => {
    const body = '{"name":"Not A Valid Name!"}';
    const twice = head('POST', '/collections', { 'Content-Length': body.length, ...admin }) + body + head('GET', '/health', {});
    const answer = await new Promise<string>((resolve) => {
      const socket = connect(port, '127.0.0.1', () => socket.write(twice));
      let text = '';
      socket.on('data', (d: Buffer) => {
        text += d.toString('latin1');
        if ((text.match(/HTTP\/1\.1 /g) ?? []).length === 2 && text.endsWith('}')) socket.destroy();
      });
      socket.on('close', () => resolve(text));
    });
    expect(answer).toMatch(/^HTTP\/1\.1 400 /);
    expect(answer).toMatch(/HTTP\/1\.1 200 /);
    expect(answer).not.toMatch(/Connection: close/i);
  });
});

import { formatJson, formatPretty, MAX_MESSAGE_CHARS, toLogEntry } from './log-format';
import { AppLogger } from './app-logger';
import { runWithRequestContext } from './request-context';

const NOW = new Date('2026-01-02T03:04:05.678Z');

describe('toLogEntry', () => {
  it('takes the last string parameter as the context and names Nest levels as collectors do', () => {
    expect(toLogEntry('log', 'Database ready', ['PrismaService'], NOW)).toEqual({
      time: '2026-01-02T03:04:05.678Z',
      level: 'info',
      context: 'PrismaService',
      msg: 'Database ready',
    });
    expect(toLogEntry('verbose', 'x', [], NOW).level).toBe('debug');
  });

  it('turns an object message into fields and adds the request id', () => {
    const entry = toLogEntry('log', { msg: 'request', method: 'GET', status: 200, durationMs: 4.2 }, ['Http'], NOW, 'req-1');
    expect(entry).toEqual({
      time: NOW.toISOString(),
      level: 'info',
      context: 'Http',
      msg: 'request',
      requestId: 'req-1',
      method: 'GET',
      status: 200,
      durationMs: 4.2,
    });
  });

  it('keeps a stack apart from the message', () => {
    const stack = 'Error: boom\n    at f (a.ts:1:1)';
    expect(toLogEntry('error', 'failed', [stack, 'Errors'], NOW)).toMatchObject({ msg: 'failed', stack, context: 'Errors' });
    expect(toLogEntry('error', `unhandled: ${stack}`, ['Errors'], NOW)).toMatchObject({ msg: 'unhandled: Error: boom', stack: '    at f (a.ts:1:1)' });
  });

  it('never writes images, embeddings, keys or bodies passed as fields, and cuts huge messages', () => {
    const entry = toLogEntry(
      'log',
      { msg: 'x', image: 'data:image/jpeg;base64,AAAA', embedding: new Float32Array(4), apiKey: 'fg_secret', body: { a: 1 }, ok: 1 },
      [],
      NOW,
    );
    expect(entry).toEqual({ time: NOW.toISOString(), level: 'info', msg: 'x', ok: 1 });
    const long = toLogEntry('log', 'ab '.repeat(1000), [], NOW);
    expect(long.msg.length).toBeLessThan(MAX_MESSAGE_CHARS + 50);
    expect(long.msg).toContain(`${3000 - MAX_MESSAGE_CHARS} more characters`);
  });

  it('does not let fields overwrite the entry members', () => {
    expect(toLogEntry('warn', { msg: 'm', level: 'fake', time: 'then' }, [], NOW)).toMatchObject({ level: 'warn', time: NOW.toISOString() });
  });
});

describe('formatJson and formatPretty', () => {
  it('writes one JSON object per line', () => {
    const line = formatJson(toLogEntry('log', 'two\nlines', ['Ctx'], NOW, 'r1'));
    expect(line).not.toContain('\n');
    expect(JSON.parse(line)).toEqual({ time: NOW.toISOString(), level: 'info', context: 'Ctx', msg: 'two\nlines', requestId: 'r1' });
  });

  it('survives values JSON cannot hold', () => {
    const cyclic: Record<string, unknown> = {};
    cyclic.self = cyclic;
    expect(JSON.parse(formatJson(toLogEntry('log', { msg: 'big', n: BigInt(2) ** BigInt(70) }, [], NOW))).n).toBe('1180591620717411303424');
    expect(JSON.parse(formatJson(toLogEntry('log', { msg: 'cycle', cyclic }, [], NOW)))).toMatchObject({ msg: 'cycle' });
  });

  it('writes a readable line for a terminal', () => {
    expect(formatPretty(toLogEntry('log', { msg: 'request', status: 200 }, ['Http'], NOW, 'r1'))).toBe(
      '2026-01-02T03:04:05.678Z INFO  [Http] request requestId=r1 status=200',
    );
  });
});

describe('AppLogger', () => {
  const collect = (level: 'error' | 'warn' | 'log' | 'debug') => {
    const lines: string[] = [];
    return { lines, logger: new AppLogger({ level, format: 'json', write: (l) => lines.push(l), now: () => NOW }) };
  };

  it('writes only the levels LOG_LEVEL enables', () => {
    const { lines, logger } = collect('warn');
    logger.debug('d');
    logger.log('l');
    logger.warn('w');
    logger.error('e');
    logger.fatal('f');
    expect(lines.map((l) => JSON.parse(l).msg)).toEqual(['w', 'e', 'f']);
  });

  it('adds the id of the request being served', async () => {
    const { lines, logger } = collect('log');
    await runWithRequestContext({ requestId: 'abc' }, async () => {
      await new Promise((r) => setImmediate(r));
      logger.log('inside', 'Ctx');
    });
    logger.log('outside');
    expect(lines.map((l) => JSON.parse(l))).toEqual([
      { time: NOW.toISOString(), level: 'info', context: 'Ctx', msg: 'inside', requestId: 'abc' },
      { time: NOW.toISOString(), level: 'info', msg: 'outside' },
    ]);
  });
});

import { formatJson, toLogEntry } from './log-format';
import { MAX_DEPTH, redactText, redactValue } from './log-redaction';

const NOW = new Date('2026-01-02T03:04:05.678Z');
/** Base64 as an image would give: long, no spaces, letters, digits, + and /. */
const BASE64 = Buffer.from(Array.from({ length: 3000 }, (_, i) => (i * 7919) % 256)).toString('base64');
const embedding = () => Array.from({ length: 512 }, (_, i) => Math.sin(i) / 10);

/** The line as a collector would store it. */
const line = (message: unknown, ...params: unknown[]) => formatJson(toLogEntry('log', message, params, NOW));

describe('log redaction', () => {
  it('drops forbidden fields at any depth, not only at the top', () => {
    const entry = toLogEntry('log', { msg: 'x', details: { image: BASE64, user: { name: 'Ann', embedding: [1, 2], apiKey: 'fg_secret' } }, ok: 1 }, [], NOW);
    expect(entry).toMatchObject({ msg: 'x', ok: 1, details: { user: { name: 'Ann' } } });
    expect(entry.details).toEqual({ user: { name: 'Ann' } });
    expect(line({ msg: 'x', list: [{ images: [BASE64] }] })).not.toContain('images');
  });

  it('summarises Buffers, typed arrays and ArrayBuffers at any depth', () => {
    const entry = toLogEntry(
      'log',
      { msg: 'x', a: Buffer.alloc(2048), nested: { b: new Float32Array(512), c: new ArrayBuffer(16), d: [new Uint8Array(3)] } },
      [],
      NOW,
    );
    expect(entry).toMatchObject({ a: '[binary 2048 bytes]', nested: { b: '[binary 2048 bytes]', c: '[binary 16 bytes]', d: ['[binary 3 bytes]'] } });
    expect(toLogEntry('log', Buffer.alloc(10), [], NOW).msg).toBe('[binary 10 bytes]');
    expect(toLogEntry('log', 'm', [Buffer.alloc(10)], NOW).extra).toEqual(['[binary 10 bytes]']);
  });

  it('replaces an embedding-like array of numbers, as a field, a parameter or the message', () => {
    expect(toLogEntry('log', { msg: 'x', vector: embedding(), deep: { v: embedding() } }, [], NOW)).toMatchObject({
      vector: '[512 numbers]',
      deep: { v: '[512 numbers]' },
    });
    expect(toLogEntry('log', 'm', [embedding()], NOW).extra).toEqual(['[512 numbers]']);
    expect(toLogEntry('log', embedding(), [], NOW).msg).toBe('[512 numbers]');
    // Short lists of numbers (a box, a few scores) stay readable.
    expect(toLogEntry('log', { msg: 'x', box: [1, 2, 3, 4] }, [], NOW).box).toEqual([1, 2, 3, 4]);
  });

  it('replaces an embedding written into a string', () => {
    const entry = toLogEntry('log', `vector ${embedding().join(',')} end`, [], NOW);
    expect(entry.msg).toBe('vector [512 numbers] end');
    expect(toLogEntry('log', `vector ${String(new Float32Array(embedding()))}`, [], NOW).msg).toBe('vector [512 numbers]');
  });

  it('replaces base64 and image data URLs in messages, fields, parameters and stacks', () => {
    expect(toLogEntry('log', `decode failed for ${BASE64} here`, [], NOW).msg).toBe(`decode failed for [base64 ${BASE64.length} chars] here`);
    expect(toLogEntry('log', `got data:image/jpeg;base64,${BASE64.slice(0, 50)}`, [], NOW).msg).toBe(
      `got [image data URL ${'data:image/jpeg;base64,'.length + 50} chars]`,
    );
    const entry = toLogEntry('log', { msg: 'x', note: `photo=${BASE64}`, deep: { photo: `data:image/png;base64,${BASE64}` } }, [`p ${BASE64}`, 'Ctx'], NOW);
    expect(entry).toMatchObject({
      note: `photo=[base64 ${BASE64.length} chars]`,
      deep: { photo: expect.stringMatching(/^\[image data URL \d+ chars\]$/) },
      extra: [`p [base64 ${BASE64.length} chars]`],
    });
    // A lone string parameter is taken as the context, so it is scrubbed as well.
    expect(toLogEntry('log', 'm', [`p ${BASE64}`], NOW).context).toBe(`p [base64 ${BASE64.length} chars]`);
    const error = new Error(`bad image ${BASE64}`);
    const failed = toLogEntry('error', error, [], NOW);
    expect(failed.msg).toBe(`bad image [base64 ${BASE64.length} chars]`);
    expect(failed.stack).not.toContain(BASE64.slice(0, 100));
  });

  it('catches base64 cut into MIME lines, and URL-safe base64', () => {
    const mime = BASE64.slice(0, 760)
      .match(/.{1,76}/g)!
      .join('\r\n');
    expect(redactText(`x ${mime} y`)).toMatch(/^x \[base64 \d+ chars\] y$/);
    expect(redactText(BASE64.replace(/\+/g, '-').replace(/\//g, '_'))).toBe(`[base64 ${BASE64.length} chars]`);
  });

  it('keeps ordinary text, short tokens-in-words and separators', () => {
    const prose = 'enrolled user 3f0c2a9e-1b7d-4c1e-9a1f-0c2d3e4f5a6b in default with 3 faces in 812 ms';
    expect(redactText(prose)).toBe(prose);
    expect(redactText('='.repeat(300))).toBe('='.repeat(300));
    expect(redactText('abc'.repeat(60))).toBe('abc'.repeat(60));
  });

  it('cuts a long message after scrubbing, and long strings in fields too', () => {
    const words = 'word '.repeat(1000);
    expect(toLogEntry('log', words, [], NOW).msg).toContain('3000 more characters');
    expect(toLogEntry('log', { msg: 'x', text: words }, [], NOW).text).toContain('3000 more characters');
  });

  it('stops at a bounded depth, which also ends cycles', () => {
    let deep: Record<string, unknown> = { leaf: 1 };
    for (let i = 0; i < MAX_DEPTH + 2; i++) deep = { next: deep };
    expect(JSON.stringify(redactValue(deep))).toContain('[nested too deep]');
    const cyclic: Record<string, unknown> = { name: 'c' };
    cyclic.self = cyclic;
    expect(JSON.parse(line({ msg: 'cycle', cyclic }))).toMatchObject({ msg: 'cycle', cyclic: { name: 'c', self: { name: 'c' } } });
  });

  it('keeps long arrays of other things short', () => {
    const ids = Array.from({ length: 100 }, (_, i) => `id-${i}`);
    const kept = redactValue(ids) as string[];
    expect(kept).toHaveLength(65);
    expect(kept[64]).toBe('[36 more items]');
  });
});

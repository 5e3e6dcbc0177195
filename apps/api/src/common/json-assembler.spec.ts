import { randomBytes } from 'node:crypto';
import { DomainError } from '@facegate/common';
import { assembleJson } from './json-assembler';
import { JsonScanner } from './json-scanner';
import { TurnBudget } from './json-string-decoder';

async function assemble(text: string | Buffer, budget?: TurnBudget): Promise<unknown> {
  const bytes = Buffer.isBuffer(text) ? text : Buffer.from(text);
  const scanner = new JsonScanner({ maxDepth: 32, maxValues: 10_000, maxSkeletonBytes: 1024 * 1024, longStringBytes: 16 });
  scanner.write(bytes);
  return assembleJson(bytes, scanner.end(), budget);
}

async function codeOf(text: string | Buffer): Promise<string> {
  try {
    await assemble(text);
    return 'ok';
  } catch (error) {
    return error instanceof DomainError ? error.code : String(error);
  }
}

const base64 = Buffer.from(Array.from({ length: 3000 }, (_, i) => (i * 7919) % 256)).toString('base64');

describe('assembleJson', () => {
  it('gives what JSON.parse of the whole body gives, long strings of every kind included', async () => {
    const bodies: unknown[] = [
      { name: 'Ada', images: [base64, `data:image/jpeg;base64,${base64}`], metadata: { note: 'x'.repeat(40), n: 1 } },
      { image: `${base64.slice(0, 76)}\r\n${base64.slice(76)}`, quote: `"${'\\'.repeat(20)}"`, unicode: 'üñí😀'.repeat(10) },
      [['a long string in nested arrays, long enough'], { deep: { deeper: [1, 'y'.repeat(100)] } }],
      JSON.parse(`{"__proto__":"${'z'.repeat(50)}","constructor":{"prototype":"${'w'.repeat(50)}"}}`),
      { same: 'v'.repeat(30), again: 'v'.repeat(30), short: 'abc', empty: '', nothing: null, yes: true },
    ];
    for (const body of bodies) {
      const text = JSON.stringify(body);
      expect(await assemble(text)).toEqual(JSON.parse(text));
    }
  });

  it('decodes a PHP client\'s escaped images ("\\/" for "/") in slices, to what JSON.parse gives', async () => {
    const images = [randomBytes(3_400_000).toString('base64'), randomBytes(100_000).toString('base64')];
    const text = `{"name":"Ada","images":[${images.map((image) => `"${image.replace(/\//g, '\\/')}"`).join(',')}]}`;
    expect(text).toContain('\\/');
    const value = (await assemble(text)) as { images: string[] };
    expect(value.images[0] === images[0] && value.images[1] === images[1]).toBe(true);
    expect(value).toEqual(JSON.parse(text));
  });

  it('gives the same value in tiny slices, long strings plain, escaped, beyond ASCII and not UTF-8 alike', async () => {
    const text = Buffer.concat([
      Buffer.from(`{"plain":"${base64}","escaped":"a\\u00e9\\uD83D\\uDE00\\uD800\\/\\"${'b'.repeat(30)}","utf8":"${'üñí😀'.repeat(10)}","broken":"`),
      Buffer.from([0xc3, 0x41, 0xf0, 0x9f, 0x98, 0x80, 0xed, 0xa0, 0x80, 0xff, ...Buffer.from('c'.repeat(30))]),
      Buffer.from(`","list":["${'\\n'.repeat(20)}"]}`),
    ]);
    let turns = 0;
    const value = await assemble(text, new TurnBudget(5, async () => void turns++, Infinity));
    expect(value).toEqual(JSON.parse(text.toString('utf8')));
    expect(turns).toBeGreaterThan(50);
  });

  it('keeps __proto__ an own key, as JSON.parse does, without touching prototypes', async () => {
    const value = (await assemble(`{"__proto__":"${'p'.repeat(40)}","a":{"__proto__":{"polluted":"${'q'.repeat(40)}"}}}`)) as Record<string, unknown>;
    expect(Object.getPrototypeOf(value)).toBe(Object.prototype);
    expect(Object.keys(value)).toEqual(['__proto__', 'a']);
    expect(({} as Record<string, unknown>).polluted).toBeUndefined();
  });

  it('skips a UTF-8 byte order mark, as body-parser did', async () => {
    const text = JSON.stringify({ image: base64 });
    expect(await assemble(Buffer.concat([Buffer.from([0xef, 0xbb, 0xbf]), Buffer.from(text)]))).toEqual(JSON.parse(text));
  });

  it('refuses what JSON.parse refuses: bad escapes and raw control characters in long strings, broken structure', async () => {
    expect(await codeOf(`{"image":"${'A'.repeat(40)}\n${'A'.repeat(40)}"}`)).toBe('VALIDATION_FAILED');
    expect(await codeOf(`{"image":"${'A'.repeat(40)}\\x${'A'.repeat(40)}"}`)).toBe('VALIDATION_FAILED');
    expect(await codeOf(`{"image":"${'A'.repeat(40)}\\u12G4${'A'.repeat(40)}"}`)).toBe('VALIDATION_FAILED');
    expect(await codeOf(`{"image":"${'A'.repeat(40)}\\/${'A'.repeat(40)}\\u00"}`)).toBe('VALIDATION_FAILED');
    expect(await codeOf(`{"image":"${'é'.repeat(40)}\u0001"}`)).toBe('VALIDATION_FAILED');
    expect(await codeOf(`{"image":"${'A'.repeat(40)}",}`)).toBe('VALIDATION_FAILED');
    expect(await codeOf(`{"image":"${'A'.repeat(40)}"`)).toBe('VALIDATION_FAILED');
  });

  it('refuses a body that is not an object or an array, long string or not', async () => {
    expect(await codeOf('"short"')).toBe('VALIDATION_FAILED');
    expect(await codeOf(`"${'A'.repeat(100)}"`)).toBe('VALIDATION_FAILED');
    expect(await codeOf('42')).toBe('VALIDATION_FAILED');
    expect(await codeOf('null')).toBe('VALIDATION_FAILED');
  });

  it('leaves a string that looks like a placeholder as the client sent it', async () => {
    const forged = `{"a":"${'L'.repeat(40)}","b":"\\u0000abcdef0123456789:0","c":"\\u0000"}`;
    expect(await assemble(forged)).toEqual(JSON.parse(forged));
  });
});

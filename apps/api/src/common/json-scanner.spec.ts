import { DomainError } from '@facegate/common';
import { hasControlByte, JsonScanLimits, JsonScanner, LongString } from './json-scanner';

const LIMITS: JsonScanLimits = { maxDepth: 32, maxValues: 10_000, maxSkeletonBytes: 64 * 1024, longStringBytes: 8 };

interface Outcome {
  code?: string;
  longStrings?: LongString[];
}

/** Scans `text` cut into the given chunks; the error's code, or the long strings found. */
function scan(text: string | Buffer, cuts: number[] = [], limits: Partial<JsonScanLimits> = {}): Outcome {
  const bytes = Buffer.isBuffer(text) ? text : Buffer.from(text);
  const scanner = new JsonScanner({ ...LIMITS, ...limits });
  try {
    let at = 0;
    for (const cut of [...cuts, bytes.length]) {
      scanner.write(bytes.subarray(at, cut));
      at = cut;
    }
    return { longStrings: scanner.end() };
  } catch (error) {
    if (error instanceof DomainError) return { code: error.code };
    throw error;
  }
}

/** The raw text (escapes as sent) of each long string found. */
function longTexts(text: string, cuts: number[] = [], limits: Partial<JsonScanLimits> = {}): string[] {
  const bytes = Buffer.from(text);
  return (scan(bytes, cuts, limits).longStrings ?? []).map((s) => bytes.toString('utf8', s.start, s.end));
}

const nestedArrays = (n: number) => `${'['.repeat(n)}${']'.repeat(n)}`;
const nestedObjects = (n: number) => `${'{"a":'.repeat(n)}1${'}'.repeat(n)}`;

describe('JsonScanner', () => {
  it('counts values of every kind, but not keys', () => {
    // object, 1, array, 2, 3, object, null, "x", true, -1.5e3 = 10 values
    const text = '{"a":1,"b":[2,3,{"c":null}],"d":"x","e":true,"f":-1.5e3}';
    expect(scan(text, [], { maxValues: 10 })).toEqual({ longStrings: [] });
    expect(scan(text, [], { maxValues: 9 })).toEqual({ code: 'VALIDATION_FAILED' });
    expect(JSON.parse(text)).toBeDefined();
  });

  it('allows nesting up to the depth limit and refuses one level more', () => {
    expect(scan(nestedArrays(32)).code).toBeUndefined();
    expect(scan(nestedObjects(32)).code).toBeUndefined();
    expect(scan(nestedArrays(33)).code).toBe('VALIDATION_FAILED');
    expect(scan(nestedObjects(33)).code).toBe('VALIDATION_FAILED');
    expect(scan(`{"a":[${nestedArrays(30)}],"b":${nestedArrays(31)}}`).code).toBeUndefined();
    expect(scan(`{"a":[${nestedArrays(31)}]}`).code).toBe('VALIDATION_FAILED');
  });

  it('ignores braces, brackets, commas and escaped quotes inside strings', () => {
    const text = '{"k{[":"{[{[\\"]}},,,","b":"\\\\","c":"\\"[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[["}';
    expect(JSON.parse(text)).toEqual({ 'k{[': '{[{["]}},,,', b: '\\', c: `"${'['.repeat(34)}` });
    // three values and the object: a depth of 34 or many values would be miscounted structure
    expect(scan(text, [], { maxValues: 4, maxDepth: 1 }).code).toBeUndefined();
    expect(scan(text, [], { maxValues: 3 }).code).toBe('VALIDATION_FAILED');
  });

  it('records long string values with their byte range and whether they hold escapes; keys never', () => {
    const text = '{"short":"abc","long":"abcdefghij","esc":"ab\\"cd\\\\ef\\u0041gh","utf":"ééééé","aVeryLongKeyIndeed":1,"arr":["0123456789",""]}';
    const found = scan(text).longStrings!;
    expect(longTexts(text)).toEqual(['abcdefghij', 'ab\\"cd\\\\ef\\u0041gh', 'ééééé', '0123456789']);
    expect(found.map((s) => s.escaped)).toEqual([false, true, false, false]);
  });

  it('gives the same answer wherever the chunks are cut, escapes and multi-byte characters included', () => {
    const documents = [
      '{"a":"x\\"y\\\\","long":"abc\\\\\\"def\\u00e9ghijk","b":[1,true,null,{"c":"}{]["}],"é":"ü😀ü😀ü😀"}',
      '["\\\\\\\\\\\\\\\\\\\\","\\"\\"\\"\\"\\"","0123456789abcdef",{"k":"\\u0000\\u0000\\u0000"}]',
      `{"deep":${nestedArrays(32)},"s":"${'q'.repeat(40)}"}`,
      `{"deep":${nestedArrays(33)}}`,
    ];
    for (const text of documents) {
      const bytes = Buffer.from(text);
      const whole = scan(bytes);
      for (let cut = 0; cut <= bytes.length; cut++) {
        expect({ cut, outcome: scan(bytes, [cut]) }).toEqual({ cut, outcome: whole });
      }
      const byteByByte = Array.from({ length: bytes.length }, (_, i) => i);
      expect(scan(bytes, byteByByte)).toEqual(whole);
      for (let cut = 0; cut + 2 <= bytes.length; cut += 3) expect(scan(bytes, [cut, cut + 1, cut + 2])).toEqual(whole);
    }
  });

  it('counts each value once whatever the chunking (a number cut in two is still one value)', () => {
    const text = `[${Array.from({ length: 50 }, (_, i) => String(12345 * i)).join(',')}]`;
    for (let cut = 0; cut <= text.length; cut++) {
      expect(scan(text, [cut], { maxValues: 51 }).code).toBeUndefined();
      expect(scan(text, [cut], { maxValues: 50 }).code).toBe('VALIDATION_FAILED');
    }
  });

  it('refuses a flood of empty objects within the first chunks instead of reading it all', () => {
    const chunk = Buffer.from(`[${'{},'.repeat((64 * 1024) / 3)}`);
    const scanner = new JsonScanner(LIMITS);
    let chunks = 0;
    let error: unknown;
    try {
      for (; chunks < 768; chunks++) scanner.write(chunk); // up to 48 MiB
    } catch (e) {
      error = e;
    }
    expect((error as DomainError).code).toBe('VALIDATION_FAILED');
    expect(chunks).toBeLessThan(1);
  });

  it('holds the JSON outside long strings to the skeleton limit, and nothing else', () => {
    const longString = `{"image":"${'A'.repeat(200_000)}","images":["${'B'.repeat(100_000)}","${'C'.repeat(100_000)}"]}`;
    expect(scan(longString, [70_000, 150_000], { maxSkeletonBytes: 1024 }).code).toBeUndefined();
    const manyShort = `[${Array.from({ length: 400 }, () => '"abcd"').join(',')}]`;
    expect(scan(manyShort, [], { maxSkeletonBytes: 1024 }).code).toBe('PAYLOAD_TOO_LARGE');
    const longKey = `{"${'k'.repeat(5000)}":1}`;
    expect(scan(longKey, [], { maxSkeletonBytes: 1024 }).code).toBe('PAYLOAD_TOO_LARGE');
    const whitespace = `{${' '.repeat(5000)}}`;
    expect(scan(whitespace, [], { maxSkeletonBytes: 1024 }).code).toBe('PAYLOAD_TOO_LARGE');
  });

  it("refuses raw control characters in strings, keys included, wherever the chunks are cut; outside strings they are JSON.parse's", () => {
    for (const text of [
      '{"a":"x\u0001y"}',
      `{"image":"${'A'.repeat(100)}\n${'A'.repeat(100)}"}`,
      '{"k\u001f":1}',
      `["${'é'.repeat(50)}\t"]`,
      '["\\n\u0000"]',
    ]) {
      const bytes = Buffer.from(text);
      for (let cut = 0; cut <= bytes.length; cut++) expect({ text, cut, code: scan(bytes, [cut]).code }).toEqual({ text, cut, code: 'VALIDATION_FAILED' });
    }
    expect(scan('{"a":"\\n\\t\\u0001"}').code).toBeUndefined();
    expect(scan('{"a":1\u0001}').code).toBeUndefined();
    expect(scan('{\n\t"a" :\r\n 1}').code).toBeUndefined();
  });

  it('finds a byte below 0x20 at any position and alignment, high bytes included, and nothing else', () => {
    const naive = (b: Buffer, start: number, end: number) => b.subarray(start, end).some((x) => x < 0x20);
    let seed = 7;
    const random = () => (seed = (seed * 1103515245 + 12345) % 2 ** 31) / 2 ** 31;
    const clean = Buffer.from(Array.from({ length: 300 }, (_, i) => 0x20 + (i % 224)));
    for (let start = 0; start < 8; start++) {
      for (const end of [start, start + 3, start + 63, start + 64, start + 65, start + 200, 300]) {
        expect(hasControlByte(clean, start, end)).toBe(false);
        for (let at = start; at < end; at++) {
          const dirty = Buffer.from(clean);
          dirty[at] = Math.floor(random() * 0x20);
          expect({ start, end, at, found: hasControlByte(dirty, start, end) }).toEqual({ start, end, at, found: true });
        }
      }
    }
    for (let i = 0; i < 200; i++) {
      const bytes = Buffer.from(Array.from({ length: 150 }, () => (random() < 0.01 ? Math.floor(random() * 0x20) : 0x20 + Math.floor(random() * 224))));
      const start = Math.floor(random() * 10);
      expect(hasControlByte(bytes, start, 150)).toBe(naive(bytes, start, 150));
    }
  });

  it('leaves invalid JSON to JSON.parse, except a string that never ends', () => {
    for (const text of ['{"a":}', ']]]]', '}{', '{"a" "b"}', 'nul', '{"a":01}', '"x"', '', '\ufeff{}', '{"a":1}\u0001']) {
      expect({ text, code: scan(text).code }).toEqual({ text, code: undefined });
    }
    expect(scan('{"a":"never ends').code).toBe('VALIDATION_FAILED');
    expect(scan('{"a":"ends on an escape\\').code).toBe('VALIDATION_FAILED');
  });
});

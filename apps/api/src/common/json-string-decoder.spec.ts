import { randomBytes } from 'node:crypto';
import { DomainError } from '@facegate/common';
import { decodeJsonString, TurnBudget } from './json-string-decoder';

/** What the assembler gave before: the string's characters read as UTF-8, then JSON.parse. */
function parsed(bytes: Buffer): string {
  return JSON.parse(`"${bytes.toString('utf8')}"`) as string;
}

/** Decodes with a budget of `budgetBytes` per slice (no clock), counting the turns instead of taking them. */
async function decode(text: string | Buffer, budgetBytes = 4 * 1024 * 1024): Promise<{ value: string; turns: number }> {
  let turns = 0;
  const budget = new TurnBudget(budgetBytes, async () => void turns++, Infinity);
  const value = await decodeJsonString(Buffer.isBuffer(text) ? text : Buffer.from(text), budget);
  return { value, turns };
}

async function codeOf(text: string): Promise<string> {
  try {
    await decode(text, 7);
    return 'ok';
  } catch (error) {
    return error instanceof DomainError ? error.code : String(error);
  }
}

/** A string's UTF-16 units, lone surrogates and all. */
function units(text: string): number[] {
  return Array.from({ length: text.length }, (_, i) => text.charCodeAt(i));
}

let seed = 11;
const random = () => (seed = (seed * 1103515245 + 12345) % 2 ** 31) / 2 ** 31;
const pick = <T>(items: readonly T[]): T => items[Math.floor(random() * items.length)];
const hex4 = (unit: number) => {
  const digits = unit.toString(16).padStart(4, '0');
  return random() < 0.5 ? digits : digits.toUpperCase();
};

/** Pieces of a JSON string's characters, escapes of every kind, raw UTF-8 of every length and surrogates among them. */
const TOKENS: (() => string | Buffer)[] = [
  () => 'abcXYZ019+='.slice(0, 1 + Math.floor(random() * 11)),
  () => pick(['\\"', '\\\\', '\\/', '\\b', '\\f', '\\n', '\\r', '\\t']),
  () => `\\u${hex4(Math.floor(random() * 0xd800))}`,
  () => `\\u${hex4(0xe000 + Math.floor(random() * 0x2000))}`,
  () => `\\u${hex4(0xd800 + Math.floor(random() * 0x400))}\\u${hex4(0xdc00 + Math.floor(random() * 0x400))}`,
  () => `\\u${hex4(0xd800 + Math.floor(random() * 0x800))}`,
  () => pick(['é', 'ß', '中', '€', '😀', '𝄞', 'ü😀中']),
  () => Buffer.from(pick([[0x80], [0xc3], [0xe4, 0xb8], [0xf0, 0x9f, 0x98], [0xed, 0xa0, 0x80], [0xff], [0xc0, 0xaf]])),
];

function randomText(tokens: number): Buffer {
  return Buffer.concat(Array.from({ length: tokens }, () => Buffer.from(pick(TOKENS)())));
}

describe('decodeJsonString', () => {
  it('gives what JSON.parse gives for random strings of every escape, raw UTF-8 and surrogates, whatever the slices', async () => {
    for (let i = 0; i < 300; i++) {
      const text = randomText(1 + Math.floor(random() * 40));
      const expected = parsed(text);
      for (const budget of [1, 3, 4, 7, 10, 16, 31, 64, 4 * 1024 * 1024]) {
        expect({ text: text.toString('hex'), budget, value: (await decode(text, budget)).value }).toEqual({
          text: text.toString('hex'),
          budget,
          value: expected,
        });
      }
    }
  });

  it('decodes escapes and UTF-8 sequences at every position relative to the slice boundaries', async () => {
    const hard = ['\\uD83D\\uDE00', '😀', '\\u00e9', '\\\\', '\\/', '\\uD800', '\\uDC00\\uD800', '\\uD83D😀', '中'].map((piece) => Buffer.from(piece));
    hard.push(Buffer.from([0xf0, 0x9f, 0x98]), Buffer.from([0xed, 0xa0, 0x80]));
    for (const piece of hard) {
      for (let pad = 0; pad < 14; pad++) {
        const text = Buffer.concat([Buffer.from('x'.repeat(pad)), piece, Buffer.from('yz')]);
        const expected = parsed(text);
        for (let budget = 1; budget <= 45; budget++) {
          const { value } = await decode(text, budget);
          expect({ piece: piece.toString('hex'), pad, budget, value }).toEqual({ piece: piece.toString('hex'), pad, budget, value: expected });
        }
      }
    }
  });

  it('copies long runs of plain bytes natively, cut anywhere, multi-byte characters included', async () => {
    const text = Buffer.from(`${'é'.repeat(200)}${'x'.repeat(300)}\\/${'😀'.repeat(100)}\\n${'中'.repeat(300)}`.repeat(3));
    const expected = parsed(text);
    for (const budget of [1, 5, 100, 301, 1000, 1501, 3000, 10_000, 4 * 1024 * 1024]) {
      expect({ budget, value: (await decode(text, budget)).value }).toEqual({ budget, value: expected });
    }
    // A run longer than the decoder's buffer, in slices.
    const long = Buffer.from(`\\n${'xé😀中'.repeat(100_000)}\\t${'y'.repeat(1_000_000)}`);
    const decoded = await decode(long, 64 * 1024);
    expect(decoded.value).toBe(parsed(long));
    expect(decoded.turns).toBeGreaterThan(long.length / (64 * 1024));
  });

  it('keeps a lone surrogate as the lone UTF-16 unit, as JSON.parse does', async () => {
    for (const text of [
      '\\uD800',
      '\\uDBFF\\uDBFF',
      '\\uDC00',
      'a\\uDFFFb',
      '\\uD800\\uD800\\uDC00',
      '\\uDC00\\uD800',
      '\\uD800x\\uDC00',
      '\\uD800\\n',
      '\\uD800\\u0041',
      '\\uD83D😀',
      '😀\\uDE00',
      'é\\uD800é',
    ]) {
      const { value } = await decode(text, 4);
      expect({ text, units: units(value) }).toEqual({ text, units: units(parsed(Buffer.from(text))) });
      expect(value).toBe(parsed(Buffer.from(text)));
    }
    expect((await decode('\\uD800')).value).toBe('\ud800');
    expect((await decode('\\uD83D\\uDE00')).value).toBe('😀');
    const lone = '\\ud800a'.repeat(20_000);
    expect((await decode(lone, 1000)).value).toBe(parsed(Buffer.from(lone)));
  });

  it('refuses an escape JSON does not know, as JSON.parse does', async () => {
    const invalid = [
      '\\x',
      'abc\\',
      '\\',
      '\\u',
      '\\u12',
      '\\u12G4',
      '\\U0041',
      '\\a',
      '\\0',
      '\\ ',
      '\\uD800\\u12',
      'é\\u00é9',
      `${'A'.repeat(100)}\\'`,
      '\\u+123',
      '\\u-123',
    ];
    for (const text of invalid) {
      expect(() => parsed(Buffer.from(text))).toThrow(SyntaxError);
      expect({ text, code: await codeOf(text) }).toEqual({ text, code: 'VALIDATION_FAILED' });
    }
  });

  it('decodes a PHP client\'s 4.5 MB base64 with "\\/" right, giving the event loop turns on the way', async () => {
    const image = randomBytes(3_400_000);
    const base64 = image.toString('base64');
    const php = Buffer.from(base64.replace(/\//g, '\\/'));
    const { value, turns } = await decode(php);
    expect(value).toBe(base64);
    expect(Buffer.from(value, 'base64').equals(image)).toBe(true);
    expect(turns).toBeGreaterThanOrEqual(2);
    // With the real event loop and clock.
    expect(await decodeJsonString(php, new TurnBudget(4 * 1024 * 1024))).toBe(base64);
  });

  it('ends a slice when its time is up, whatever the budget left', async () => {
    const text = Buffer.concat([randomText(20_000), Buffer.from('x'.repeat(1_000_000))]);
    let turns = 0;
    const value = await decodeJsonString(text, new TurnBudget(Number.MAX_SAFE_INTEGER, async () => void turns++, 0));
    expect(value).toBe(parsed(text));
    expect(turns).toBeGreaterThan(10);
  });
});

describe('TurnBudget', () => {
  it('gives a turn once the work counted reaches the budget, and before work that would not fit', async () => {
    let turns = 0;
    const budget = new TurnBudget(100, async () => void turns++, Infinity);
    await budget.spend(60);
    expect([turns, budget.left]).toEqual([0, 40]);
    await budget.spend(40);
    expect([turns, budget.left]).toEqual([1, 100]);
    await budget.spend(10);
    await budget.prepay(95);
    expect([turns, budget.left]).toEqual([2, 5]);
    await budget.prepay(500);
    expect([turns, budget.left]).toEqual([3, 1]);
  });
});

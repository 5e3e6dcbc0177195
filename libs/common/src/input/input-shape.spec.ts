import { DomainError } from '../errors/domain.error';
import { assertSaneInput, MAX_INPUT_DEPTH } from './input-shape';

const nested = (depth: number): unknown => {
  let value: unknown = 'leaf';
  for (let i = 0; i < depth; i++) value = [value];
  return value;
};
const codeOf = (fn: () => void) => {
  try {
    fn();
    return 'ok';
  } catch (error) {
    return error instanceof DomainError ? error.code : String(error);
  }
};

describe('assertSaneInput', () => {
  it('accepts ordinary bodies, nesting up to the limit, and uploaded bytes', () => {
    expect(codeOf(() => assertSaneInput({ name: 'Ada', metadata: { a: [1, { b: 'ü😀' }] }, images: [Buffer.from([0, 0, 0])] }, 'body'))).toBe('ok');
    expect(codeOf(() => assertSaneInput(nested(MAX_INPUT_DEPTH - 1), 'body'))).toBe('ok');
  });

  it('refuses nesting beyond the limit without overflowing its own stack', () => {
    expect(codeOf(() => assertSaneInput(nested(MAX_INPUT_DEPTH + 1), 'body'))).toBe('VALIDATION_FAILED');
    expect(codeOf(() => assertSaneInput(nested(1_000_000), 'body'))).toBe('VALIDATION_FAILED');
  });

  it('refuses NUL characters in values and in keys', () => {
    expect(codeOf(() => assertSaneInput({ name: 'a\u0000b' }, 'body'))).toBe('VALIDATION_FAILED');
    expect(codeOf(() => assertSaneInput({ metadata: { 'k\u0000': 1 } }, 'body'))).toBe('VALIDATION_FAILED');
    expect(codeOf(() => assertSaneInput({ q: ['x', 'y\u0000'] }, 'query string'))).toBe('VALIDATION_FAILED');
  });

  it('refuses the keys the validation pipe would drop in silence (__proto__, constructor, prototype), at any depth', () => {
    expect(codeOf(() => assertSaneInput(JSON.parse('{"metadata":{"__proto__":{"admin":true}}}'), 'body'))).toBe('VALIDATION_FAILED');
    expect(codeOf(() => assertSaneInput({ metadata: { nested: { constructor: 1 } } }, 'body'))).toBe('VALIDATION_FAILED');
    expect(codeOf(() => assertSaneInput({ prototype: 'x' }, 'body'))).toBe('VALIDATION_FAILED');
    expect(codeOf(() => assertSaneInput({ metadata: { toString: 't', valueOf: 'v', constructors: 2 } }, 'body'))).toBe('ok');
  });

  it('refuses lone UTF-16 surrogates in values and in keys, and accepts paired ones', () => {
    expect(codeOf(() => assertSaneInput({ metadata: { a: '\ud800' } }, 'body'))).toBe('VALIDATION_FAILED');
    expect(codeOf(() => assertSaneInput({ metadata: { '\udc00': 1 } }, 'body'))).toBe('VALIDATION_FAILED');
    expect(codeOf(() => assertSaneInput({ externalId: 'a\udbff' }, 'body'))).toBe('VALIDATION_FAILED');
    expect(codeOf(() => assertSaneInput({ name: 'x\ud83d\ude00' }, 'body'))).toBe('ok');
  });
});

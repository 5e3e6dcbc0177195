import { DomainError } from '../errors/domain.error';

/** Deeper than any legitimate request (metadata objects included); deeper input only exists to exhaust a stack. */
export const MAX_INPUT_DEPTH = 32;

/**
 * Refuses input that no handler should ever see: nesting deeper than MAX_INPUT_DEPTH (recursive validators and
 * transformers would overflow the stack on it), NUL characters in strings or keys (PostgreSQL rejects them in text
 * and jsonb), the keys of RESERVED_KEYS, and lone UTF-16 surrogates (JSON's \ud800 escapes: jsonb rejects them, and text columns would store
 * U+FFFD instead, so two different external ids would become one). Iterative, so the check itself cannot overflow.
 * Buffers (uploaded files) are skipped.
 */
export function assertSaneInput(value: unknown, where: string): void {
  const stack: Array<{ value: unknown; depth: number }> = [{ value, depth: 0 }];
  while (stack.length > 0) {
    const { value: current, depth } = stack.pop()!;
    if (typeof current === 'string') {
      assertSaneString(current, where);
      continue;
    }
    if (current === null || typeof current !== 'object' || Buffer.isBuffer(current)) continue;
    if (depth >= MAX_INPUT_DEPTH) throw new DomainError('VALIDATION_FAILED', `The ${where} is nested more than ${MAX_INPUT_DEPTH} levels deep.`);
    for (const [key, child] of Object.entries(current)) {
      assertSaneString(key, where);
      if (RESERVED_KEYS.has(key))
        throw new DomainError('VALIDATION_FAILED', `The ${where} uses the reserved key "${key}" (not allowed at any depth, metadata included).`);
      stack.push({ value: child, depth: depth + 1 });
    }
  }
}

/**
 * Keys that Nest's validation pipe deletes at every depth before anything else sees the body (its guard against
 * prototype pollution): refused here with a clear error instead, so a metadata key is never dropped in silence.
 */
const RESERVED_KEYS = new Set(['__proto__', 'constructor', 'prototype']);

/** String.prototype.isWellFormed (ES2024; native in every Node this runs on), typed here for the ES2023 lib. */
type WellFormedCheck = string & { isWellFormed(): boolean };

function assertSaneString(text: string, where: string): void {
  if (text.includes('\u0000')) throw new DomainError('VALIDATION_FAILED', `The ${where} contains a NUL character.`);
  if (!(text as WellFormedCheck).isWellFormed()) throw new DomainError('VALIDATION_FAILED', `The ${where} contains an unpaired UTF-16 surrogate.`);
}

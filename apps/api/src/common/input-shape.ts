import { DomainError } from '@facegate/common';

/** Deeper than any legitimate request (metadata objects included); deeper input only exists to exhaust a stack. */
export const MAX_INPUT_DEPTH = 32;

/**
 * Refuses input that no handler should ever see: nesting deeper than MAX_INPUT_DEPTH (recursive validators and
 * transformers would overflow the stack on it) and NUL characters in strings or keys (PostgreSQL rejects them in
 * text and jsonb). Iterative, so the check itself cannot overflow. Buffers (uploaded files) are skipped.
 */
export function assertSaneInput(value: unknown, where: string): void {
  const stack: Array<{ value: unknown; depth: number }> = [{ value, depth: 0 }];
  while (stack.length > 0) {
    const { value: current, depth } = stack.pop()!;
    if (typeof current === 'string') {
      if (current.includes('\u0000')) throw new DomainError('VALIDATION_FAILED', `The ${where} contains a NUL character.`);
      continue;
    }
    if (current === null || typeof current !== 'object' || Buffer.isBuffer(current)) continue;
    if (depth >= MAX_INPUT_DEPTH) throw new DomainError('VALIDATION_FAILED', `The ${where} is nested more than ${MAX_INPUT_DEPTH} levels deep.`);
    for (const [key, child] of Object.entries(current)) {
      if (key.includes('\u0000')) throw new DomainError('VALIDATION_FAILED', `The ${where} contains a NUL character.`);
      stack.push({ value: child, depth: depth + 1 });
    }
  }
}

import { DomainError } from '@facegate/common';
import { decodeCursor, encodeCursor } from './keyset-cursor';

describe('keyset page cursors', () => {
  it('round-trips the last row position', () => {
    const cursor = { at: new Date('2026-11-22T10:00:00.123Z'), id: '3f2a6f1e-1c2b-4d5e-8f90-123456789abc' };
    expect(decodeCursor(encodeCursor(cursor))).toEqual(cursor);
  });

  it.each(['garbage', '', Buffer.from('["not a date","x"]').toString('base64url'), Buffer.from('{"a":1}').toString('base64url')])(
    'refuses %j with VALIDATION_FAILED',
    (value) => {
      expect(() => decodeCursor(value)).toThrow(DomainError);
    },
  );
});

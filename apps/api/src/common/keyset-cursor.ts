import { DomainError } from '@facegate/common';

/** Position of the last row of a page ordered by (timestamp, id): stable under concurrent inserts, no OFFSET scans. */
export interface KeysetCursor {
  at: Date;
  id: string;
}

/** Opaque page cursors: base64url of the last row's (timestamp, id). */
export function encodeCursor(cursor: KeysetCursor): string {
  return Buffer.from(JSON.stringify([cursor.at.toISOString(), cursor.id])).toString('base64url');
}

export function decodeCursor(value: string): KeysetCursor {
  try {
    const [at, id] = JSON.parse(Buffer.from(value, 'base64url').toString('utf8')) as [string, string];
    const date = new Date(at);
    if (Number.isNaN(date.getTime()) || typeof id !== 'string' || !/^[0-9a-f-]{36}$/i.test(id)) throw new Error('bad cursor');
    return { at: date, id };
  } catch {
    throw new DomainError('VALIDATION_FAILED', 'cursor is not a cursor this API returned.');
  }
}

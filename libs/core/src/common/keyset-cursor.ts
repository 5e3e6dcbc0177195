import { DomainError } from '@facegate/common';

/** Position of the last row of a page ordered by (timestamp, id): stable under concurrent inserts, no OFFSET scans. */
export interface KeysetCursor {
  at: Date;
  id: string;
}

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

/** Dates PostgreSQL's timestamptz accepts without complaint, and that any real row can have. */
export const EARLIEST_DATE = new Date('1970-01-01T00:00:00Z');
export const LATEST_DATE = new Date('9999-12-31T23:59:59Z');

function isStorableDate(date: Date): boolean {
  return !Number.isNaN(date.getTime()) && date >= EARLIEST_DATE && date <= LATEST_DATE;
}

/** Opaque page cursors: base64url of the last row's (timestamp, id). */
export function encodeCursor(cursor: KeysetCursor): string {
  return Buffer.from(JSON.stringify([cursor.at.toISOString(), cursor.id])).toString('base64url');
}

export function decodeCursor(value: string): KeysetCursor {
  try {
    const [at, id] = JSON.parse(Buffer.from(value, 'base64url').toString('utf8')) as [string, string];
    const date = new Date(at);
    if (!isStorableDate(date) || typeof id !== 'string' || !UUID.test(id)) throw new Error('bad cursor');
    return { at: date, id };
  } catch {
    throw new DomainError('VALIDATION_FAILED', 'cursor is not a cursor this API returned.');
  }
}

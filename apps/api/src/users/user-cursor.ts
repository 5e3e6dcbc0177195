import { DomainError } from '@facegate/common';
import { UserPageCursor } from './users.repository';

/** Opaque page cursors: base64url of the last row's (createdAt, id). */
export function encodeCursor(cursor: UserPageCursor): string {
  return Buffer.from(JSON.stringify([cursor.createdAt.toISOString(), cursor.id])).toString('base64url');
}

export function decodeCursor(value: string): UserPageCursor {
  try {
    const [createdAt, id] = JSON.parse(Buffer.from(value, 'base64url').toString('utf8')) as [string, string];
    const date = new Date(createdAt);
    if (Number.isNaN(date.getTime()) || !/^[0-9a-f-]{36}$/i.test(id)) throw new Error('bad cursor');
    return { createdAt: date, id };
  } catch {
    throw new DomainError('VALIDATION_FAILED', 'cursor is not a cursor this API returned.');
  }
}

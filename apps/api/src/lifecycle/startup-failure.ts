import { ModelFilesError } from '@facegate/face-engine';
import { StartupError } from '../common/startup-error';

/** What a failed start needs to explain itself: where it tried to listen and which database it tried to reach. */
export interface StartupContext {
  host: string;
  port: number;
  /** DATABASE_URL, or undefined for the embedded database. */
  databaseUrl?: string;
}

interface ErrorFields {
  code?: unknown;
  syscall?: unknown;
  address?: unknown;
  port?: unknown;
  message?: unknown;
  cause?: unknown;
  errors?: unknown;
}

const UNREACHABLE = new Set(['ECONNREFUSED', 'ENOTFOUND', 'EAI_AGAIN', 'ETIMEDOUT', 'EHOSTUNREACH', 'ENETUNREACH', 'ECONNRESET']);

/**
 * The one line an operator reads when the service cannot start, saying what to do; null for a failure nobody
 * foresaw (main.ts then lets its stack trace through, as a bug report needs it). Covers the conditions a newcomer
 * meets: a bad bootstrap key (StartupError), missing or altered models, the port taken, the database unreachable,
 * refusing the login, missing, or without pgvector.
 */
export function explainStartupFailure(error: unknown, context: StartupContext): string | null {
  for (const e of causes(error)) {
    if (e instanceof StartupError || e instanceof ModelFilesError) return e.message;
    const code = typeof e.code === 'string' ? e.code : undefined;
    const message = typeof e.message === 'string' ? e.message : '';
    if (e.syscall === 'listen' && code === 'EADDRINUSE')
      return `Port ${context.port} on ${context.host} is already in use: stop the other process or set PORT to a free port.`;
    if (e.syscall === 'listen' && code === 'EACCES')
      return `Port ${context.port} on ${context.host} needs privileges this process does not have: set PORT to 1024 or above.`;
    if (!context.databaseUrl) continue;
    const database = describeDatabase(context.databaseUrl);
    if (code && UNREACHABLE.has(code)) {
      return `Cannot reach PostgreSQL at ${database} (${code}): start it or fix DATABASE_URL (unset it to use the embedded database).`;
    }
    if (code === '28P01' || code === '28000') return `PostgreSQL at ${database} refused the login (${message}): fix the user or password in DATABASE_URL.`;
    if (code === '3D000') return `PostgreSQL at ${database}: ${message}. Create it (createdb) or fix the database name in DATABASE_URL.`;
    const aboutVector = /extension "vector"|\/vector\.control"/.test(message);
    if (aboutVector && (code === '0A000' || code === '58P01')) {
      return `PostgreSQL at ${database} has no pgvector extension: install it (Debian: bash scripts/setup-pgvector.sh; Docker: the pgvector/pgvector image), or unset DATABASE_URL to use the embedded database.`;
    }
    if (aboutVector && code === '42501') {
      return `The DATABASE_URL user may not create the pgvector extension at ${database}: have a superuser run CREATE EXTENSION vector; in that database once, then start again.`;
    }
  }
  return null;
}

/** The error, its causes, and the errors an AggregateError holds (a host name with two addresses fails twice). */
function* causes(error: unknown, depth = 0): Generator<ErrorFields> {
  if (depth > 5 || typeof error !== 'object' || error === null) return;
  const e = error as ErrorFields;
  yield e;
  if (Array.isArray(e.errors)) for (const inner of e.errors) yield* causes(inner, depth + 1);
  if (e.cause) yield* causes(e.cause, depth + 1);
}

/** host:port/database of a connection URL, without the user or password. */
function describeDatabase(url: string): string {
  try {
    const u = new URL(url);
    return `${u.hostname || 'localhost'}:${u.port || '5432'}${u.pathname || ''}`;
  } catch {
    return 'DATABASE_URL';
  }
}

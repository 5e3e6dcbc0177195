import type { LogLevel } from '@nestjs/common';
import { MAX_STRING_CHARS, redactFields, redactText, redactValue } from './log-redaction';

/** Levels as log collectors name them: Nest's `log` is `info`, `verbose` folds into `debug`. */
export type OutputLevel = 'fatal' | 'error' | 'warn' | 'info' | 'debug';

export interface LogEntry {
  time: string;
  level: OutputLevel;
  context?: string;
  msg: string;
  requestId?: string;
  [field: string]: unknown;
}

/** Longer messages are cut: a log line is no place for a pasted body. */
export const MAX_MESSAGE_CHARS = MAX_STRING_CHARS;
/** The entry's own members, which fields must not overwrite. */
const RESERVED_FIELDS = new Set(['time', 'level', 'context', 'msg']);
const MAX_CONTEXT_CHARS = 200;
const STACK_LINE = /\n\s+at /;

export function outputLevel(level: LogLevel): OutputLevel {
  if (level === 'log') return 'info';
  if (level === 'verbose') return 'debug';
  return level;
}

/**
 * Turns a Nest logger call (`message, ...params`, where the last string param is the context and, for errors, a
 * string with stack frames is the stack) into one entry. Object messages become fields; `msg` names the event.
 */
export function toLogEntry(level: LogLevel, message: unknown, params: unknown[], now: Date, requestId?: string): LogEntry {
  const rest = [...params];
  // Scrubbed too: a caller's stray string parameter lands here.
  const context = rest.length > 0 && typeof rest[rest.length - 1] === 'string' ? redactText(rest.pop() as string, MAX_CONTEXT_CHARS) : undefined;
  const entry: LogEntry = { time: now.toISOString(), level: outputLevel(level), ...(context ? { context } : {}), msg: '', ...(requestId ? { requestId } : {}) };
  Object.assign(entry, messageFields(message));
  for (const param of rest) {
    if (typeof param === 'string' && STACK_LINE.test(param)) entry.stack = param;
    else if (param instanceof Error) entry.stack = param.stack ?? param.message;
    else if (isPlainObject(param)) Object.assign(entry, safeFields(param));
    else if (param !== undefined) entry.extra = [...((entry.extra as unknown[]) ?? []), redactValue(param, 1)];
  }
  splitStack(entry);
  // Scrubbed whole (an image cut in half still leaks), then cut; a stack is scrubbed but kept whole.
  entry.msg = redactText(entry.msg);
  if (typeof entry.stack === 'string') entry.stack = redactText(entry.stack, Infinity);
  return entry;
}

/** A message with stack frames pasted in (`...: Error: boom\n    at ...`) keeps its first part as msg. */
function splitStack(entry: LogEntry): void {
  const match = STACK_LINE.exec(entry.msg);
  if (!match || entry.stack !== undefined) return;
  entry.stack = entry.msg.slice(match.index + 1);
  entry.msg = entry.msg.slice(0, match.index);
}

function messageFields(message: unknown): Partial<LogEntry> {
  if (message instanceof Error) return { msg: message.message, stack: message.stack };
  if (isPlainObject(message)) {
    const { msg, message: text, ...fields } = message;
    return { ...safeFields(fields), msg: typeof (msg ?? text) === 'string' ? ((msg ?? text) as string) : JSON.stringify(msg ?? text ?? '') };
  }
  if (typeof message === 'string') return { msg: message };
  // An array or a buffer as the message: String() would write every number or byte.
  const redacted = redactValue(message);
  return { msg: typeof redacted === 'string' ? redacted : (JSON.stringify(redacted) ?? String(redacted)) };
}

/** Fields as redaction leaves them, less those that would overwrite the entry's own members. */
function safeFields(fields: Record<string, unknown>): Record<string, unknown> {
  const safe = redactFields(fields);
  for (const name of RESERVED_FIELDS) delete safe[name];
  return safe;
}

/** Only `{ ... }` literals become fields: a Buffer's or an array's entries are bytes and numbers, not fields. */
function isPlainObject(value: unknown): value is Record<string, unknown> {
  if (typeof value !== 'object' || value === null) return false;
  const prototype = Object.getPrototypeOf(value) as unknown;
  return prototype === Object.prototype || prototype === null;
}

/** One JSON object per line; a value JSON cannot hold (a BigInt, a cycle) is written as a string. */
export function formatJson(entry: LogEntry): string {
  try {
    return JSON.stringify(entry, (_key, value: unknown) => (typeof value === 'bigint' ? value.toString() : value));
  } catch {
    return JSON.stringify({ time: entry.time, level: entry.level, context: entry.context, msg: entry.msg, requestId: entry.requestId });
  }
}

/** For a terminal: `time LEVEL [context] msg key=value ...`. */
export function formatPretty(entry: LogEntry): string {
  const { time, level, context, msg, stack, ...fields } = entry;
  const pairs = Object.entries(fields)
    .filter(([, v]) => v !== undefined)
    .map(([k, v]) => `${k}=${typeof v === 'string' ? v : JSON.stringify(v)}`);
  const line = [time, level.toUpperCase().padEnd(5), context ? `[${context}]` : '', msg, ...pairs].filter(Boolean).join(' ');
  return typeof stack === 'string' ? `${line}\n${stack}` : line;
}

import type { LogLevel } from '@nestjs/common';

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

/** Longer messages are cut: a log line is no place for a pasted body or a base64 image that slipped into a message. */
export const MAX_MESSAGE_CHARS = 2000;
/** Fields that must never reach a log, whoever passes them. */
const FORBIDDEN_FIELDS = /^(image|images|file|files|frames|imageA|imageB|embedding|embeddings|body|apiKey|key|x-api-key|authorization|token|livenessToken|password|secret)$/i;
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
  const context = rest.length > 0 && typeof rest[rest.length - 1] === 'string' ? (rest.pop() as string) : undefined;
  const entry: LogEntry = { time: now.toISOString(), level: outputLevel(level), ...(context ? { context } : {}), msg: '', ...(requestId ? { requestId } : {}) };
  Object.assign(entry, messageFields(message));
  for (const param of rest) {
    if (typeof param === 'string' && STACK_LINE.test(param)) entry.stack = param;
    else if (param instanceof Error) entry.stack = param.stack ?? param.message;
    else if (isPlainObject(param)) Object.assign(entry, safeFields(param));
    else if (param !== undefined) entry.extra = [...((entry.extra as unknown[]) ?? []), param];
  }
  splitStack(entry);
  entry.msg = truncate(entry.msg);
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
    const { msg, message: text, ...fields } = message as Record<string, unknown>;
    return { ...safeFields(fields), msg: String(msg ?? text ?? '') };
  }
  return { msg: typeof message === 'string' ? message : String(message) };
}

/** Drops forbidden fields and fields that would overwrite the entry's own members. */
function safeFields(fields: Record<string, unknown>): Record<string, unknown> {
  const safe: Record<string, unknown> = {};
  for (const [name, value] of Object.entries(fields)) {
    if (FORBIDDEN_FIELDS.test(name) || ['time', 'level', 'context', 'msg'].includes(name)) continue;
    if (value instanceof Float32Array || Buffer.isBuffer(value)) continue;
    safe[name] = value;
  }
  return safe;
}

function isPlainObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value) && !(value instanceof Error);
}

function truncate(text: string): string {
  return text.length <= MAX_MESSAGE_CHARS ? text : `${text.slice(0, MAX_MESSAGE_CHARS)}… (${text.length - MAX_MESSAGE_CHARS} more characters)`;
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

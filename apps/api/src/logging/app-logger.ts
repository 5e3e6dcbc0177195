import { LoggerService, LogLevel } from '@nestjs/common';
import { formatJson, formatPretty, toLogEntry } from './log-format';
import { currentRequestId } from './request-context';

/** LOG_LEVEL order: a level enables itself and everything more severe. */
const ORDER: LogLevel[] = ['fatal', 'error', 'warn', 'log', 'debug', 'verbose'];

export interface AppLoggerOptions {
  level: 'error' | 'warn' | 'log' | 'debug';
  format: 'json' | 'pretty';
  /** Where lines go (stdout by default; tests pass a collector). */
  write?: (line: string) => void;
  now?: () => Date;
}

/**
 * Nest's logger for the whole app: one JSON object per line (or a readable line in a terminal) with time, level,
 * context, msg and the current request's id when the line is written while serving one.
 */
export class AppLogger implements LoggerService {
  private maxLevel: number;
  private readonly write: (line: string) => void;
  private readonly now: () => Date;

  constructor(private readonly options: AppLoggerOptions) {
    this.maxLevel = ORDER.indexOf(options.level);
    this.write = options.write ?? ((line) => process.stdout.write(`${line}\n`));
    this.now = options.now ?? (() => new Date());
  }

  log(message: unknown, ...params: unknown[]): void {
    this.emit('log', message, params);
  }

  error(message: unknown, ...params: unknown[]): void {
    this.emit('error', message, params);
  }

  warn(message: unknown, ...params: unknown[]): void {
    this.emit('warn', message, params);
  }

  debug(message: unknown, ...params: unknown[]): void {
    this.emit('debug', message, params);
  }

  verbose(message: unknown, ...params: unknown[]): void {
    this.emit('verbose', message, params);
  }

  fatal(message: unknown, ...params: unknown[]): void {
    this.emit('fatal', message, params);
  }

  /** Nest passes the enabled levels as a list; the least severe one enabled sets the threshold. */
  setLogLevels(levels: LogLevel[]): void {
    this.maxLevel = Math.max(0, ...levels.map((l) => ORDER.indexOf(l)));
  }

  private emit(level: LogLevel, message: unknown, params: unknown[]): void {
    if (ORDER.indexOf(level) > this.maxLevel) return;
    const entry = toLogEntry(level, message, params, this.now(), currentRequestId());
    this.write(this.options.format === 'json' ? formatJson(entry) : formatPretty(entry));
  }
}

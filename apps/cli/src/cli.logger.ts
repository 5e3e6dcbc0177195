import { ConsoleLogger, LogLevel } from '@nestjs/common';

const LEVELS: LogLevel[] = ['error', 'warn', 'log', 'debug'];

/**
 * Nest's console logger writes everything but errors to stdout, which `facegate export > file.jsonl` owns: here every
 * line goes to stderr. The tool is quieter than the server: warnings and errors, unless LOG_LEVEL=debug asks for all.
 */
export class CliLogger extends ConsoleLogger {
  constructor(level: LogLevel) {
    super('facegate', { logLevels: level === 'debug' ? LEVELS : LEVELS.slice(0, Math.min(2, LEVELS.indexOf(level) + 1)) });
  }

  protected override printMessages(messages: unknown[], context?: string, logLevel?: LogLevel, _stream?: 'stdout' | 'stderr', errorStack?: unknown): void {
    super.printMessages(messages, context, logLevel, 'stderr', errorStack);
  }
}

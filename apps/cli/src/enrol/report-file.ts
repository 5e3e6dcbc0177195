import { accessSync, constants, existsSync, writeFileSync } from 'node:fs';
import { dirname } from 'node:path';

const REASONS: Record<string, string> = {
  EACCES: 'permission denied',
  EPERM: 'permission denied',
  EROFS: 'read-only file system',
  ENOENT: 'the folder does not exist',
  EISDIR: 'it is a folder',
};

/** The --report file cannot be written; says why and where to write instead (the image's /app belongs to root). */
export class ReportFileError extends Error {
  constructor(file: string, cause: unknown) {
    const code = (cause as NodeJS.ErrnoException | undefined)?.code ?? '';
    const reason = REASONS[code] ?? (cause instanceof Error ? cause.message : String(cause));
    super(`cannot write the report to ${file}: ${reason}${code ? ` (${code})` : ''}. Choose a writable path (in the container: under /data or /tmp).`);
    this.name = 'ReportFileError';
  }
}

/** Checked before enrolling, so a run of hours does not end on a report it cannot write. */
export function assertWritable(file: string): void {
  try {
    accessSync(existsSync(file) ? file : dirname(file), constants.W_OK);
  } catch (error) {
    throw new ReportFileError(file, error);
  }
}

export function writeReport(file: string, report: unknown): void {
  try {
    writeFileSync(file, JSON.stringify(report, null, 2) + '\n');
  } catch (error) {
    throw new ReportFileError(file, error);
  }
}

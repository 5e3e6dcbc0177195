import { existsSync, statSync } from 'node:fs';
import { resolve } from 'node:path';
import { INestApplicationContext } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import { DomainError } from '@facegate/common';
import { AppConfig, COLLECTION_NAME, ConfigError, loadConfig } from '@facegate/core';
import { formatHelp, listFlag, parseArgs, ParsedArgs, stringFlag, UsageError } from './args/arg-parser';
import { findCommand, GENERAL_HELP } from './args/command-specs';
import { cliCaller } from './cli-caller';
import { CliLogger } from './cli.logger';
import { CliModule } from './cli.module';
import { EnrolFolderCommand, EnrolReport } from './enrol/enrol-folder.command';
import { assertWritable, writeReport } from './enrol/report-file';
import { formatKeyTable, KeysCommand } from './keys/keys.command';
import { ProgressReporter } from './progress/progress-reporter';
import { runTool } from './tools/tool-runner';
import { ExportCommand } from './transfer/export.command';
import { ImportCommand, ImportRefusedError } from './transfer/import.command';
import { LineError } from './transfer/jsonl-codec';

export interface CliIo {
  stdout: NodeJS.WritableStream & { isTTY?: boolean };
  stderr: NodeJS.WritableStream & { isTTY?: boolean; columns?: number };
}

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

/**
 * `facegate <command> ...`: parses, runs, and returns the exit code: 0 done, 1 a fatal error (message on stderr),
 * 2 a usage or configuration mistake.
 */
export async function runCli(argv: readonly string[], io: CliIo = { stdout: process.stdout, stderr: process.stderr }): Promise<number> {
  let name = argv[0] ?? '';
  try {
    if (argv.length === 0 || ['-h', '--help', 'help'].includes(argv[0])) {
      (argv.length === 0 ? io.stderr : io.stdout).write(GENERAL_HELP);
      return argv.length === 0 ? 2 : 0;
    }
    const found = findCommand(argv);
    if (!found)
      throw argv[0] === 'keys'
        ? new UsageError('keys needs one of: create, list, revoke (e.g. facegate keys create --help)')
        : new UsageError(`unknown command "${argv[0]}"`);
    name = found.spec.name;
    const args = parseArgs(argv.slice(found.words), found.spec);
    if (args.help) {
      io.stdout.write(formatHelp(found.spec));
      // A wrapped tool's own options are listed by the tool itself.
      return found.spec.passThrough ? await runTool(found.spec.name as 'eval', ['--help']) : 0;
    }
    return await dispatch(found.spec.name, args, io);
  } catch (error) {
    return reportError(error, name, io);
  }
}

async function dispatch(command: string, args: ParsedArgs, io: CliIo): Promise<number> {
  if (command === 'reindex') return runTool('reindex', []);
  if (command === 'eval') return runTool('eval', args.rest);
  const config = loadConfig();
  if (command === 'enrol') return enrol(config, args, io);
  if (command === 'export') return exportFile(config, args, io);
  if (command === 'import') return importFile(config, args, io);
  if (command === 'keys create') return keysCreate(config, args, io);
  if (command === 'keys list') return keysList(config, args, io);
  if (command === 'keys revoke') return keysRevoke(config, args, io);
  throw new UsageError(`unknown command "${command}"`);
}

async function enrol(config: AppConfig, args: ParsedArgs, io: CliIo): Promise<number> {
  const folder = resolve(args.positionals[0]);
  const collection = collectionFlag(args, 'enrol') ?? 'default';
  if (!existsSync(folder) || !statSync(folder).isDirectory()) throw new Error(`${folder} is not a folder`);
  // No file unless asked for: the summary and every rejected photo are on stdout/stderr already.
  const reportFile = stringFlag(args.flags.report);
  if (reportFile) assertWritable(reportFile);
  const report = await withContext(config, true, (app) =>
    app
      .get(EnrolFolderCommand)
      .run(
        folder,
        { collection, allowDuplicate: args.flags['allow-duplicate'] === true, allowMismatch: args.flags['allow-mismatch'] === true },
        cliCaller(),
        new ProgressReporter(io.stderr),
      ),
  );
  io.stdout.write(enrolSummary(report) + '\n');
  if (reportFile) {
    writeReport(reportFile, report);
    io.stdout.write(`report: ${reportFile}\n`);
  }
  return 0;
}

export function enrolSummary(report: EnrolReport): string {
  const s = report.summary;
  const codes = Object.entries(s.rejectedByCode)
    .sort(([a], [b]) => a.localeCompare(b))
    .map(([code, n]) => `${n} ${code}`)
    .join(', ');
  return (
    `${s.people} people in ${report.folder}: ${s.enrolled} enrolled (${s.faces} faces), ${s.skipped} skipped (already enrolled), ${s.failed} failed; ` +
    `${s.rejectedPhotos} photos rejected${codes ? ` (${codes})` : ''}`
  );
}

async function exportFile(config: AppConfig, args: ParsedArgs, io: CliIo): Promise<number> {
  const collection = collectionFlag(args, 'export');
  const summary = await withContext(config, false, (app) => app.get(ExportCommand).run(io.stdout, { collection }));
  const other = summary.otherModelFaces > 0 ? `; ${summary.otherModelFaces} faces of another embedding model left out` : '';
  io.stderr.write(`exported ${summary.people} people (${summary.faces} faces)${other}\n`);
  return 0;
}

async function importFile(config: AppConfig, args: ParsedArgs, io: CliIo): Promise<number> {
  const file = resolve(args.positionals[0]);
  if (!existsSync(file)) throw new Error(`${file} does not exist`);
  const collection = collectionFlag(args, 'import');
  const onConflict = (stringFlag(args.flags['on-conflict']) ?? 'fail') as 'fail' | 'skip';
  const summary = await withContext(config, false, (app) =>
    app.get(ImportCommand).run(file, { collection, onConflict }, cliCaller(), new ProgressReporter(io.stderr)),
  );
  const created = summary.createdCollections.length ? `; created collection ${summary.createdCollections.map((c) => `"${c}"`).join(', ')}` : '';
  io.stdout.write(
    `${summary.people} people in ${file}: ${summary.imported} imported (${summary.faces} faces), ${summary.skipped} skipped (externalId exists)${created}\n`,
  );
  return 0;
}

async function keysCreate(config: AppConfig, args: ParsedArgs, io: CliIo): Promise<number> {
  const name = stringFlag(args.flags.name);
  const scopes = listFlag(args.flags.scopes);
  if (!name) throw new UsageError('--name is required', 'keys create');
  if (!scopes?.length) throw new UsageError('--scopes is required (admin, enrol, recognize, read)', 'keys create');
  const created = await withContext(config, false, (app) =>
    app.get(KeysCommand).create({ name, scopes, collections: listFlag(args.flags.collections) }, cliCaller()),
  );
  io.stderr.write(
    `created API key ${created.id} "${created.name}" (prefix ${created.prefix}, scopes ${created.scopes.join(',')}, collections ${created.collections.join(',') || 'all'}).\n` +
      'The key follows on stdout; it is shown only this once, store it now.\n',
  );
  io.stdout.write(`${created.key}\n`);
  return 0;
}

async function keysList(config: AppConfig, args: ParsedArgs, io: CliIo): Promise<number> {
  const keys = await withContext(config, false, (app) => app.get(KeysCommand).list(cliCaller()));
  io.stdout.write(args.flags.json ? JSON.stringify(keys, null, 2) + '\n' : formatKeyTable(keys));
  return 0;
}

async function keysRevoke(config: AppConfig, args: ParsedArgs, io: CliIo): Promise<number> {
  const id = args.positionals[0];
  if (!UUID.test(id)) throw new UsageError(`"${id}" is not a key id (a UUID, see facegate keys list)`, 'keys revoke');
  await withContext(config, false, (app) => app.get(KeysCommand).revoke(id, cliCaller()));
  io.stdout.write(`revoked API key ${id}\n`);
  return 0;
}

function collectionFlag(args: ParsedArgs, command: string): string | undefined {
  const value = stringFlag(args.flags.collection);
  if (value !== undefined && !COLLECTION_NAME.test(value)) throw new UsageError('--collection must be 1-64 lowercase letters, digits, "-" or "_"', command);
  return value;
}

/** Boots the app's services without HTTP, runs the work, and always shuts them down (database, engine workers). */
async function withContext<T>(config: AppConfig, faces: boolean, work: (app: INestApplicationContext) => Promise<T>): Promise<T> {
  const app = await NestFactory.createApplicationContext(CliModule.forRoot(config, { faces }), { logger: new CliLogger(config.logLevel), abortOnError: false });
  try {
    return await work(app);
  } finally {
    await app.close();
  }
}

function reportError(error: unknown, command: string, io: CliIo): number {
  const prefix = command ? `facegate ${command}` : 'facegate';
  if (error instanceof UsageError) {
    io.stderr.write(`${prefix}: ${error.message}\nRun "facegate ${error.command ?? ''}${error.command ? ' ' : ''}--help" for usage.\n`);
    return error.exitCode;
  }
  if (error instanceof ConfigError) {
    io.stderr.write(`${prefix}: ${error.message}\n`);
    return 2;
  }
  if (error instanceof ImportRefusedError) {
    io.stderr.write(
      `${prefix}: ${error.message}\n${error.problems.map((p) => `  ${p}`).join('\n')}\n${error.total > error.problems.length ? `  ... and ${error.total - error.problems.length} more\n` : ''}`,
    );
    return 1;
  }
  if (error instanceof DomainError) {
    io.stderr.write(`${prefix}: ${error.code}: ${error.message}\n`);
    return 1;
  }
  const message = error instanceof LineError || error instanceof Error ? error.message : String(error);
  const hint = /Embedded database .* is in use by process/.test(message)
    ? '\nThe embedded database can be opened by one process at a time: stop the server first, or use PostgreSQL (DATABASE_URL).'
    : '';
  io.stderr.write(`${prefix}: ${message}${hint}\n`);
  return 1;
}

/**
 * Applies pending migrations to DATABASE_URL:
 *   npm run db:migrate   (npx tsx libs/database/src/migrations/migrate.cli.ts)
 * With reindex.cli.ts, the only files of the library that read process.env (command-line entry points). Exit code 1 on any failure.
 */
import { DatabaseLogger } from '../database.logger';
import { findMigrationsDir } from './migration-files';
import { runMigrations } from './migration-runner';

const consoleLogger: DatabaseLogger = {
  log: (message) => console.log(`[db:migrate] ${message}`),
  warn: (message) => console.warn(`[db:migrate] ${message}`),
};

async function main(): Promise<void> {
  const url = process.env.DATABASE_URL;
  if (!url) throw new Error('DATABASE_URL is not set (postgres://user:password@host:5432/database)');
  const migrationsDir = process.env.MIGRATIONS_DIR ?? findMigrationsDir(__dirname);
  const { applied, total } = await runMigrations(url, migrationsDir, consoleLogger);
  consoleLogger.log(`${applied.length} applied, ${total - applied.length} already present, ${total} in total`);
}

main().catch((error: unknown) => {
  console.error(`[db:migrate] ${error instanceof Error ? error.message : String(error)}`);
  process.exitCode = 1;
});

import { createHash } from 'node:crypto';
import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { dirname, join } from 'node:path';

/** A migration folder in Prisma's layout: `<migrationsDir>/<name>/migration.sql`. */
export interface MigrationFile {
  name: string;
  sql: string;
  /** sha256 hex of the file's bytes, as Prisma records it in `_prisma_migrations.checksum`. */
  checksum: string;
}

/** Reads every migration folder, sorted by name (the timestamp prefix gives the order). */
export function readMigrationFiles(migrationsDir: string): MigrationFile[] {
  if (!existsSync(migrationsDir)) throw new Error(`Migrations directory not found: ${migrationsDir}`);
  return readdirSync(migrationsDir, { withFileTypes: true })
    .filter((entry) => entry.isDirectory() && existsSync(join(migrationsDir, entry.name, 'migration.sql')))
    .map((entry) => entry.name)
    .sort()
    .map((name) => readMigrationFile(migrationsDir, name));
}

function readMigrationFile(migrationsDir: string, name: string): MigrationFile {
  const bytes = readFileSync(join(migrationsDir, name, 'migration.sql'));
  return { name, sql: bytes.toString('utf8'), checksum: createHash('sha256').update(bytes).digest('hex') };
}

/**
 * Finds `prisma/migrations` by walking up from `startDir`, so the same code works from `libs/database/src` (tsx, jest)
 * and from a compiled `dist/...` tree, as long as the `prisma/` folder ships next to it.
 */
export function findMigrationsDir(startDir: string = __dirname): string {
  for (let dir = startDir; ; dir = dirname(dir)) {
    const candidate = join(dir, 'prisma', 'migrations');
    if (existsSync(candidate) && statSync(candidate).isDirectory()) return candidate;
    if (dirname(dir) === dir) break;
  }
  throw new Error(`No prisma/migrations directory found above ${startDir}; set DatabaseOptions.migrationsDir`);
}

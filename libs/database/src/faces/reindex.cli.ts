/**
 * Rebuilds the IVFFlat index now, with lists for the current number of people, and drops the faces' indexes an
 * earlier release left (on PostgreSQL only this does; run it once no instance of that release runs):
 *   npm run db:reindex   (DATABASE_URL, or the embedded database in DATA_DIR, default ./data, while the server is stopped)
 * On PostgreSQL the build is concurrent: searches and enrolments of a running server carry on meanwhile. Like
 * migrate.cli.ts, a command-line entry point: it reads process.env itself. Exit code 1 on any failure.
 */
import { resolve } from 'node:path';
import { PrismaPg } from '@prisma/adapter-pg';
import { DEFAULT_DATABASE_OPTIONS } from '../database.options';
import { EmbeddedPostgres } from '../embedded/embedded-postgres';
import { PrismaClient } from '../generated/prisma/client';
import { VectorIndexRepository } from './vector-index.repository';

async function main(): Promise<void> {
  const url = process.env.DATABASE_URL;
  const dataDir = resolve(process.env.DATA_DIR ?? './data');
  const embedded = url ? undefined : await EmbeddedPostgres.start({ dataDir });
  const connectionUrl = url ?? embedded!.url;
  const client = new PrismaClient({ adapter: new PrismaPg({ connectionString: connectionUrl, max: 1 }) });
  try {
    const provider = { client, mode: url ? ('postgres' as const) : ('embedded' as const), connectionUrl };
    const repository = new VectorIndexRepository(provider, { ...DEFAULT_DATABASE_OPTIONS, url, dataDir });
    console.log(`[db:reindex] rebuilding the IVFFlat index on ${url ? 'PostgreSQL' : `the embedded database in ${dataDir}`}...`);
    const result = await repository.ensureIndex({ force: true });
    const info = await repository.indexInfo();
    console.log(
      `[db:reindex] ${result.action}: ${result.rows} people, lists ${info.lists ?? '-'}, probes ${info.probes}, ${result.durationMs} ms${result.reason ? ` (${result.reason})` : ''}`,
    );
    if (result.droppedEarlier?.length) console.log(`[db:reindex] dropped the earlier release's ${result.droppedEarlier.join(', ')}`);
    if (result.action === 'busy') process.exitCode = 1;
  } finally {
    await client.$disconnect();
    await embedded?.stop();
  }
}

main().catch((error: unknown) => {
  console.error(`[db:reindex] ${explain(error)}`);
  process.exitCode = 1;
});

/** The raw driver message, except for a database facegate has never run on, which says what to do. */
function explain(error: unknown): string {
  const message = error instanceof Error ? error.message : String(error);
  // 42P01, undefined_table: the tables come from the migrations, which the server runs at start-up.
  if (/\b42P01\b/.test(message)) {
    return 'the database has no facegate tables yet: start the server on it once (it applies the migrations), or run npm run db:migrate';
  }
  return message;
}

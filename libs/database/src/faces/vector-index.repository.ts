import { Inject, Injectable, Logger } from '@nestjs/common';
import { Client } from 'pg';
import { DATABASE_OPTIONS, DatabaseOptions } from '../database.options';
import { Prisma, PrismaClient } from '../generated/prisma/client';
import { PrismaClientProvider, PrismaService } from '../prisma/prisma.service';
import { FaceWriter } from './face-writer';
import { EnsureIndexResult, IndexInfo } from './face-vector.types';
import { buildMemoryMb, IndexPlan, IndexState, planIndex, probesForLists, REBUILD_GROWTH_FACTOR, searchedIndex } from './ivfflat-tuning';

/**
 * The search's IVFFlat index is on one vector a person (user_centroids.centroid, the normalised mean of their faces,
 * kept by triggers on faces), stored as halfvec (16-bit floats): the search walks it for the nearest people and ranks
 * every face of those people at full precision, so the answer's similarities stay exact. Measured at 1M faces of 5 a
 * person (README "Why one vector a person"): person@1 as high as on the faces' index it replaces, in less time, with
 * an index and table 2.5x smaller than that index, built 6x faster.
 */
export const IVFFLAT_INDEX_NAME = 'user_centroids_halfvec_ivfflat_idx';
const IVFFLAT_BUILD_NAME = `${IVFFLAT_INDEX_NAME}_new`;
const INDEX_TABLE = 'user_centroids';
const INDEX_METHOD = 'ivfflat (centroid halfvec_cosine_ops)';
/**
 * The faces' own index of earlier releases (halfvec; before it, full precision; `_new`, the name a build of theirs
 * stopped midway left): searched until the people's index exists. Dropped by a forced build (npm run db:reindex), not
 * by the periodic check, on a PostgreSQL server: an instance of the earlier release still running during a rolling
 * upgrade searches with it and would rebuild it (minutes at a million faces) as soon as it was gone. The embedded
 * server has one process, so its build drops them.
 */
export const FACES_INDEX_NAME = 'faces_embedding_halfvec_ivfflat_idx';
export const EARLIER_INDEX_NAMES = [FACES_INDEX_NAME, `${FACES_INDEX_NAME}_new`, 'faces_embedding_ivfflat_idx'];
/** pg_try_advisory_xact_lock key: one index build at a time across instances. */
const INDEX_BUILD_LOCK_KEY = 72707370;
/** The embedded server's transactional build holds its one pooled connection: every query waits while it runs. */
const BUILD_TIMEOUT_MS = 30 * 60_000;

/** The index state only steers the search path's choice of plan, never the result set, so it is cached this long. */
const STATE_TTL_MS = 30_000;

/**
 * The IVFFlat index's lifecycle, off the request path: creating it once the gallery holds enough people, rebuilding
 * it when the gallery outgrows its lists, retiring the faces' index of earlier releases, the advisory lock that lets
 * one instance build at a time, and the bookkeeping table. The search path only reads the index's state
 * (cachedState) to choose its plan.
 */
@Injectable()
export class VectorIndexRepository {
  private readonly logger = new Logger('VectorIndex');
  private state?: { value: IndexState; expiresAt: number };
  private warnedOfEarlierIndexes = false;

  constructor(
    @Inject(PrismaService) private readonly prisma: PrismaClientProvider,
    @Inject(DATABASE_OPTIONS) private readonly options: DatabaseOptions,
  ) {}

  private get client(): PrismaClient {
    return this.prisma.client;
  }

  async indexInfo(): Promise<IndexInfo> {
    const state = await readIndexState(this.client);
    this.state = { value: state, expiresAt: Date.now() + STATE_TTL_MS };
    const searched = searchedIndex(state);
    const probes = searched ? probesForLists(searched.lists, this.options.probes) : (this.options.probes ?? 1);
    return {
      exists: state.exists,
      kind: searched?.kind ?? null,
      lists: searched?.lists ?? null,
      rowsAtBuild: state.exists ? state.rowsAtBuild : null,
      builtAt: state.exists ? (state.builtAt ?? null) : null,
      probes,
      probesSource: this.options.probes === undefined ? 'auto' : 'fixed',
      rebuildAtRows: state.exists && state.rowsAtBuild !== null ? state.rowsAtBuild * REBUILD_GROWTH_FACTOR : null,
      exactScanMaxFaces: this.options.exactScanMaxFaces,
      earlierIndexes: state.earlierIndexes ?? [],
    };
  }

  /**
   * Creates the IVFFlat index once `minRowsForIndex` people have faces, and rebuilds it with more lists when their
   * number has doubled since (k-means centroids computed on a small table partition a large one badly). `force`
   * rebuilds now (npm run db:reindex) and drops the faces' indexes of earlier releases (EARLIER_INDEX_NAMES). One build
   * at a time across instances, under an advisory lock.
   *
   * On a PostgreSQL server the build never blocks searches or enrolments: CREATE INDEX CONCURRENTLY under a temporary
   * name on a dedicated connection, then DROP INDEX CONCURRENTLY of the old one and a rename (a brief, non-blocking
   * lock). Searches use the old index until the new one is valid, and either one while both exist. An interrupted
   * build leaves an invalid index behind, which the next check drops. The embedded server has a single session, so
   * there it builds in one transaction.
   */
  async ensureIndex(options: { force?: boolean } = {}): Promise<EnsureIndexResult> {
    const started = Date.now();
    const url = this.prisma.mode === 'postgres' ? this.prisma.connectionUrl : undefined;
    const result = url ? await this.ensureIndexConcurrently(url, options.force ?? false) : await this.ensureIndexInTransaction(options.force ?? false);
    this.state = undefined;
    const done: EnsureIndexResult = { ...result, durationMs: Date.now() - started };
    if (done.action !== 'none') {
      this.logger.log(`IVFFlat index ${done.action}: ${done.rows} people, ${done.lists} lists, ${done.durationMs} ms`);
    }
    return done;
  }

  private async ensureIndexInTransaction(force: boolean): Promise<Omit<EnsureIndexResult, 'durationMs'>> {
    return this.client.$transaction(
      async (tx): Promise<Omit<EnsureIndexResult, 'durationMs'>> => {
        const [{ locked }] = await tx.$queryRaw<Array<{ locked: boolean }>>`
          SELECT pg_try_advisory_xact_lock(${INDEX_BUILD_LOCK_KEY}) AS locked`;
        const rows = await countPeople(tx);
        if (!locked) return { action: 'busy', rows, lists: null, reason: 'another instance is building the index' };
        const state = await readIndexState(tx);
        const plan = planIndex(rows, state, this.options.minRowsForIndex, force, this.options.indexBuildMemoryMb);
        // An upgraded embedded database: its one process needs the earlier indexes only until the people's exists.
        const dropEarlier = (state.exists || plan.action !== 'none') && !!state.earlierIndexes?.length;
        if (plan.action === 'none') {
          if (dropEarlier) await dropEarlierIndexes(tx);
          return { action: 'none', rows, lists: state.lists, reason: plan.reason, ...(dropEarlier ? { droppedEarlier: state.earlierIndexes } : {}) };
        }
        if (state.invalid) await tx.$executeRaw`DROP INDEX IF EXISTS ${Prisma.raw(`"${IVFFLAT_INDEX_NAME}"`)}`;
        if (plan.action === 'create') await buildIndex(tx, IVFFLAT_INDEX_NAME, plan.lists);
        if (plan.action === 'rebuild') await rebuildIndex(tx, plan.lists);
        await recordIndexState(tx, plan.lists, rows);
        if (dropEarlier) await dropEarlierIndexes(tx);
        // Fresh statistics, or the planner keeps costing the index against the tables it saw when they were small (and
        // reads a collection's faces whole instead of the candidates' through faces_user_id_idx).
        // PGlite runs no autovacuum, so nothing else ever analyses its tables.
        await tx.$executeRaw`ANALYZE user_centroids, faces`;
        return { action: actionDone(plan), rows, lists: plan.lists, ...(dropEarlier ? { droppedEarlier: state.earlierIndexes } : {}) };
      },
      { timeout: BUILD_TIMEOUT_MS, maxWait: 10_000 },
    );
  }

  /**
   * DDL cannot take bind parameters and CONCURRENTLY cannot run inside a transaction or through a pool that may
   * switch connections, so this path uses its own pg connection; the statements splice only our own constants and
   * an integer `lists` we computed.
   */
  private async ensureIndexConcurrently(url: string, force: boolean): Promise<Omit<EnsureIndexResult, 'durationMs'>> {
    const conn = new Client({ connectionString: url, application_name: 'facegate-index-build' });
    await conn.connect();
    try {
      const lock = await conn.query<{ locked: boolean }>('SELECT pg_try_advisory_lock($1) AS locked', [INDEX_BUILD_LOCK_KEY]);
      const rows = await countPeople(this.client);
      if (!lock.rows[0].locked) return { action: 'busy', rows, lists: null, reason: 'another instance is building the index' };
      try {
        const state = await readIndexState(this.client);
        const plan = planIndex(rows, state, this.options.minRowsForIndex, force, this.options.indexBuildMemoryMb);
        const earlier = state.earlierIndexes ?? [];
        if (plan.action !== 'none') {
          await swapInNewIndex(conn, plan.action === 'adopt' ? null : plan.lists, state);
          await recordIndexState(this.client, plan.lists, rows);
          await conn.query('ANALYZE user_centroids, faces');
        }
        const peopleIndexed = state.exists || plan.action !== 'none';
        if (earlier.length && peopleIndexed && !force) this.warnOfEarlierIndexes(earlier);
        if (earlier.length && force) {
          // Other instances may have read the state before the people's index existed: they walk the faces' index
          // until their cached state expires, so it goes only once they have seen the new one.
          if (plan.action === 'create') await sleep(STATE_TTL_MS);
          await dropEarlierIndexesConcurrently(conn);
        }
        const dropped = earlier.length && force ? { droppedEarlier: earlier } : {};
        if (plan.action === 'none') return { action: 'none', rows, lists: state.lists, reason: plan.reason, ...dropped };
        return { action: actionDone(plan), rows, lists: plan.lists, ...dropped };
      } finally {
        await conn.query('SELECT pg_advisory_unlock($1)', [INDEX_BUILD_LOCK_KEY]);
      }
    } finally {
      await conn.end();
    }
  }

  /** Once a process: they cost disk and every enrolment's index writes until someone drops them. */
  private warnOfEarlierIndexes(names: readonly string[]): void {
    if (this.warnedOfEarlierIndexes) return;
    this.warnedOfEarlierIndexes = true;
    this.logger.warn(
      `searches walk the people's index; the faces' index of an earlier release is still there (${names.join(', ')}): once no instance of the earlier release runs, npm run db:reindex drops it`,
    );
  }

  /** The index's state as the search path needs it: read from the catalog at most every 30 s. */
  async cachedState(): Promise<IndexState> {
    if (this.state && this.state.expiresAt > Date.now()) return this.state.value;
    const value = await readIndexState(this.client);
    this.state = { value, expiresAt: Date.now() + STATE_TTL_MS };
    return value;
  }
}

const sleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));

/** People with a centroid: the rows of the index's table. */
async function countPeople(client: FaceWriter): Promise<number> {
  const [{ count }] = await client.$queryRaw<Array<{ count: number }>>`SELECT count(*)::int AS count FROM user_centroids`;
  return count;
}

/**
 * Existence, validity and lists come from the catalog (the truth); rows-at-build from our bookkeeping table. The
 * faces' indexes of earlier releases are listed while they exist, valid or not, and the valid halfvec one's lists kept.
 */
async function readIndexState(client: FaceWriter): Promise<IndexState> {
  const names = [IVFFLAT_INDEX_NAME, ...EARLIER_INDEX_NAMES];
  const rows = await client.$queryRaw<Array<{ name: string; lists: number | null; rowsAtBuild: number | null; builtAt: Date | null; valid: boolean }>>`
    SELECT c.relname AS name,
           (SELECT option_value::int FROM pg_options_to_table(c.reloptions) WHERE option_name = 'lists') AS lists,
           s.rows_at_build AS "rowsAtBuild", s.built_at AS "builtAt", i.indisvalid AS valid
    FROM pg_class c
    JOIN pg_index i ON i.indexrelid = c.oid
    LEFT JOIN vector_index_state s ON s.index_name = c.relname
    WHERE c.oid IN (SELECT to_regclass(name) FROM unnest(${names}::text[]) name)`;
  // An earlier release stopped between dropping its index and renaming the new one leaves only `_new`, valid.
  const faces = rows.find((row) => row.name === FACES_INDEX_NAME && row.valid) ?? rows.find((row) => row.name === `${FACES_INDEX_NAME}_new` && row.valid);
  const earlier = {
    // pgvector's default when built without WITH (lists = ...).
    facesIndexLists: faces ? (faces.lists ?? 100) : undefined,
    earlierIndexes: rows.filter((row) => row.name !== IVFFLAT_INDEX_NAME).map((row) => row.name),
  };
  const own = rows.find((row) => row.name === IVFFLAT_INDEX_NAME);
  if (!own) return { exists: false, lists: null, rowsAtBuild: null, builtAt: null, ...earlier };
  if (!own.valid) return { exists: false, lists: null, rowsAtBuild: null, builtAt: null, invalid: true, ...earlier };
  return { exists: true, lists: own.lists ?? 100, rowsAtBuild: own.rowsAtBuild, builtAt: own.builtAt, ...earlier };
}

/**
 * Builds the new index beside the old one without blocking reads or writes, then retires the old one. `lists` null
 * (adopting an index built by hand) changes nothing but the bookkeeping.
 */
async function swapInNewIndex(conn: Client, lists: number | null, state: IndexState): Promise<void> {
  if (lists !== null) {
    if (!Number.isInteger(lists) || lists < 1) throw new Error(`Invalid IVFFlat lists: ${lists}`);
    // pgvector refuses to build when its k-means needs more than maintenance_work_mem: ask for what these lists need.
    await conn.query(`SET maintenance_work_mem = '${buildMemoryMb(lists)}MB'`);
    await conn.query(`DROP INDEX CONCURRENTLY IF EXISTS "${IVFFLAT_BUILD_NAME}"`);
    if (state.invalid) await conn.query(`DROP INDEX CONCURRENTLY IF EXISTS "${IVFFLAT_INDEX_NAME}"`);
    await conn.query(`CREATE INDEX CONCURRENTLY "${IVFFLAT_BUILD_NAME}" ON ${INDEX_TABLE} USING ${INDEX_METHOD} WITH (lists = ${lists})`);
    if (state.exists) await conn.query(`DROP INDEX CONCURRENTLY IF EXISTS "${IVFFLAT_INDEX_NAME}"`);
    await conn.query(`ALTER INDEX "${IVFFLAT_BUILD_NAME}" RENAME TO "${IVFFLAT_INDEX_NAME}"`);
  }
}

async function dropEarlierIndexesConcurrently(conn: Client): Promise<void> {
  for (const name of EARLIER_INDEX_NAMES) await conn.query(`DROP INDEX CONCURRENTLY IF EXISTS "${name}"`);
  await conn.query('DELETE FROM vector_index_state WHERE index_name = ANY($1::text[])', [EARLIER_INDEX_NAMES]);
}

function actionDone(plan: Exclude<IndexPlan, { action: 'none' }>): EnsureIndexResult['action'] {
  return plan.action === 'create' ? 'created' : plan.action === 'rebuild' ? 'rebuilt' : 'adopted';
}

/** DDL takes no bind parameters: `lists` is spliced in, after checking it is an integer we computed. */
async function buildIndex(tx: Prisma.TransactionClient, name: string, lists: number): Promise<void> {
  if (!Number.isInteger(lists) || lists < 1) throw new Error(`Invalid IVFFlat lists: ${lists}`);
  await tx.$queryRaw`SELECT set_config('maintenance_work_mem', ${`${buildMemoryMb(lists)}MB`}, true)`;
  await tx.$executeRaw`CREATE INDEX ${Prisma.raw(`"${name}"`)} ON ${Prisma.raw(INDEX_TABLE)}
    USING ${Prisma.raw(INDEX_METHOD)} WITH (lists = ${Prisma.raw(String(lists))})`;
}

async function dropEarlierIndexes(tx: Prisma.TransactionClient): Promise<void> {
  for (const name of EARLIER_INDEX_NAMES) await tx.$executeRaw`DROP INDEX IF EXISTS ${Prisma.raw(`"${name}"`)}`;
  await tx.$executeRaw`DELETE FROM vector_index_state WHERE index_name = ANY(${EARLIER_INDEX_NAMES}::text[])`;
}

async function rebuildIndex(tx: Prisma.TransactionClient, lists: number): Promise<void> {
  await tx.$executeRaw`DROP INDEX IF EXISTS ${Prisma.raw(`"${IVFFLAT_BUILD_NAME}"`)}`;
  await buildIndex(tx, IVFFLAT_BUILD_NAME, lists);
  await tx.$executeRaw`DROP INDEX ${Prisma.raw(`"${IVFFLAT_INDEX_NAME}"`)}`;
  await tx.$executeRaw`ALTER INDEX ${Prisma.raw(`"${IVFFLAT_BUILD_NAME}"`)}
    RENAME TO ${Prisma.raw(`"${IVFFLAT_INDEX_NAME}"`)}`;
}

async function recordIndexState(tx: Prisma.TransactionClient, lists: number, rows: number): Promise<void> {
  await tx.$executeRaw`
    INSERT INTO vector_index_state (index_name, lists, rows_at_build, built_at)
    VALUES (${IVFFLAT_INDEX_NAME}, ${lists}, ${rows}, now())
    ON CONFLICT (index_name) DO UPDATE
      SET lists = EXCLUDED.lists, rows_at_build = EXCLUDED.rows_at_build, built_at = EXCLUDED.built_at`;
}

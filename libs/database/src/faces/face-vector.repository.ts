import { Inject, Injectable, Logger } from '@nestjs/common';
import { Client } from 'pg';
import { DATABASE_OPTIONS, DatabaseOptions } from '../database.options';
import { Prisma, PrismaClient } from '../generated/prisma/client';
import { PrismaClientProvider, PrismaService } from '../prisma/prisma.service';
import { IndexPlan, IndexState, REBUILD_GROWTH_FACTOR, candidatePool, clampTopK, planIndex, probesForLists } from './ivfflat-tuning';
import { BestMatch, EnsureIndexResult, IndexInfo, InsertedFace, NewFace, SearchCollectionParams, SearchHit } from './face-vector.types';
import { toVectorSql } from './vector-sql';

/** The typed client or an interactive transaction's client: both run raw SQL. */
export type FaceWriter = Prisma.TransactionClient | PrismaClient;

/**
 * The IVFFlat index is built on the embeddings cast to halfvec (16-bit floats): measured at 1M faces it is 2.3x smaller
 * (1.1 GB against 2.6 GB) and scans 36% faster at the same recall (BENCHMARKS.md "Vector search"); the candidates it
 * returns are re-ranked with the full-precision vectors, so the answer's similarities stay exact.
 */
export const IVFFLAT_INDEX_NAME = 'faces_embedding_halfvec_ivfflat_idx';
const IVFFLAT_BUILD_NAME = `${IVFFLAT_INDEX_NAME}_new`;
/** The full-precision index of earlier releases: dropped once the halfvec index exists. */
const LEGACY_INDEX_NAME = 'faces_embedding_ivfflat_idx';
const INDEX_METHOD = 'ivfflat ((embedding::halfvec(512)) halfvec_cosine_ops)';
/** pg_try_advisory_xact_lock key: one index build at a time across instances. */
const INDEX_BUILD_LOCK_KEY = 72707370;
/** Rows per INSERT statement: bounds the statement size (7 parameters, ~6 KB of vector text per row). */
const INSERT_CHUNK = 500;
/** Counts and index state are cached this long; both only steer the choice of plan, never the result set. */
const CACHE_TTL_MS = 30_000;
/** The embedded server's transactional build blocks face inserts (not searches) while it runs. */
const BUILD_TIMEOUT_MS = 30 * 60_000;
/** k-means over the sample needs memory; below its estimate pgvector builds slowly and warns. */
const BUILD_MEMORY = '256MB';

interface Cached<T> {
  value: T;
  expiresAt: number;
}

/**
 * Every SQL statement that touches faces.embedding lives here. Prisma's typed client cannot read or write an
 * Unsupported("vector(512)") column, so these are parameterised $queryRaw/$executeRaw templates; embeddings travel as
 * pgvector text parameters cast with ::vector.
 *
 * Search strategy per collection (see exactSearchSql and indexSearchSql):
 * - fewer faces than `exactScanMaxFaces`, or no index yet: exact scan.
 * - otherwise: IVFFlat with `probes` lists and pgvector 0.8's iterative scan, so that the collection filter (applied
 *   to the rows the index returns) cannot leave the candidate pool short.
 */
@Injectable()
export class FaceVectorRepository {
  private readonly logger = new Logger(FaceVectorRepository.name);
  private readonly counts = new Map<string, Cached<number>>();
  private indexState?: Cached<IndexState>;

  constructor(
    @Inject(PrismaService) private readonly prisma: PrismaClientProvider,
    @Inject(DATABASE_OPTIONS) private readonly options: DatabaseOptions,
  ) {}

  private get client(): PrismaClient {
    return this.prisma.client;
  }

  /** One multi-row INSERT (per 500 rows); results in input order. Pass a transaction client to join a transaction. */
  async insertFaces(tx: FaceWriter, rows: readonly NewFace[]): Promise<InsertedFace[]> {
    const inserted: InsertedFace[] = [];
    for (let start = 0; start < rows.length; start += INSERT_CHUNK) {
      inserted.push(...(await this.insertChunk(tx, rows.slice(start, start + INSERT_CHUNK))));
    }
    for (const row of rows) this.bumpCachedCount(row.collectionId, 1);
    return inserted;
  }

  private async insertChunk(tx: FaceWriter, rows: readonly NewFace[]): Promise<InsertedFace[]> {
    const values = rows.map(
      (row) => Prisma.sql`(${row.userId}::uuid, ${row.collectionId}::uuid, ${toVectorSql(row.embedding)}::vector,
        ${row.modelId}, ${JSON.stringify(row.box)}::jsonb, ${row.score}::float8,
        ${JSON.stringify(row.quality)}::jsonb)`,
    );
    // PostgreSQL returns the rows of a single INSERT ... VALUES in VALUES order.
    return tx.$queryRaw<InsertedFace[]>`
      INSERT INTO faces (user_id, collection_id, embedding, model_id, box, score, quality)
      VALUES ${Prisma.join(values)}
      RETURNING id, created_at AS "createdAt"`;
  }

  /** The nearest distinct users of a collection, best first. */
  async searchCollection(params: SearchCollectionParams): Promise<SearchHit[]> {
    const plan = await this.planSearch(params);
    return this.runPlan<SearchHit>(plan, plan.sql);
  }

  /** EXPLAIN of what searchCollection would run, for diagnostics and for tests that the index path uses the index. */
  async explainSearch(params: SearchCollectionParams): Promise<{ mode: SearchPlan['mode']; plan: string }> {
    const plan = await this.planSearch(params);
    const rows = await this.runPlan<ExplainRow>(plan, Prisma.sql`EXPLAIN ${plan.sql}`);
    return { mode: plan.mode, plan: rows.map((row) => row['QUERY PLAN']).join('\n') };
  }

  /** The index path's settings and query share one transaction (Prisma's batch form: BEGIN, both, COMMIT). */
  private async runPlan<T>(plan: SearchPlan, sql: Prisma.Sql): Promise<T[]> {
    if (plan.mode === 'exact') return this.client.$queryRaw<T[]>(sql);
    const [, rows] = await this.client.$transaction([this.client.$queryRaw(plan.settings), this.client.$queryRaw<T[]>(sql)]);
    return rows;
  }

  private async planSearch(params: SearchCollectionParams): Promise<SearchPlan> {
    const topK = clampTopK(params.topK);
    const vector = toVectorSql(params.embedding);
    const state = await this.cachedIndexState();
    const useIndex = state.exists && (await this.cachedCount(params.collectionId)) >= this.options.exactScanMaxFaces;
    if (!useIndex) return { mode: 'exact', sql: exactSearchSql(params.collectionId, vector, topK) };
    const lists = state.lists ?? 1;
    const pool = candidatePool(topK, params.candidates);
    return {
      mode: 'index',
      settings: indexSearchSettings(probesForLists(lists, this.options.probes), lists),
      sql: indexSearchSql(params.collectionId, vector, topK, pool),
    };
  }

  /**
   * Exact best similarity over one user's faces (a handful of rows via faces_user_id_idx). Ordering by similarity
   * DESC rather than by `embedding <=> v` keeps the planner off the (approximate) IVFFlat index.
   */
  async bestMatchForUser(params: { userId: string; embedding: Float32Array }): Promise<BestMatch | null> {
    const vector = toVectorSql(params.embedding);
    const rows = await this.client.$queryRaw<BestMatch[]>`
      SELECT id AS "faceId", 1 - (embedding <=> ${vector}::vector) AS similarity
      FROM faces
      WHERE user_id = ${params.userId}::uuid
      ORDER BY similarity DESC
      LIMIT 1`;
    return rows[0] ?? null;
  }

  /**
   * The lowest similarity between the embedding and any of the user's faces (null without faces): a face added to a
   * person must match every face they already have. Exact, like bestMatchForUser.
   */
  async worstMatchForUser(params: { userId: string; embedding: Float32Array }): Promise<number | null> {
    const vector = toVectorSql(params.embedding);
    const rows = await this.client.$queryRaw<Array<{ similarity: number | null }>>`
      SELECT min(1 - (embedding <=> ${vector}::vector)) AS similarity FROM faces WHERE user_id = ${params.userId}::uuid`;
    return rows[0]?.similarity ?? null;
  }

  /**
   * The stored embeddings of these users' faces, by face id (export). Callers page through users, so a large gallery
   * is never held in memory at once.
   */
  async embeddingsOfUsers(userIds: readonly string[]): Promise<Map<string, Float32Array>> {
    if (userIds.length === 0) return new Map();
    const ids = Prisma.join(userIds.map((id) => Prisma.sql`${id}::uuid`));
    const rows = await this.client.$queryRaw<Array<{ id: string; embedding: string }>>`
      SELECT id, embedding::text AS embedding FROM faces WHERE user_id IN (${ids})`;
    // pgvector's text form "[0.1,-0.2,...]" is a JSON array.
    return new Map(rows.map((row) => [row.id, Float32Array.from(JSON.parse(row.embedding) as number[])]));
  }

  /** Exact count (uses the btree on collection_id); also refreshes the cache the search path reads. */
  async countFaces(collectionId?: string): Promise<number> {
    if (collectionId === undefined) return countAll(this.client);
    const [{ count }] = await this.client.$queryRaw<Array<{ count: number }>>`
      SELECT count(*)::int AS count FROM faces WHERE collection_id = ${collectionId}::uuid`;
    this.counts.set(collectionId, { value: count, expiresAt: Date.now() + CACHE_TTL_MS });
    return count;
  }

  async indexInfo(): Promise<IndexInfo> {
    const state = await readIndexState(this.client);
    this.indexState = { value: state, expiresAt: Date.now() + CACHE_TTL_MS };
    const probes = state.lists ? probesForLists(state.lists, this.options.probes) : (this.options.probes ?? 1);
    return {
      exists: state.exists,
      lists: state.lists,
      rowsAtBuild: state.rowsAtBuild,
      builtAt: state.builtAt ?? null,
      probes,
      probesSource: this.options.probes === undefined ? 'auto' : 'fixed',
      rebuildAtRows: state.rowsAtBuild === null ? null : state.rowsAtBuild * REBUILD_GROWTH_FACTOR,
      exactScanMaxFaces: this.options.exactScanMaxFaces,
    };
  }

  /**
   * Creates the IVFFlat index once the table holds `minRowsForIndex` faces, and rebuilds it with more lists when the
   * table has doubled since (k-means centroids computed on a small table partition a large one badly). `force`
   * rebuilds now (npm run db:reindex). One build at a time across instances, under an advisory lock.
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
    this.indexState = undefined;
    const done: EnsureIndexResult = { ...result, durationMs: Date.now() - started };
    if (done.action !== 'none') {
      this.logger.log(`IVFFlat index ${done.action}: ${done.rows} faces, ${done.lists} lists, ${done.durationMs} ms`);
    }
    return done;
  }

  private async ensureIndexInTransaction(force: boolean): Promise<Omit<EnsureIndexResult, 'durationMs'>> {
    return this.client.$transaction(
      async (tx): Promise<Omit<EnsureIndexResult, 'durationMs'>> => {
        const [{ locked }] = await tx.$queryRaw<Array<{ locked: boolean }>>`
          SELECT pg_try_advisory_xact_lock(${INDEX_BUILD_LOCK_KEY}) AS locked`;
        const rows = await countAll(tx);
        if (!locked) return { action: 'busy', rows, lists: null, reason: 'another instance is building the index' };
        const state = await readIndexState(tx);
        const plan = planIndex(rows, state, this.options.minRowsForIndex, force);
        if (plan.action === 'none') return { action: 'none', rows, lists: state.lists, reason: plan.reason };
        if (state.invalid) await tx.$executeRaw`DROP INDEX IF EXISTS ${Prisma.raw(`"${IVFFLAT_INDEX_NAME}"`)}`;
        if (plan.action === 'create') await buildIndex(tx, IVFFLAT_INDEX_NAME, plan.lists);
        if (plan.action === 'rebuild') await rebuildIndex(tx, plan.lists);
        await tx.$executeRaw`DROP INDEX IF EXISTS ${Prisma.raw(`"${LEGACY_INDEX_NAME}"`)}`;
        await recordIndexState(tx, plan.lists, rows);
        // Fresh statistics, or the planner keeps costing the index against the table it saw when it was small.
        // PGlite runs no autovacuum, so nothing else ever analyses its tables.
        await tx.$executeRaw`ANALYZE faces`;
        return { action: actionDone(plan), rows, lists: plan.lists };
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
      const rows = await countAll(this.client);
      if (!lock.rows[0].locked) return { action: 'busy', rows, lists: null, reason: 'another instance is building the index' };
      try {
        const state = await readIndexState(this.client);
        const plan = planIndex(rows, state, this.options.minRowsForIndex, force);
        if (plan.action === 'none') return { action: 'none', rows, lists: state.lists, reason: plan.reason };
        await swapInNewIndex(conn, plan.action === 'adopt' ? null : plan.lists, state);
        await recordIndexState(this.client, plan.lists, rows);
        await conn.query('ANALYZE faces');
        return { action: actionDone(plan), rows, lists: plan.lists };
      } finally {
        await conn.query('SELECT pg_advisory_unlock($1)', [INDEX_BUILD_LOCK_KEY]);
      }
    } finally {
      await conn.end();
    }
  }

  private async cachedCount(collectionId: string): Promise<number> {
    const cached = this.counts.get(collectionId);
    if (cached && cached.expiresAt > Date.now()) return cached.value;
    return this.countFaces(collectionId);
  }

  /** Keeps a cached count roughly current between refreshes (a rolled-back insert overcounts until expiry). */
  private bumpCachedCount(collectionId: string, delta: number): void {
    const cached = this.counts.get(collectionId);
    if (cached) cached.value += delta;
  }

  private async cachedIndexState(): Promise<IndexState> {
    if (this.indexState && this.indexState.expiresAt > Date.now()) return this.indexState.value;
    const value = await readIndexState(this.client);
    this.indexState = { value, expiresAt: Date.now() + CACHE_TTL_MS };
    return value;
  }
}

async function countAll(client: FaceWriter): Promise<number> {
  const [{ count }] = await client.$queryRaw<Array<{ count: number }>>`SELECT count(*)::int AS count FROM faces`;
  return count;
}

type SearchPlan = { mode: 'exact'; sql: Prisma.Sql } | { mode: 'index'; settings: Prisma.Sql; sql: Prisma.Sql };
type ExplainRow = { 'QUERY PLAN': string };

/**
 * Exact: the best face of every user of the collection, then the top K. One statement, no transaction, no planner
 * settings: DISTINCT ON (user_id) needs rows sorted by user_id first, which an IVFFlat scan cannot deliver, so the
 * planner never uses that index here (it may use the btree on collection_id). Also exact in the number of users: no
 * candidate pool that users with many faces could crowd.
 */
function exactSearchSql(collectionId: string, vector: string, topK: number): Prisma.Sql {
  return Prisma.sql`
    SELECT "userId", "faceId", similarity FROM (
      SELECT DISTINCT ON (user_id) user_id AS "userId", id AS "faceId",
             1 - (embedding <=> ${vector}::vector) AS similarity
      FROM faces
      WHERE collection_id = ${collectionId}::uuid
      ORDER BY user_id, similarity DESC
    ) best
    ORDER BY similarity DESC
    LIMIT ${topK}`;
}

/**
 * Settings for the index path, as SET LOCAL (set_config(..., true)): they must not outlive the transaction, because
 * on the embedded server every connection shares one session. With iterative_scan, when the collection filter
 * discards rows, pgvector keeps probing further lists (up to max_probes = all lists) until the LIMIT is met, instead
 * of silently returning fewer rows.
 */
function indexSearchSettings(probes: number, lists: number): Prisma.Sql {
  return Prisma.sql`SELECT set_config('ivfflat.probes', ${String(probes)}, true),
    set_config('ivfflat.iterative_scan', 'relaxed_order', true),
    set_config('ivfflat.max_probes', ${String(lists)}, true)`;
}

/**
 * Approximate: the inner query walks the halfvec IVFFlat index (its ORDER BY must be the indexed expression) for the
 * pool of nearest candidates, the middle one keeps each user's best face, the outer one ranks users. Both re-sort by
 * the exact full-precision distance, which also absorbs relaxed_order's slightly out-of-order index rows.
 */
function indexSearchSql(collectionId: string, vector: string, topK: number, pool: number): Prisma.Sql {
  return Prisma.sql`
    SELECT "userId", "faceId", 1 - distance AS similarity FROM (
      SELECT DISTINCT ON (user_id) user_id AS "userId", id AS "faceId", distance FROM (
        SELECT id, user_id, embedding <=> ${vector}::vector AS distance
        FROM faces
        WHERE collection_id = ${collectionId}::uuid
        ORDER BY embedding::halfvec(512) <=> ${vector}::halfvec(512)
        LIMIT ${pool}
      ) candidates
      ORDER BY user_id, distance
    ) best
    ORDER BY distance
    LIMIT ${topK}`;
}

/** Existence, validity and lists come from the catalog (the truth); rows-at-build from our bookkeeping table. */
async function readIndexState(client: FaceWriter): Promise<IndexState> {
  const rows = await client.$queryRaw<Array<{ lists: number | null; rowsAtBuild: number | null; builtAt: Date | null; valid: boolean }>>`
    SELECT (SELECT option_value::int FROM pg_options_to_table(c.reloptions) WHERE option_name = 'lists') AS lists,
           s.rows_at_build AS "rowsAtBuild", s.built_at AS "builtAt", i.indisvalid AS valid
    FROM pg_class c
    JOIN pg_index i ON i.indexrelid = c.oid
    LEFT JOIN vector_index_state s ON s.index_name = c.relname
    WHERE c.oid = to_regclass(${IVFFLAT_INDEX_NAME})`;
  if (rows.length === 0) return { exists: false, lists: null, rowsAtBuild: null, builtAt: null };
  if (!rows[0].valid) return { exists: false, lists: null, rowsAtBuild: null, builtAt: null, invalid: true };
  // pgvector's default when built without WITH (lists = ...).
  return { exists: true, lists: rows[0].lists ?? 100, rowsAtBuild: rows[0].rowsAtBuild, builtAt: rows[0].builtAt };
}

/**
 * Builds the new index beside the old one without blocking reads or writes, then retires the old one. `lists` null
 * (adopting an index built by hand) changes nothing but the bookkeeping.
 */
async function swapInNewIndex(conn: Client, lists: number | null, state: IndexState): Promise<void> {
  if (lists === null) return;
  if (!Number.isInteger(lists) || lists < 1) throw new Error(`Invalid IVFFlat lists: ${lists}`);
  await conn.query(`SET maintenance_work_mem = '${BUILD_MEMORY}'`);
  await conn.query(`DROP INDEX CONCURRENTLY IF EXISTS "${IVFFLAT_BUILD_NAME}"`);
  if (state.invalid) await conn.query(`DROP INDEX CONCURRENTLY IF EXISTS "${IVFFLAT_INDEX_NAME}"`);
  await conn.query(`CREATE INDEX CONCURRENTLY "${IVFFLAT_BUILD_NAME}" ON faces USING ${INDEX_METHOD} WITH (lists = ${lists})`);
  if (state.exists) await conn.query(`DROP INDEX CONCURRENTLY IF EXISTS "${IVFFLAT_INDEX_NAME}"`);
  await conn.query(`ALTER INDEX "${IVFFLAT_BUILD_NAME}" RENAME TO "${IVFFLAT_INDEX_NAME}"`);
  await conn.query(`DROP INDEX CONCURRENTLY IF EXISTS "${LEGACY_INDEX_NAME}"`);
}

function actionDone(plan: Exclude<IndexPlan, { action: 'none' }>): EnsureIndexResult['action'] {
  return plan.action === 'create' ? 'created' : plan.action === 'rebuild' ? 'rebuilt' : 'adopted';
}

/** DDL takes no bind parameters: `lists` is spliced in, after checking it is an integer we computed. */
async function buildIndex(tx: Prisma.TransactionClient, name: string, lists: number): Promise<void> {
  if (!Number.isInteger(lists) || lists < 1) throw new Error(`Invalid IVFFlat lists: ${lists}`);
  await tx.$queryRaw`SELECT set_config('maintenance_work_mem', ${BUILD_MEMORY}, true)`;
  await tx.$executeRaw`CREATE INDEX ${Prisma.raw(`"${name}"`)} ON faces
    USING ${Prisma.raw(INDEX_METHOD)} WITH (lists = ${Prisma.raw(String(lists))})`;
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

import { Inject, Injectable, Optional } from '@nestjs/common';
import { DATABASE_OBSERVER, DatabaseObserver, timedOperation } from '../database-observer';
import { DATABASE_OPTIONS, DatabaseOptions } from '../database.options';
import { Prisma, PrismaClient } from '../generated/prisma/client';
import { PrismaClientProvider, PrismaService } from '../prisma/prisma.service';
import { ReplicaRouter } from '../replicas/replica-router';
import { candidatePool, clampTopK, ivfflatSearchSettings, MAX_TOP_K, probesForLists, SearchPass, searchedIndex } from './ivfflat-tuning';
import { BestMatch, InsertedFace, NewFace, SearchCollectionParams, SearchHit, StoredFace } from './face-vector.types';
import { countAll, FaceWriter } from './face-writer';
import { VectorIndexRepository } from './vector-index.repository';
import { toVectorSql } from './vector-sql';

/** Rows per INSERT statement: bounds the statement size (7 parameters, ~6 KB of vector text per row). */
const INSERT_CHUNK = 500;
/** Counts steer the choice of plan, never the result set, so they are cached this long. */
const CACHE_TTL_MS = 30_000;
interface Cached<T> {
  value: T;
  expiresAt: number;
}

/**
 * The hot path: every statement that reads or writes faces.embedding (inserts, searches, per-person matches) lives
 * here; the index's lifecycle (builds, locks, bookkeeping) is VectorIndexRepository's. Prisma's typed client cannot read or write an
 * Unsupported("vector(512)") column, so these are parameterised $queryRaw/$executeRaw templates; embeddings travel as
 * pgvector text parameters cast with ::vector.
 *
 * Search strategy per collection (see exactSearchSql and indexSearchSql):
 * - fewer faces than `exactScanMaxFaces`, or no index yet: exact scan.
 * - otherwise: the nearest people on the IVFFlat index of their centroids (user_centroids, kept by triggers on faces),
 *   with `probes` lists and pgvector 0.8's iterative scan, so that the collection filter (applied to the rows the
 *   index returns) cannot leave the candidate pool short; then every face of those people, exactly.
 * Searches run on a read replica where ReplicaRouter finds one that has replayed the collection's last face write.
 */
@Injectable()
export class FaceVectorRepository {
  private readonly counts = new Map<string, Cached<number>>();

  constructor(
    @Inject(PrismaService) private readonly prisma: PrismaClientProvider,
    @Inject(DATABASE_OPTIONS) private readonly options: DatabaseOptions,
    private readonly index: VectorIndexRepository,
    private readonly replicas: ReplicaRouter,
    @Optional() @Inject(DATABASE_OBSERVER) private readonly observer?: DatabaseObserver,
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
    return timedOperation(this.observer, 'vector_search', async () => {
      const pass = params.found === undefined ? 'full' : 'first';
      const [plan, target] = await Promise.all([this.planSearch(params, pass), this.replicas.forCollection(params.collectionId)]);
      const hits = await this.replicas.read(target, (client) => this.runPlan<SearchHit>(plan, plan.sql, client));
      if (plan.mode === 'exact' || !plan.fullSettings || (await params.found!(hits))) return hits;
      // The first pass did not answer the caller: someone it missed (a person with one face in an unprobed list) gets
      // the full pass's chance: the same statement, probing more lists.
      const full = { ...plan, settings: plan.fullSettings };
      return this.replicas.read(target, (client) => this.runPlan<SearchHit>(full, full.sql, client));
    });
  }

  /** EXPLAIN of what searchCollection would run, for diagnostics and for tests that the index path uses the index. */
  async explainSearch(params: SearchCollectionParams): Promise<{ mode: SearchPlan['mode']; plan: string }> {
    const plan = await this.planSearch(params, 'full');
    const rows = await this.runPlan<ExplainRow>(plan, Prisma.sql`EXPLAIN ${plan.sql}`);
    return { mode: plan.mode, plan: rows.map((row) => row['QUERY PLAN']).join('\n') };
  }

  /**
   * The index path's settings and query share one transaction (Prisma's batch form: BEGIN, both, COMMIT). `client` is
   * the primary's or a replica's (ReplicaRouter); the plan's index state and counts are the primary's.
   */
  private async runPlan<T>(plan: SearchPlan, sql: Prisma.Sql, client: PrismaClient = this.client): Promise<T[]> {
    if (plan.mode === 'exact') return client.$queryRaw<T[]>(sql);
    const [, rows] = await client.$transaction([client.$queryRaw(plan.settings), client.$queryRaw<T[]>(sql)]);
    return rows;
  }

  private async planSearch(params: SearchCollectionParams, pass: SearchPass): Promise<SearchPlan> {
    const topK = clampTopK(params.topK);
    const vector = toVectorSql(params.embedding);
    const state = await this.index.cachedState();
    const index = searchedIndex(state);
    if (!index || (await this.cachedCount(params.collectionId)) < this.options.exactScanMaxFaces)
      return { mode: 'exact', sql: exactSearchSql(params.collectionId, vector, topK) };
    const { lists } = index;
    const pool = candidatePool(topK, params.candidates);
    const fullProbes = probesForLists(lists, this.options.probes, 'full');
    const probes = probesForLists(lists, this.options.probes, pass);
    const candidates = index.kind === 'people' ? nearestPeopleSql(params.collectionId, vector, pool) : nearestFacesSql(params.collectionId, vector, pool);
    return {
      mode: 'index',
      settings: indexSearchSettings(probes, lists),
      sql: indexSearchSql(params.collectionId, vector, topK, candidates),
      fullSettings: probes < fullProbes ? indexSearchSettings(fullProbes, lists) : undefined,
    };
  }

  /**
   * Exact best similarity over one user's faces (a handful of rows via faces_user_id_idx). Ordering by similarity
   * DESC rather than by `embedding <=> v` keeps the planner off the (approximate) IVFFlat index.
   */
  async bestMatchForUser(params: { userId: string; embedding: Float32Array }): Promise<BestMatch | null> {
    const vector = toVectorSql(params.embedding);
    return timedOperation(this.observer, 'user_match', async () => {
      const target = await this.replicas.forUser(params.userId);
      const rows = await this.replicas.read(
        target,
        (client) => client.$queryRaw<BestMatch[]>`
          SELECT id AS "faceId", 1 - (embedding <=> ${vector}::vector) AS similarity
          FROM faces
          WHERE user_id = ${params.userId}::uuid
          ORDER BY similarity DESC
          LIMIT 1`,
      );
      return rows[0] ?? null;
    });
  }

  /**
   * Exact best similarity of the embedding against each of these users' faces (users without faces are absent), in
   * one statement; read where the collection's searches are read (ReplicaRouter). At most MAX_TOP_K users.
   */
  async bestSimilarities(params: { collectionId: string; userIds: readonly string[]; embedding: Float32Array }): Promise<Map<string, number>> {
    const userIds = params.userIds.slice(0, MAX_TOP_K);
    if (userIds.length === 0) return new Map();
    const vector = toVectorSql(params.embedding);
    return timedOperation(this.observer, 'user_match', async () => {
      const target = await this.replicas.forCollection(params.collectionId);
      const rows = await this.replicas.read(
        target,
        (client) => client.$queryRaw<Array<{ userId: string; similarity: number }>>`
          SELECT user_id::text AS "userId", max(1 - (embedding <=> ${vector}::vector)) AS similarity
          FROM faces
          WHERE collection_id = ${params.collectionId}::uuid AND user_id = ANY(${userIds as string[]}::uuid[])
          GROUP BY user_id`,
      );
      return new Map(rows.map((r) => [r.userId, r.similarity]));
    });
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

  /** One face with its embedding (a search by face id uses it as the probe), or null when there is no such face. */
  async storedFace(faceId: string): Promise<StoredFace | null> {
    const rows = await this.client.$queryRaw<Array<Omit<StoredFace, 'embedding'> & { embedding: string }>>`
      SELECT id, user_id AS "userId", collection_id AS "collectionId", embedding::text AS embedding, box, score, quality
      FROM faces WHERE id = ${faceId}::uuid`;
    const row = rows[0];
    return row ? { ...row, embedding: Float32Array.from(JSON.parse(row.embedding) as number[]) } : null;
  }

  /** Exact count (uses the btree on collection_id); also refreshes the cache the search path reads. */
  async countFaces(collectionId?: string): Promise<number> {
    if (collectionId === undefined) return countAll(this.client);
    const [{ count }] = await this.client.$queryRaw<Array<{ count: number }>>`
      SELECT count(*)::int AS count FROM faces WHERE collection_id = ${collectionId}::uuid`;
    this.counts.set(collectionId, { value: count, expiresAt: Date.now() + CACHE_TTL_MS });
    return count;
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
}

/** `fullSettings`: a first pass's, when the full pass would probe more lists than it does. */
type SearchPlan = { mode: 'exact'; sql: Prisma.Sql } | { mode: 'index'; settings: Prisma.Sql; sql: Prisma.Sql; fullSettings?: Prisma.Sql };
type ExplainRow = { 'QUERY PLAN': string };

/**
 * Exact: the best face of every user of the collection, then the top K. One statement, no transaction, no planner
 * settings: DISTINCT ON (user_id) needs rows sorted by user_id first, which an IVFFlat scan cannot deliver, so the
 * planner never uses that index here (it may use the btree on collection_id). Also exact in the number of users: no
 * candidate pool that users with many faces could crowd.
 */
function exactSearchSql(collectionId: string, vector: string, topK: number): Prisma.Sql {
  return withNames(Prisma.sql`
    SELECT "userId", "faceId", similarity FROM (
      SELECT DISTINCT ON (user_id) user_id AS "userId", id AS "faceId",
             1 - (embedding <=> ${vector}::vector) AS similarity
      FROM faces
      WHERE collection_id = ${collectionId}::uuid
      ORDER BY user_id, similarity DESC
    ) best
    ORDER BY similarity DESC
    LIMIT ${topK}`);
}

/**
 * The top K with each user's external id and name, joined in the same statement (and so the same snapshot, on the
 * primary or a replica): a match is named without a second round trip, and a user deleted meanwhile is never named.
 */
function withNames(topK: Prisma.Sql): Prisma.Sql {
  return Prisma.sql`
    SELECT top."userId", top."faceId", top.similarity, u.external_id AS "externalId", u.name
    FROM (${topK}) top JOIN users u ON u.id = top."userId"
    ORDER BY top.similarity DESC`;
}

/**
 * Settings for the index path, as SET LOCAL (set_config(..., true)): they must not outlive the transaction, because
 * on the embedded server every connection shares one session. With iterative_scan, when the collection filter
 * discards rows, pgvector keeps probing further lists (up to max_probes = all lists) until the LIMIT is met, instead
 * of silently returning fewer rows.
 */
function indexSearchSettings(probes: number, lists: number): Prisma.Sql {
  const settings = Object.entries(ivfflatSearchSettings(probes, lists)).map(([name, value]) => Prisma.sql`set_config(${name}, ${value}, true)`);
  return Prisma.sql`SELECT ${Prisma.join(settings)}`;
}

/**
 * Approximate in whom it considers, exact in how it scores them: `candidates` walks an IVFFlat index for the people
 * nearest the probe; every face of those people is then scored at full precision (faces_user_id_idx: a person has at
 * most FACEGATE_MAX_FACES_PER_USER faces), each person's best face kept, and the people ranked.
 */
function indexSearchSql(collectionId: string, vector: string, topK: number, candidates: Prisma.Sql): Prisma.Sql {
  return withNames(Prisma.sql`
    SELECT "userId", "faceId", 1 - distance AS similarity FROM (
      SELECT DISTINCT ON (f.user_id) f.user_id AS "userId", f.id AS "faceId", f.embedding <=> ${vector}::vector AS distance
      FROM faces f
      WHERE f.collection_id = ${collectionId}::uuid AND f.user_id IN (${candidates})
      ORDER BY f.user_id, distance
    ) best
    ORDER BY distance
    LIMIT ${topK}`);
}

/**
 * The `pool` people whose centroid (the normalised mean of their faces) is nearest the probe, on the people's halfvec
 * index (its ORDER BY must be the indexed expression). One row a person, so people with many faces cannot crowd
 * others out of the pool. On LFW's real embeddings the exact answer's person was always among the 40 nearest centroids
 * (BENCHMARKS.md "Vector search: one vector a person").
 */
function nearestPeopleSql(collectionId: string, vector: string, pool: number): Prisma.Sql {
  return Prisma.sql`
    SELECT user_id FROM user_centroids
    WHERE collection_id = ${collectionId}::uuid
    ORDER BY centroid <=> ${vector}::halfvec(512)
    LIMIT ${pool}`;
}

/**
 * The people of the `pool` faces nearest the probe, on the faces' halfvec index of an earlier release: searched only
 * until the people's index is built (VectorIndexRepository's EARLIER_INDEX_NAMES say when it is dropped). The index
 * only has to reach one face of the right person, not their nearest.
 */
function nearestFacesSql(collectionId: string, vector: string, pool: number): Prisma.Sql {
  return Prisma.sql`
    SELECT user_id FROM faces
    WHERE collection_id = ${collectionId}::uuid
    ORDER BY embedding::halfvec(512) <=> ${vector}::halfvec(512)
    LIMIT ${pool}`;
}

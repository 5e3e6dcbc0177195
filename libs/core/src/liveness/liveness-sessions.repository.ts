import { Injectable } from '@nestjs/common';
import { DomainError } from '@facegate/common';
import { EMBEDDING_DIMENSIONS, isForeignKeyViolation, Prisma, PrismaService } from '@facegate/database';
import { ChallengeStep } from './challenge-judge';
import { EMPTY_STATE, SessionState } from './challenge-session';

export type SessionStatus = 'pending' | 'passed' | 'failed';

export interface StoredSession {
  id: string;
  keyId: string;
  collectionId: string;
  challenge: ChallengeStep[];
  status: SessionStatus;
  state: SessionState;
  anchorEmbedding: Float32Array | null;
  failure: Record<string, unknown> | null;
  version: number;
  expiresAt: Date;
  /** Decided by the database clock, like every other expiry, so replicas with skewed clocks agree. */
  expired: boolean;
  /** The database clock when the session was read (epoch ms): step deadlines are measured on it too. */
  nowMs: number;
  tokenExpiresAt: Date | null;
}

export type TokenRedemption =
  { ok: true; sessionId: string; anchorEmbedding: Float32Array; passiveMedian: number | null; openedAt: Date } | { ok: false; reason: TokenRefusal };
export type TokenRefusal = 'invalid' | 'used' | 'expired';

/** A session left to expire after a judged frame, closed by claimAbandoned: whose it was and the face it showed. */
export interface AbandonedSession {
  id: string;
  keyId: string;
  collectionId: string;
  anchorEmbedding: Float32Array;
}

const EMBEDDING_BYTES = EMBEDDING_DIMENSIONS * 4;
/** The database clock in epoch milliseconds, as a SQL fragment (no parameters). */
const DB_NOW_MS = Prisma.sql`floor(extract(epoch from now()) * 1000)::float8`;
/** Finished sessions are kept this long after they expire (for GET), then purged. */
const KEEP_AFTER_EXPIRY_SECONDS = 3600;

/** A session left pending after a frame was judged (SessionState.judged): once expired, it awaits claimAbandoned. */
const JUDGED_PENDING = Prisma.sql`status = 'pending' AND anchor_embedding IS NOT NULL AND (state->>'judged')::boolean IS TRUE`;

/** The failure recorded on a session closed by claimAbandoned. */
export const ABANDONED = { code: 'CHALLENGE_FAILED', reason: 'abandoned' } as const;

/** Liveness sessions and their tokens. Expiry and single use are decided in SQL, atomically. */
@Injectable()
export class LivenessSessionsRepository {
  constructor(private readonly prisma: PrismaService) {}

  /** Opens a session; its first step starts now, by the database clock. */
  async create(input: {
    keyId: string;
    collectionId: string;
    challenge: ChallengeStep[];
    seconds: number;
    stepNonce: string;
  }): Promise<{ id: string; expiresAt: Date; state: SessionState }> {
    const state: SessionState = { ...EMPTY_STATE, stepNonce: input.stepNonce };
    try {
      const rows = await this.prisma.client.$queryRaw<Array<{ id: string; expiresAt: Date; state: SessionState }>>`
        INSERT INTO liveness_sessions (key_id, collection_id, challenge, state, expires_at)
        VALUES (${input.keyId}::uuid, ${input.collectionId}::uuid, ${input.challenge}::text[],
                jsonb_set(${JSON.stringify(state)}::jsonb, '{stepStartedAt}', to_jsonb(${DB_NOW_MS})),
                now() + make_interval(secs => ${input.seconds}))
        RETURNING id, expires_at AS "expiresAt", state`;
      return rows[0];
    } catch (error) {
      // The collection (or the key) was deleted between the request's checks and this insert.
      if (isForeignKeyViolation(error)) throw new DomainError('COLLECTION_NOT_FOUND', 'The collection no longer exists.');
      throw error;
    }
  }

  async find(id: string): Promise<StoredSession | null> {
    const rows = await this.prisma.client.$queryRaw<Array<Omit<StoredSession, 'anchorEmbedding'> & { anchorEmbedding: Uint8Array | null }>>`
      SELECT id, key_id AS "keyId", collection_id AS "collectionId", challenge, status, state, anchor_embedding AS "anchorEmbedding",
             failure, version, expires_at AS "expiresAt", expires_at <= now() AS expired, token_expires_at AS "tokenExpiresAt",
             ${DB_NOW_MS} AS "nowMs"
      FROM liveness_sessions WHERE id = ${id}::uuid`;
    const row = rows[0];
    return row ? { ...row, anchorEmbedding: row.anchorEmbedding ? toFloats(row.anchorEmbedding) : null } : null;
  }

  /**
   * Saves the outcome of one upload if nobody else saved since it was read (optimistic lock on `version`), and only
   * while the session is still open. A passed session stores the token's hash and starts its lifetime.
   */
  async save(
    session: Pick<StoredSession, 'id' | 'version'>,
    next: {
      status: SessionStatus;
      state: SessionState;
      anchorEmbedding: Float32Array | null;
      failure?: object;
      tokenHash?: string;
      tokenSeconds?: number;
      /** A new step was revealed: its time starts now, by the database clock. */
      startStep?: boolean;
    },
  ): Promise<{ saved: boolean; tokenExpiresAt: Date | null; state: SessionState | null }> {
    const anchor = next.anchorEmbedding ? Buffer.from(next.anchorEmbedding.buffer, next.anchorEmbedding.byteOffset, next.anchorEmbedding.byteLength) : null;
    const state = JSON.stringify(next.state);
    const rows = await this.prisma.client.$queryRaw<Array<{ tokenExpiresAt: Date | null; state: SessionState }>>`
      UPDATE liveness_sessions SET
        status = ${next.status},
        state = CASE WHEN ${next.startStep ?? false} THEN jsonb_set(${state}::jsonb, '{stepStartedAt}', to_jsonb(${DB_NOW_MS})) ELSE ${state}::jsonb END,
        anchor_embedding = ${anchor},
        failure = ${next.failure ? JSON.stringify(next.failure) : null}::jsonb,
        token_hash = ${next.tokenHash ?? null},
        token_expires_at = CASE WHEN ${next.tokenHash ?? null}::text IS NULL THEN NULL ELSE now() + make_interval(secs => ${next.tokenSeconds ?? 0}) END,
        version = version + 1
      WHERE id = ${session.id}::uuid AND version = ${session.version} AND status = 'pending' AND expires_at > now()
      RETURNING token_expires_at AS "tokenExpiresAt", state`;
    return { saved: rows.length === 1, tokenExpiresAt: rows[0]?.tokenExpiresAt ?? null, state: rows[0]?.state ?? null };
  }

  /**
   * Uses a token: marks it used in the same statement that checks it is unused, unexpired, and bound to this key and
   * collection, so two requests racing with one token cannot both pass. On refusal, tells why.
   */
  async redeemToken(tokenHash: string, keyId: string, collectionId: string): Promise<TokenRedemption> {
    const used = await this.prisma.client.$queryRaw<Array<{ id: string; anchorEmbedding: Uint8Array; passiveMedian: number | null; openedAt: Date }>>`
      UPDATE liveness_sessions SET token_used_at = now()
      WHERE token_hash = ${tokenHash} AND key_id = ${keyId}::uuid AND collection_id = ${collectionId}::uuid
        AND status = 'passed' AND token_used_at IS NULL AND token_expires_at > now() AND anchor_embedding IS NOT NULL
      RETURNING id, anchor_embedding AS "anchorEmbedding", (state->>'passiveMedian')::float8 AS "passiveMedian", created_at AS "openedAt"`;
    const row = used[0];
    if (row) return { ok: true, sessionId: row.id, anchorEmbedding: toFloats(row.anchorEmbedding), passiveMedian: row.passiveMedian, openedAt: row.openedAt };
    return { ok: false, reason: (await this.tokenRefusal(tokenHash, keyId, collectionId)) ?? 'used' };
  }

  /**
   * Why a token cannot be redeemed now, without using it up; null when it can. Another key's or another collection's
   * token is indistinguishable from one that does not exist.
   */
  async tokenRefusal(tokenHash: string, keyId: string, collectionId: string): Promise<TokenRefusal | null> {
    const rows = await this.prisma.client.$queryRaw<Array<{ used: boolean; expired: boolean; passed: boolean }>>`
      SELECT token_used_at IS NOT NULL AS used, token_expires_at <= now() AS expired,
             status = 'passed' AND anchor_embedding IS NOT NULL AS passed
      FROM liveness_sessions
      WHERE token_hash = ${tokenHash} AND key_id = ${keyId}::uuid AND collection_id = ${collectionId}::uuid`;
    const row = rows[0];
    if (!row || !row.passed) return 'invalid';
    if (row.used) return 'used';
    return row.expired ? 'expired' : null;
  }

  /**
   * Closes up to `limit` sessions that expired pending after a frame was judged as the asked movement
   * (SessionState.judged) and returns them with their anchors, to be charged: walking away from such a session is a
   * failed attempt like any other ending but a pass. Each is claimed once, however many instances ask (FOR UPDATE
   * SKIP LOCKED); the anchor is cleared as on every failure. Sessions never judged are left to purgeExpired.
   */
  async claimAbandoned(limit = 100): Promise<AbandonedSession[]> {
    const rows = await this.prisma.client.$queryRaw<Array<Omit<AbandonedSession, 'anchorEmbedding'> & { anchorEmbedding: Uint8Array }>>`
      WITH abandoned AS (
        SELECT id, anchor_embedding FROM liveness_sessions
        WHERE ${JUDGED_PENDING} AND expires_at <= now()
        ORDER BY expires_at
        LIMIT ${limit}
        FOR UPDATE SKIP LOCKED)
      UPDATE liveness_sessions s
      SET status = 'failed', anchor_embedding = NULL, version = s.version + 1,
          failure = ${JSON.stringify(ABANDONED)}::jsonb
      FROM abandoned a
      WHERE s.id = a.id
      RETURNING s.id, s.key_id AS "keyId", s.collection_id AS "collectionId", a.anchor_embedding AS "anchorEmbedding"`;
    return rows.map((row) => ({ ...row, anchorEmbedding: toFloats(row.anchorEmbedding) }));
  }

  /** Drops sessions whose session and token lifetimes both ended over an hour ago (abandoned ones once claimed). */
  async purgeExpired(): Promise<number> {
    return this.prisma.client.$executeRaw`
      DELETE FROM liveness_sessions
      WHERE expires_at < now() - make_interval(secs => ${KEEP_AFTER_EXPIRY_SECONDS})
        AND (token_expires_at IS NULL OR token_expires_at < now() - make_interval(secs => ${KEEP_AFTER_EXPIRY_SECONDS}))
        -- An abandoned session waits for claimAbandoned, however old: dropping it would drop its charge.
        AND NOT (${JUDGED_PENDING})`;
  }
}

function toFloats(bytes: Uint8Array): Float32Array {
  if (bytes.byteLength !== EMBEDDING_BYTES) throw new Error(`liveness_sessions.anchor_embedding holds ${bytes.byteLength} bytes, expected ${EMBEDDING_BYTES}`);
  // Copy into an aligned buffer: the driver's Buffer may start at any offset of a shared pool.
  const copy = new Uint8Array(bytes);
  return new Float32Array(copy.buffer, 0, copy.byteLength / 4);
}

import { Injectable, Logger } from '@nestjs/common';
import { FaceVectorRepository, MAX_TOP_K } from '@facegate/database';
import { callerForKey, CallerContext } from '../access/actor';
import { ApiKeysRepository } from '../access/api-keys.repository';
import { CollectionAccessService, CollectionRef } from '../access/collection-access.service';
import { AuditService } from '../audit/audit.service';
import { AttemptBudgetService, isJudgedFailure } from '../lockouts/attempt-budget.service';
import { ABANDONED, LivenessSessionsRepository } from './liveness-sessions.repository';

/** A session's failure as the liveness service records it: a code, and for CHALLENGE_FAILED a reason. */
export interface ChallengeFailure {
  code: string;
  reason?: string;
}

/**
 * Failures that judged the frames and found them wanting, or caught a client tampering with the protocol: each was a
 * chance to pass. A step not done in time, an upload that ended early or a head turned the wrong way, before any frame
 * was judged as the asked movement, judged nothing a client could not retry anyway, and a live user makes those
 * mistakes: they stay free (after such a frame they are charged: isChargedFailure's `judged`).
 */
const JUDGED_REASONS: ReadonlySet<string> = new Set(['edited_still', 'not_a_rigid_face', 'repeated_frame', 'too_fast', 'stale_step']);

/**
 * How many of the anchor's nearest people a failure may be charged to (all of them that it matches): the most a
 * search returns. Faces nearer the anchor than the victim's own (look-alikes, or faces the attacker enrolled as other
 * people) must not take the charge instead: a duplicate of an enrolled face needs an admin key (allowDuplicate), and a
 * decoy that matches the anchor without duplicating the victim must be enrolled MAX_TOP_K times to crowd them out.
 */
const CHARGE_CANDIDATES = MAX_TOP_K;

/** A person whose attempt a liveness session holds (reserved at its first judged frame), by collection name. */
export interface ReservedAttempt {
  userId: string;
  collection: string;
}

/** What reserveJudged found: the attempts the session now holds, and whether its verdicts must be withheld. */
export interface JudgedReservation {
  reserved: ReservedAttempt[];
  withheld: boolean;
}

/** Longer than the slowest upload's analysis, so that a session's reservation outlives its last answer. */
const RESERVATION_MARGIN_SECONDS = 30;

/**
 * `judged`: a frame of the session was judged as the asked movement (SessionState.judged). After that verdict even a
 * live user's kind of mistake (a wrong turn, an upload ended early, a step not done in time, the session left to
 * expire) is charged: otherwise a client would probe the judge with edited frames and end each probe that way, free.
 */
export function isChargedFailure(failure: ChallengeFailure, judged = false): boolean {
  // A spoof counts as it does on /verify; a face that changed mid-session was a guess at the first face's person.
  if (judged || isJudgedFailure(failure.code) || failure.code === 'LIVENESS_FACE_CHANGED') return true;
  if (failure.code !== 'CHALLENGE_FAILED' || failure.reason === undefined) return false;
  // Without a judged frame, a failed new-capture test comes only from withheld verdicts (reserveJudged): no verdict.
  return JUDGED_REASONS.has(failure.reason) && !EVIDENCE_REASONS.has(failure.reason);
}

/** The failures of the new-capture test (motion-evidence.ts), which only a judged frame can fail. */
const EVIDENCE_REASONS: ReadonlySet<string> = new Set(['edited_still', 'not_a_rigid_face']);

/**
 * A failed challenge is a guess at whoever's face it showed. Without a charge, a client could answer sessions with
 * edits of one photo of a person for as long as its rate limit lasts, until one passes (README "Active liveness
 * challenge": about 1 in 500 generated attack sessions did). So a session that fails on its frames counts as one
 * failed attempt on each enrolled person its anchor face matches (chargeFailure), in every collection the key may use
 * (a session in a collection where the person is not enrolled would otherwise rehearse, free, the frames that pass in
 * theirs), in the caller's key's attempt budget: the budget's failures lock the key out of that person, and /verify
 * and /recognize then refuse or hide them, and refuse tokens of sessions open during the lock. The caller is never told whom a face matched: the session's own
 * failure is the whole answer, and LivenessService does not wait for the charge, so the answer's timing does not
 * depend on it either.
 */
@Injectable()
export class ChallengeAttemptsService {
  private readonly logger = new Logger('Liveness');

  constructor(
    private readonly vectors: FaceVectorRepository,
    private readonly attempts: AttemptBudgetService,
    private readonly audit: AuditService,
    private readonly access: CollectionAccessService,
    private readonly sessions: LivenessSessionsRepository,
    private readonly keys: ApiKeysRepository,
  ) {}

  /**
   * Charges the sessions left to expire after a judged frame (LivenessSessionsRepository.claimAbandoned), each in the
   * budget of the key that opened it, as that key: started whenever a session opens, so a client that probes the judge
   * and walks away meets the charge as it goes on (a charge during a lock still fills the slow budget). A revoked key's
   * sessions charge no one (it opens no more). Returns the number of sessions closed.
   */
  async chargeAbandoned(requestId: string): Promise<number> {
    const abandoned = await this.sessions.claimAbandoned();
    for (const session of abandoned) {
      // One session's trouble (its key gone a moment ago, a database error) must not cost the others their charge.
      try {
        const key = await this.keys.findActiveById(session.keyId);
        if (!key) continue;
        const owner = callerForKey(key, { clientIp: 'none', requestId });
        // Charged, not settled: a row counts its attempts in flight, not which ones, so a settle after the session's
        // reservation lapsed would free a newer attempt's slot. Until it lapses (expiry + 30 s, later while newer
        // attempts of the key keep the row's deadline) it is counted twice: as in flight and as this failure.
        await this.chargeFailure(owner, session.collectionId, session.anchorEmbedding, ABANDONED, session.id, true);
      } catch (error) {
        this.logger.error(`charging abandoned session ${session.id} failed: ${error instanceof Error ? error.message : String(error)}`);
      }
    }
    if (abandoned.length > 0) this.logger.log(`closed ${abandoned.length} abandoned session(s) as failed`);
    return abandoned.length;
  }

  /**
   * Reserves, before a session's first verdict is answered, one attempt of the caller's key on every person its anchor
   * matches (matchingPeople), as /verify reserves before it judges: a burst of parallel sessions then gets at most
   * the budget's verdicts, not one each before the charges of the first ones land. Where the key may not attempt one
   * of them now (locked out of them, or its budget taken by attempts in flight), `withheld`: no frame of that upload
   * counts as a new capture, as for an edit, and nothing is charged for it (LivenessService frees what was reserved).
   * Refusing instead (LOCKED_OUT) would tell a key that never passed a challenge that the face is someone's.
   * `seconds`: the session's remaining time.
   */
  async reserveJudged(caller: CallerContext, anchor: Float32Array, sessionId: string, seconds: number): Promise<JudgedReservation> {
    const reserved: ReservedAttempt[] = [];
    let withheld = false;
    try {
      for (const m of await this.matchingPeople(caller, anchor)) {
        const subject = { action: 'liveness_challenge', id: m.userId, collection: m.collection.name };
        const outcome = await this.attempts.reserveFor(caller, subject, seconds + RESERVATION_MARGIN_SECONDS);
        if (outcome === 'reserved') reserved.push({ userId: m.userId, collection: m.collection.name });
        // One refusal withholds the upload: slots reserved after it would only be freed again (and meanwhile refuse
        // another attempt of this key).
        if (outcome === 'refused') {
          withheld = true;
          break;
        }
      }
    } catch (error) {
      // No verdict is answered after an error: what was reserved so far must not stay in flight.
      await this.releaseReserved(caller, reserved);
      throw error;
    }
    if (reserved.length > 0 || withheld)
      this.logger.log(`session ${sessionId}: ${reserved.length} attempt(s) reserved${withheld ? ', verdicts withheld' : ''}`);
    return { reserved, withheld };
  }

  /** A passed session's reservations are freed, counting nothing (the redemption on /verify is the attempt). */
  async releaseReserved(caller: CallerContext, reserved: readonly ReservedAttempt[]): Promise<void> {
    for (const r of reserved) await this.attempts.settleReserved(caller, subjectOf(r), 'void');
  }

  /**
   * The people charged (each with an audit entry, `liveness_charge`, naming them): every one of the nearest MAX_TOP_K
   * of each collection the key may use (matchingPeople) whose face the anchor matches at their collection's threshold,
   * not only the nearest, so an anchor nearer to a look-alike (or to someone the attacker enrolled) still charges the
   * person it matches. `sessionCollection` (a name or an id) is for the log only. Never throws: a charge that cannot be made is
   * logged, and the failure stands.
   */
  async chargeFailure(
    caller: CallerContext,
    sessionCollection: string,
    anchor: Float32Array | null,
    failure: ChallengeFailure,
    sessionId: string,
    judged = false,
    reserved?: readonly ReservedAttempt[],
  ): Promise<string[]> {
    if (!anchor || !isChargedFailure(failure, judged)) return [];
    try {
      if (reserved) {
        // A judged session holds an attempt on everyone its anchor matched (reserveJudged, with the same anchor): they
        // are settled as this failure, each on its own (one that cannot be settled must not cost the others theirs),
        // with no second search (someone enrolled since then is not charged).
        for (const r of reserved) await this.settleOne(caller, r, failure, sessionId).catch((e: unknown) => this.logSettleError(sessionId, r, e));
        return reserved.map((r) => r.userId);
      }
      const matched = await this.matchingPeople(caller, anchor);
      for (const m of matched) await this.chargeOne(caller, m.collection, m.userId, failure, sessionId);
      return matched.map((m) => m.userId);
    } catch (error) {
      this.logger.error(`charging failed session ${sessionId} of ${sessionCollection} failed: ${error instanceof Error ? error.message : String(error)}`);
      return [];
    }
  }

  /**
   * The nearest MAX_TOP_K people of each collection the key may use whose face `anchor` matches at that collection's
   * threshold. Each collection is searched on its own, by the product's search (exact below FACEGATE_EXACT_SCAN_MAX_FACES,
   * else the index's full pass): one top K over all of them would let decoys enrolled in a collection the attacker fills
   * crowd the victim of another out of the charge.
   */
  private async matchingPeople(caller: CallerContext, anchor: Float32Array): Promise<Array<{ userId: string; collection: CollectionRef }>> {
    const matched: Array<{ userId: string; collection: CollectionRef }> = [];
    for (const collection of await this.access.usableCollections(caller)) {
      const hits = await this.vectors.searchCollection({ collectionId: collection.id, embedding: anchor, topK: CHARGE_CANDIDATES });
      for (const hit of hits) if (hit.similarity >= collection.policy.matchThreshold) matched.push({ userId: hit.userId, collection });
    }
    return matched;
  }

  private logSettleError(sessionId: string, r: ReservedAttempt, error: unknown): void {
    this.logger.error(`settling session ${sessionId}'s attempt on user ${r.userId} failed: ${error instanceof Error ? error.message : String(error)}`);
  }

  private async settleOne(caller: CallerContext, r: ReservedAttempt, failure: ChallengeFailure, sessionId: string) {
    await this.attempts.settleReserved(caller, subjectOf(r), 'failure');
    await this.audit.record(caller, {
      action: 'liveness_charge',
      collection: r.collection,
      userId: r.userId,
      outcome: 'settled',
      details: { sessionId, failure: failure.reason ?? failure.code },
    });
  }

  private async chargeOne(caller: CallerContext, collection: CollectionRef, userId: string, failure: ChallengeFailure, sessionId: string) {
    const outcome = await this.attempts.charge(caller, { action: 'liveness_challenge', id: userId, collection: collection.name });
    await this.audit.record(caller, {
      action: 'liveness_charge',
      collection: collection.name,
      userId,
      outcome,
      details: { sessionId, failure: failure.reason ?? failure.code },
    });
  }
}

function subjectOf(r: ReservedAttempt) {
  return { action: 'liveness_challenge', id: r.userId, collection: r.collection };
}

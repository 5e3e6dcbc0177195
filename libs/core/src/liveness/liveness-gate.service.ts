import { Injectable } from '@nestjs/common';
import { DomainError } from '@facegate/common';
import { FaceVectorRepository } from '@facegate/database';
import { CallerContext } from '../access/actor';
import { CollectionRef } from '../access/collection-access.service';
import { AuditService, AuditSubject } from '../audit/audit.service';
import { AttemptBudgetService } from '../lockouts/attempt-budget.service';
import { judgeLiveness, LivenessVerdict } from '../recognition/liveness-policy';
import { assertChallengeFace, ChallengeCheck, livenessFaceMismatch, LivenessTokenService } from './liveness-token.service';

/**
 * The liveness rules of a request that acts on a person with a live face (/verify, /recognize, adding faces), around
 * the token's own (LivenessTokenService): when the token is redeemed, that the faces the request brings are the one
 * that passed, how the passive policy judges them, and that the face that passed is the person's.
 */
@Injectable()
export class LivenessGateService {
  constructor(
    private readonly tokens: LivenessTokenService,
    private readonly vectors: FaceVectorRepository,
    private readonly attempts: AttemptBudgetService,
    private readonly audit: AuditService,
  ) {}

  /**
   * Redeems the token (LIVENESS_REQUIRED where the collection requires one and none came). Called before the person
   * is looked up and before the attempt budget is asked: USER_NOT_FOUND or LOCKED_OUT to a caller without a token
   * would say who is enrolled, or that the failed sessions it sent showed this person (they were charged to them); and
   * a token is spent by each such answer, so one passed challenge does not buy many. With `subject`, a refusal is
   * audited (callers outside an audited block).
   */
  async redeem(token: string | undefined, collection: CollectionRef, caller: CallerContext, subject?: AuditSubject): Promise<ChallengeCheck> {
    const redeem = () => this.tokens.redeem(token, collection, caller);
    return subject ? this.audit.refusalAudited(caller, subject, redeem) : redeem();
  }

  /** Every face a request brings must be the one that passed the challenge (LIVENESS_FACE_MISMATCH). */
  assertSameFaces(challenge: ChallengeCheck, embeddings: readonly Float32Array[], collection: CollectionRef): void {
    for (const embedding of embeddings) assertChallengeFace(challenge, embedding, collection);
  }

  /**
   * The collection's passive liveness policy; throws SPOOF_SUSPECTED. Without a challenge it judges the probe's score.
   * After a passed challenge it judges the session's median over several frames of this same face (a steadier test
   * than one frame, whose score alone refuses ~20% of live frames), under the policy in force now (not the one the
   * session passed under), and reports the probe's own score.
   */
  passiveVerdict(score: number | undefined, collection: CollectionRef, challenge?: ChallengeCheck): LivenessVerdict {
    const { livenessMode, livenessThreshold } = collection.policy;
    if (!challenge?.challengePassed) return judgeLiveness(score, livenessMode, livenessThreshold);
    judgeLiveness(challenge.passiveMedian ?? 0, livenessMode, livenessThreshold);
    const reported = judgeLiveness(score, livenessMode === 'off' ? 'off' : 'advisory', livenessThreshold);
    return { ...reported, mode: livenessMode };
  }

  /**
   * After a passed challenge, the face that passed it must be the person's too (see ChallengeCheck.anchorEmbedding),
   * and the session must not have been open while this key was locked out of them: its failures were charged to no
   * one then, so it was a free try.
   */
  async assertIsPerson(userId: string, challenge: ChallengeCheck, threshold: number, caller: CallerContext): Promise<void> {
    if (!challenge.anchorEmbedding || !challenge.openedAt) return;
    const best = await this.vectors.bestMatchForUser({ userId, embedding: challenge.anchorEmbedding });
    if (!best || best.similarity < threshold) throw livenessFaceMismatch(threshold);
    if ((await this.attempts.lockedSince(caller, [userId], challenge.openedAt)).has(userId)) {
      throw new DomainError('LIVENESS_TOKEN_INVALID', 'The liveness session was open while this key was locked out of this person; pass a new challenge.');
    }
  }
}

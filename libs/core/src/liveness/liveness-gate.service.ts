import { Injectable } from '@nestjs/common';
import { DomainError } from '@facegate/common';
import { FaceVectorRepository } from '@facegate/database';
import { CallerContext } from '../access/actor';
import { CollectionRef } from '../access/collection-access.service';
import { AuditService } from '../audit/audit.service';
import { AttemptBudgetService } from '../lockouts/attempt-budget.service';
import { ChallengeCheck, livenessFaceMismatch, LivenessTokenService } from './liveness-token.service';

/** The audit subject of a request that acts on a person (who it is may not be known yet). */
export interface GateSubject {
  action: string;
  collection: string;
  userId?: string;
}

/**
 * The liveness checks of a request that acts on a person (/verify, /recognize, adding faces), around the token's own
 * rules (LivenessTokenService): the token is usable before the attempt budget is asked, and a redeemed token's face is
 * the person's.
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
   * Before the attempt budget: LOCKED_OUT to a caller without the token a collection requires would tell it that the
   * failed liveness sessions it sent showed this person (they were charged to them). A refusal is audited.
   */
  async assertTokenUsable(token: string | undefined, collection: CollectionRef, caller: CallerContext, subject: GateSubject): Promise<void> {
    try {
      await this.tokens.assertUsable(token, collection, caller);
    } catch (error) {
      await this.audit.record(caller, { ...subject, outcome: error instanceof DomainError ? error.code : 'INTERNAL_ERROR' });
      throw error;
    }
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

import { Injectable } from '@nestjs/common';
import { DomainError } from '@facegate/common';
import { cosineSimilarity } from '@facegate/face-engine';
import { CallerContext } from '../access/actor';
import { CollectionRef } from '../access/collection-access.service';
import { LivenessSecretsService } from './liveness-secrets.service';
import { LivenessSessionsRepository, TokenRefusal } from './liveness-sessions.repository';

/** What a request learns from redeeming a liveness token (LivenessTokenService.redeem). */
export interface ChallengeCheck {
  challengePassed: boolean;
  sessionId: string | null;
  /** Median passive score of the passed session's frames. */
  passiveMedian: number | null;
  /**
   * The face that passed the challenge (its anchor frame's embedding). The decision must hold for it too, not only for
   * the probe: a session's failures are charged to whoever its anchor face is, so an anchor tuned to match no one would
   * otherwise fail for free and pass for a person it was never compared with.
   */
  anchorEmbedding: Float32Array | null;
  /** When the passed session was opened (the database's clock): a token from a session open during a lock is refused. */
  openedAt: Date | null;
}

/**
 * Redeems liveness tokens, and applies the collection's requireLivenessToken policy. A token is used up by its first
 * presentation, whatever the outcome, so it cannot be probed or replayed.
 */
@Injectable()
export class LivenessTokenService {
  constructor(
    private readonly sessions: LivenessSessionsRepository,
    private readonly secrets: LivenessSecretsService,
  ) {}

  /** Fails fast, before any image work, when the collection requires a token and none was given. */
  assertPresentIfRequired(token: string | undefined, collection: CollectionRef): void {
    if (!token && collection.policy.requireLivenessToken) {
      throw new DomainError(
        'LIVENESS_REQUIRED',
        `Collection "${collection.name}" requires a liveness token: pass a challenge at POST /liveness/sessions first.`,
      );
    }
  }

  /**
   * Uses the token up (its first presentation, whatever the outcome) and returns what its session proved; no token
   * where none is required gives NO_CHALLENGE. Redeem before anything that could tell the caller something about the
   * person (whether they exist, are locked, or match): each such answer then costs a passed challenge.
   */
  async redeem(token: string | undefined, collection: CollectionRef, caller: CallerContext): Promise<ChallengeCheck> {
    this.assertPresentIfRequired(token, collection);
    if (!token) return NO_CHALLENGE;
    const redeemed = await this.sessions.redeemToken(this.secrets.hash(token), caller.keyId, collection.id);
    if (!redeemed.ok) throw tokenRefused(redeemed.reason);
    return {
      challengePassed: true,
      sessionId: redeemed.sessionId,
      passiveMedian: redeemed.passiveMedian,
      anchorEmbedding: redeemed.anchorEmbedding,
      openedAt: redeemed.openedAt,
    };
  }
}

/** No challenge: no token was given, and none was required. */
export const NO_CHALLENGE: ChallengeCheck = Object.freeze({
  challengePassed: false,
  sessionId: null,
  passiveMedian: null,
  anchorEmbedding: null,
  openedAt: null,
});

/**
 * The token binds the face that passed the challenge: a face a request brings must be it, at the collection's own
 * threshold (never the request's, which the caller chooses).
 */
export function assertChallengeFace(challenge: ChallengeCheck, embedding: Float32Array, collection: CollectionRef): void {
  const threshold = collection.policy.matchThreshold;
  if (challenge.anchorEmbedding && cosineSimilarity(challenge.anchorEmbedding, embedding) < threshold) throw livenessFaceMismatch(threshold);
}

/**
 * The face the request shows is not the one that passed the challenge, or the challenge's face is not the person: one
 * answer for both, with no similarity (it would score one face against the other).
 */
export function livenessFaceMismatch(threshold: number): DomainError {
  return new DomainError('LIVENESS_FACE_MISMATCH', 'This face is not the one that passed the liveness challenge.', { threshold });
}

function tokenRefused(reason: TokenRefusal): DomainError {
  switch (reason) {
    case 'used':
      return new DomainError('LIVENESS_TOKEN_USED', 'The liveness token was already used; pass a new challenge.');
    case 'expired':
      return new DomainError('LIVENESS_TOKEN_EXPIRED', 'The liveness token has expired; pass a new challenge.');
    default:
      return new DomainError('LIVENESS_TOKEN_INVALID', 'The liveness token is not valid for this key and collection.');
  }
}

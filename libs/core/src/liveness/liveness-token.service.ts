import { Injectable } from '@nestjs/common';
import { DomainError } from '@facegate/common';
import { cosineSimilarity } from '@facegate/face-engine';
import { CallerContext } from '../access/actor';
import { CollectionRef } from '../access/collection-access.service';
import { LivenessSecretsService } from './liveness-secrets.service';
import { LivenessSessionsRepository, TokenRefusal } from './liveness-sessions.repository';

/** What /verify and /recognize learn from the liveness token check. */
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
 * Redeems liveness tokens for /verify and /recognize, and applies the collection's requireLivenessToken policy. A
 * token is used up by its first presentation, whatever the outcome, so it cannot be probed or replayed.
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
   * Before an attempt is reserved: the token is required where the collection says so, and a given token must be one
   * that can be redeemed now (without using it up). Otherwise a made-up token would reach the attempt budget, whose
   * LOCKED_OUT says that failed sessions charged this person.
   */
  async assertUsable(token: string | undefined, collection: CollectionRef, caller: CallerContext): Promise<void> {
    this.assertPresentIfRequired(token, collection);
    if (!token) return;
    const refusal = await this.sessions.tokenRefusal(this.secrets.hash(token), caller.keyId, collection.id);
    if (refusal) throw tokenRefused(refusal);
  }

  async check(token: string | undefined, collection: CollectionRef, embedding: Float32Array, caller: CallerContext): Promise<ChallengeCheck> {
    this.assertPresentIfRequired(token, collection);
    if (!token) return { challengePassed: false, sessionId: null, passiveMedian: null, anchorEmbedding: null, openedAt: null };
    const redeemed = await this.sessions.redeemToken(this.secrets.hash(token), caller.keyId, collection.id);
    if (!redeemed.ok) throw tokenRefused(redeemed.reason);
    // The token binds the face that passed the challenge; the collection's own threshold decides (never the
    // request's, which the caller chooses).
    const threshold = collection.policy.matchThreshold;
    if (cosineSimilarity(redeemed.anchorEmbedding, embedding) < threshold) throw livenessFaceMismatch(threshold);
    return {
      challengePassed: true,
      sessionId: redeemed.sessionId,
      passiveMedian: redeemed.passiveMedian,
      anchorEmbedding: redeemed.anchorEmbedding,
      openedAt: redeemed.openedAt,
    };
  }
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

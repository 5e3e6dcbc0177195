import type { ErrorCode } from '@facegate/common';
import type { DropReason, StreamFrame } from './stream-protocol';
import { TokenBucket } from './token-bucket';

/** What the stream needs of a liveness session's view (POST /liveness/sessions answers the same shape). */
export interface ChallengeView {
  id: string;
  status: string;
  stepNonce: string | null;
}

/** Codes after which the session is closed for good (the service recorded the failure); a new challenge may start. */
const ENDING_CODES: ReadonlySet<ErrorCode> = new Set<ErrorCode>([
  'CHALLENGE_FAILED',
  'LIVENESS_FACE_CHANGED',
  'SPOOF_SUSPECTED',
  'LIVENESS_SESSION_EXPIRED',
  'LIVENESS_SESSION_CLOSED',
  'LIVENESS_SESSION_NOT_FOUND',
  'COLLECTION_NOT_FOUND',
  'FORBIDDEN',
]);

export function endsChallenge(code: ErrorCode): boolean {
  return ENDING_CODES.has(code);
}

/**
 * A liveness challenge running on one stream connection. Frames are bound to the step that was revealed when they
 * arrived (its nonce), not to the step current when the engine gets to them: a frame that waited while a step was
 * completed was captured before the person could see the next prompt, so it is dropped (`stale`), never judged
 * against that prompt. Frames that arrive sooner after a reveal than a person reacts are dropped (`early`) instead of
 * failing the session as `too_fast`, which the service still applies to anything that gets through; and `fps` frames
 * a second are judged on average, so a webcam's rate cannot spend the session's frame allowance in seconds.
 */
export class StreamChallenge {
  private sessionId: string | null = null;
  private stepNonce: string | null = null;
  private revealedAt = 0;
  private readonly rate: TokenBucket;

  constructor(
    private readonly limits: { fps: number; minStepMs: number },
    private readonly now: () => number = Date.now,
  ) {
    this.rate = new TokenBucket(limits.fps, now);
  }

  /** The session has been asked for but not yet opened. */
  get opening(): boolean {
    return this.sessionId === null;
  }

  /** Takes the opened session (or a later answer) and returns whether it revealed a new step. */
  update(view: ChallengeView): boolean {
    this.sessionId = view.id;
    if (view.stepNonce === this.stepNonce) return false;
    this.stepNonce = view.stepNonce;
    this.revealedAt = this.now();
    return true;
  }

  /** Why an arriving frame is not judged, or null after stamping it with the step it answers. */
  admit(frame: StreamFrame): DropReason | null {
    const now = this.now();
    if (this.sessionId === null || now - this.revealedAt < this.limits.minStepMs) return 'early';
    if (!this.rate.take()) return 'rate';
    frame.challenge = { sessionId: this.sessionId, stepNonce: this.stepNonce };
    return null;
  }

  /** Whether a stamped frame still answers the step being asked. */
  current(frame: StreamFrame): boolean {
    return frame.challenge !== undefined && frame.challenge.sessionId === this.sessionId && frame.challenge.stepNonce === this.stepNonce;
  }
}

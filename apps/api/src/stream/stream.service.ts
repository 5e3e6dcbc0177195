import { Inject, Injectable } from '@nestjs/common';
import { randomUUID } from 'node:crypto';
import { DomainError } from '@facegate/common';
import { APP_CONFIG, type AppConfig, callerForKey, type CallerContext, hasScope, LivenessService, RecognitionService, type Scope } from '@facegate/core';
import { ApiKeysService } from '../auth/api-keys.service';
import { RateLimitBudget } from '../rate-limits/rate-limit-budget';
import type { StreamFrame } from './stream-protocol';

/** The scope a stream needs: it answers detect and recognize, the `recognize` class of routes. */
export const STREAM_SCOPE: Scope = 'recognize';

/**
 * The stream's rules: who may open one (the same keys, scopes and collection binding as HTTP) and what a frame is
 * answered with (the same services, so the same shapes, thresholds, liveness policy and audit entries as HTTP). Each
 * frame that reaches the engine spends one unit of the key's `recognize` rate-limit budget, the one HTTP spends.
 */
@Injectable()
export class StreamService {
  constructor(
    private readonly keys: ApiKeysService,
    private readonly recognition: RecognitionService,
    private readonly liveness: LivenessService,
    private readonly budget: RateLimitBudget,
    @Inject(APP_CONFIG) private readonly config: AppConfig,
  ) {}

  /** The caller behind `presented`, or UNAUTHORIZED / FORBIDDEN as on HTTP. */
  async authenticate(presented: string | undefined, clientIp: string): Promise<CallerContext> {
    if (!presented) throw new DomainError('UNAUTHORIZED', 'Send the API key as the subprotocol facegate.key.<key> or in a first {"type":"auth"} message.');
    const key = await this.keys.authenticate(presented);
    if (!key) throw new DomainError('UNAUTHORIZED', 'The API key is not valid or has been revoked.');
    const caller = callerForKey(key, { clientIp, requestId: `ws-${randomUUID()}` });
    if (!hasScope(caller, STREAM_SCOPE)) throw new DomainError('FORBIDDEN', `This API key lacks the "${STREAM_SCOPE}" scope.`, { scope: STREAM_SCOPE });
    return caller;
  }

  /** A frame's answer: the body HTTP would return for the same image and settings. */
  async answer(frame: StreamFrame, caller: CallerContext): Promise<unknown> {
    this.checkSize(frame);
    const admitted = await this.admit(caller);
    const { op, collection, threshold, topK, smallFaces } = frame.settings;
    if (op === 'detect') return this.recognition.detect(frame.image, smallFaces ?? false);
    return this.recognition.recognize({ image: frame.image, collection, threshold, topK }, forFrame(admitted, frame));
  }

  /** Opens a liveness challenge, as POST /liveness/sessions does; the session view with the first step's prompt. */
  async openChallenge(collection: string | undefined, caller: CallerContext) {
    return this.liveness.open({ collection }, await this.admit(caller));
  }

  /** One frame for the step `stepNonce` names, judged as POST /liveness/sessions/:id/frames judges an upload of one. */
  async answerChallenge(sessionId: string, stepNonce: string | null, frame: StreamFrame, caller: CallerContext) {
    this.checkSize(frame);
    const admitted = await this.admit(caller);
    return this.liveness.submitFrames(sessionId, { frames: [frame.image], stepNonce: stepNonce ?? '' }, forFrame(admitted, frame));
  }

  /**
   * Before any work for an open socket: the key must still be active (revocation takes effect at the next frame, as
   * at HTTP's next request) and its `recognize` budget must have room. The frame works with the key's collections as
   * they are now, not as they were when the socket opened: a collection deleted since is out of reach.
   */
  private async admit(caller: CallerContext): Promise<CallerContext> {
    const key = await this.keys.stillActive(caller.keyId);
    if (!key) throw new DomainError('UNAUTHORIZED', 'The API key has been revoked.');
    await this.budget.spend(STREAM_SCOPE, caller.keyId);
    return { ...caller, collections: key.collections, collectionIds: key.collectionIds };
  }

  /** Binary frames are bytes already; base64 ones are about 4/3 of theirs. The engine checks decoded sizes again. */
  private checkSize(frame: StreamFrame): void {
    const bytes = typeof frame.image === 'string' ? Math.floor((frame.image.length * 3) / 4) : frame.image.length;
    const max = this.config.limits.maxImageBytes;
    if (bytes > max) throw new DomainError('IMAGE_TOO_LARGE', `A frame may hold at most ${max} bytes of image.`, { maxBytes: max });
  }
}

/** Each frame is its own request in the audit log: the connection's id with the frame's seq. */
function forFrame(caller: CallerContext, frame: StreamFrame): CallerContext {
  return { ...caller, requestId: `${caller.requestId}-${frame.seq}` };
}

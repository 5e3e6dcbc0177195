import { Inject, Injectable, Logger } from '@nestjs/common';
import { DomainError, ErrorCode } from '@facegate/common';
import { AuditService } from '../audit/audit.service';
import { CallerContext } from '../auth/caller-context';
import { AppConfig } from '../config/app-config';
import { APP_CONFIG } from '../config/config.module';
import { AttemptOutcome, AttemptsRepository, BudgetRules } from './attempts.repository';

/**
 * Refusals that judged the face and found it wanting count like a rejected match: a spoof is a guess too, and an
 * attacker must not get free tries by failing the liveness policy instead of the match.
 */
const FAILURE_CODES: ReadonlySet<ErrorCode> = new Set(['SPOOF_SUSPECTED', 'LIVENESS_FACE_MISMATCH']);

export interface AttemptSubject {
  id: string;
  collection: string;
}

/**
 * Against guessing a person with many photos. Each key has a budget of FACEGATE_LOCKOUT_FAILURES failed
 * verifications per person within the window; spending it locks that key out of that person for the cool-down.
 * - Reserved before the engine runs (in-flight attempts count), so a concurrent burst evaluates at most the budget.
 * - Per key, so one key's failures never lock the person out for the others (any recognize key could otherwise
 *   lock anyone out); an admin lists and clears locks (LockoutsService).
 * - A success clears only the same key's failures.
 */
@Injectable()
export class AttemptBudgetService {
  private readonly logger = new Logger('Lockout');
  private readonly rules: BudgetRules;

  constructor(
    private readonly attempts: AttemptsRepository,
    private readonly audit: AuditService,
    @Inject(APP_CONFIG) config: AppConfig,
  ) {
    // An attempt outlives its engine job by a margin; past that it was abandoned (its instance died).
    const staleSeconds = Math.ceil((2 * config.engine.jobTimeoutMs) / 1000) + 30;
    this.rules = { ...config.lockout, staleSeconds };
  }

  /**
   * Runs one verification attempt of `user` by the caller's key: reserves it (or throws LOCKED_OUT), runs `work`,
   * and settles it as a success, a failure (a rejected match, a spoof) or void (no face, engine busy...) before the
   * answer leaves.
   */
  async attempt<T>(caller: CallerContext, user: AttemptSubject, work: () => Promise<T>, succeeded: (result: T) => boolean): Promise<T> {
    await this.reserve(caller, user);
    let outcome: AttemptOutcome = 'void';
    try {
      const result = await work();
      outcome = succeeded(result) ? 'success' : 'failure';
      return result;
    } catch (error) {
      if (error instanceof DomainError && FAILURE_CODES.has(error.code)) outcome = 'failure';
      throw error;
    } finally {
      await this.settle(caller, user, outcome);
    }
  }

  /** The people among `userIds` this key is locked out of (a 1:N answer must not hand them over either). */
  lockedFor(caller: CallerContext, userIds: string[]): Promise<Set<string>> {
    return this.attempts.lockedFor(caller.keyId, userIds);
  }

  private async reserve(caller: CallerContext, user: AttemptSubject): Promise<void> {
    if (await this.attempts.reserve(user.id, caller.keyId, this.rules)) return;
    const refusal = await this.attempts.refusal(user.id, caller.keyId);
    await this.audit.record(caller, { action: 'verify', collection: user.collection, userId: user.id, outcome: 'locked_out', details: { inFlight: !refusal.locked } });
    const why = refusal.locked ? 'Too many failed verifications of this person with this key' : 'Too many verifications of this person are in progress with this key';
    throw new DomainError('LOCKED_OUT', `${why}; try again in ${refusal.retryAfterSeconds} s.`, { retryAfterSeconds: refusal.retryAfterSeconds });
  }

  /** Never masks the request's own outcome: a failed write is logged, and the reservation expires on its own. */
  private async settle(caller: CallerContext, user: AttemptSubject, outcome: AttemptOutcome): Promise<void> {
    try {
      const locked = await this.attempts.settle(user.id, caller.keyId, outcome, this.rules);
      if (!locked) return;
      this.logger.warn(`verification of user ${user.id} by key ${caller.keyId} locked until ${locked.lockedUntil.toISOString()} after ${locked.failures} failures`);
      await this.audit.record(caller, {
        action: 'lockout',
        outcome: 'locked',
        collection: user.collection,
        userId: user.id,
        details: { failures: locked.failures, cooldownSeconds: this.rules.cooldownSeconds, lockedKeyId: caller.keyId },
      });
    } catch (error) {
      this.logger.error(`settling the verification attempt of user ${user.id} failed: ${error instanceof Error ? error.message : String(error)}`);
    }
  }
}

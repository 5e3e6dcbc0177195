import { Inject, Injectable, Logger } from '@nestjs/common';
import { DomainError, ErrorCode } from '@facegate/common';
import { AuditService } from '../audit/audit.service';
import { CallerContext } from '../access/actor';
import { Clock } from '../common/clock';
import { userNotFound } from '../users/user-errors';
import { AppConfig } from '../config/app-config';
import { APP_CONFIG } from '../config/config.module';
import { AttemptOutcome, AttemptsRepository, BudgetRules, Lock } from './attempts.repository';

/**
 * Refusals that judged the face and found it wanting count like a rejected match: a spoof is a guess too, and an
 * attacker must not get free tries by failing the liveness policy instead of the match. A failed liveness session is
 * charged by the same rule where its failure is one of these (challenge-attempts.service.ts).
 */
const FAILURE_CODES: ReadonlySet<string> = new Set<ErrorCode>(['SPOOF_SUSPECTED', 'LIVENESS_FACE_MISMATCH', 'FACE_MISMATCH']);

/** Whether a refusal with this code judged the face (and so counts as a failed attempt). */
export function isJudgedFailure(code: string): boolean {
  return FAILURE_CODES.has(code);
}

/** Margin under the reservation's lifetime, for the time between our clock's start and the database's. */
const DEADLINE_MARGIN_MS = 1000;

export interface AttemptSubject {
  /** What is attempted, for the audit entry of a refusal (verify, add_faces). */
  action: string;
  id: string;
  collection: string;
}

/**
 * Against guessing a person with many photos. Each key has a budget of FACEGATE_LOCKOUT_FAILURES failed
 * verifications per person within the window; spending it locks that key out of that person for the cool-down. A
 * slow budget, a bucket of FACEGATE_LOCKOUT_DAILY_FAILURES that drains as many per FACEGATE_LOCKOUT_DAY_SECONDS, bounds
 * a key that stays under the window's lock: full, the key is locked out of the person until there is room again.
 * - Reserved before the engine runs (in-flight attempts count), so a concurrent burst evaluates at most the budget.
 * - Per key, so one key's failures never lock the person out for the others (any recognize key could otherwise
 *   lock anyone out); an admin lists and clears locks (LockoutsService).
 * - A success clears only the same key's failures in the window, never the slow budget (a person who signs in often
 *   must not refill an attacker's budget).
 */
@Injectable()
export class AttemptBudgetService {
  private readonly logger = new Logger('Lockout');
  private readonly rules: BudgetRules;

  constructor(
    private readonly attempts: AttemptsRepository,
    private readonly audit: AuditService,
    private readonly clock: Clock,
    @Inject(APP_CONFIG) config: AppConfig,
  ) {
    // An attempt outlives its engine job by a margin; past that it was abandoned (its instance died).
    const staleSeconds = Math.ceil((2 * config.engine.jobTimeoutMs) / 1000) + 30;
    this.rules = { ...config.lockout, staleSeconds };
  }

  /**
   * Runs one attempt of the caller's key against `user`: reserves it (or throws LOCKED_OUT), runs `work`, and settles
   * it as a success, a failure (a rejected match, a spoof, a photo that is not the person) or void (no face, engine
   * busy...) before the answer leaves.
   *
   * A reservation lives `staleSeconds`; after that the database takes it as abandoned and may grant the budget again.
   * So an attempt that outlives it (a long engine queue) must not reveal its verdict: it is neither settled nor
   * answered (ENGINE_TIMEOUT). Otherwise slow attempts would add up to more evaluated guesses than the budget. Nor is
   * an attempt settled after a charge locked the key out of the person meanwhile (LOCKED_OUT instead of its verdict):
   * attempts in flight would otherwise be judged past the lock.
   */
  async attempt<T>(caller: CallerContext, user: AttemptSubject, work: () => Promise<T>, succeeded: (result: T) => boolean): Promise<T> {
    const started = this.clock.monotonicMs();
    await this.reserve(caller, user);
    const expired = () => this.clock.monotonicMs() - started > this.rules.staleSeconds * 1000 - DEADLINE_MARGIN_MS;
    let result: T;
    try {
      result = await work();
    } catch (error) {
      const judged = error instanceof DomainError && isJudgedFailure(error.code);
      if (expired()) throw judged ? withheld(user) : error;
      if ((await this.settle(caller, user, judged ? 'failure' : 'void')) === 'withheld') await this.refuse(caller, user);
      throw error;
    }
    if (expired()) throw withheld(user);
    if ((await this.settle(caller, user, succeeded(result) ? 'success' : 'failure')) === 'withheld') await this.refuse(caller, user);
    return result;
  }

  /**
   * Reserves one attempt of the caller's key on a person for a liveness session whose frames are being judged, held
   * for `seconds` (the session's remaining time: a session outlives a /verify). 'refused' when the key is locked out
   * of the person or its budget is taken by attempts in flight; the caller must then not reveal the session's verdicts
   * (ChallengeAttemptsService.reserveJudged). Settled by settleReserved, or left to expire with an abandoned session
   * (which is charged instead).
   */
  async reserveFor(caller: CallerContext, user: AttemptSubject, seconds: number): Promise<'reserved' | 'refused' | 'gone'> {
    return this.attempts.reserve(user.id, caller.keyId, { ...this.rules, staleSeconds: Math.max(this.rules.staleSeconds, Math.ceil(seconds)) });
  }

  /**
   * Settles a reservation made by reserveFor: 'void' (a passed session, or one whose verdicts were withheld) frees it;
   * a failure counts (and may lock), also on a key locked meanwhile (AttemptsRepository.settleJudged). Never throws.
   */
  async settleReserved(caller: CallerContext, user: AttemptSubject, outcome: 'failure' | 'void'): Promise<void> {
    if (outcome === 'void') return void (await this.settle(caller, user, 'void'));
    try {
      const lock = await this.attempts.settleJudged(user.id, caller.keyId, this.rules);
      if (lock) await this.recordLock(caller, user, lock);
    } catch (error) {
      this.logger.error(`settling the liveness attempt of user ${user.id} failed: ${error instanceof Error ? error.message : String(error)}`);
    }
  }

  /**
   * Counts one failed attempt whose judging happened elsewhere (a liveness session that failed on frames of this
   * person), in one transaction outside the reservations: attempts kept in flight on purpose cannot crowd it out. A
   * key already locked out of the person is left as it is; a lock this charge causes is logged and audited.
   */
  async charge(caller: CallerContext, user: AttemptSubject): Promise<'charged' | 'locked' | 'already_locked' | 'gone'> {
    const charged = await this.attempts.charge(user.id, caller.keyId, this.rules);
    if (charged.outcome === 'locked') await this.recordLock(caller, user, charged.lock);
    return charged.outcome;
  }

  /**
   * Of these people, the ones this key was locked out of at any time since `at`. A liveness session open during a lock
   * must not yield a token for that person: failures are free while the key is locked (nothing more is counted), so
   * otherwise sessions run during every lock would be free tries, their passes usable once it ends.
   */
  lockedSince(caller: CallerContext, userIds: readonly string[], at: Date): Promise<Set<string>> {
    return this.attempts.lockedAfter(caller.keyId, userIds, at);
  }

  /** The people among `userIds` this key is locked out of (a 1:N answer must not hand them over either). */
  lockedFor(caller: CallerContext, userIds: string[]): Promise<Set<string>> {
    return this.attempts.lockedFor(caller.keyId, userIds);
  }

  private async reserve(caller: CallerContext, user: AttemptSubject): Promise<void> {
    const reservation = await this.attempts.reserve(user.id, caller.keyId, this.rules);
    if (reservation === 'reserved') return;
    if (reservation === 'gone') throw userNotFound(user.id);
    await this.refuse(caller, user);
  }

  /** LOCKED_OUT, audited, with the time to wait. */
  private async refuse(caller: CallerContext, user: AttemptSubject): Promise<never> {
    const refusal = await this.attempts.refusal(user.id, caller.keyId, this.rules);
    await this.audit.record(caller, {
      action: user.action,
      collection: user.collection,
      userId: user.id,
      outcome: 'locked_out',
      details: { inFlight: !refusal.locked },
    });
    const why = refusal.locked ? 'Too many failed attempts on this person with this key' : 'Too many attempts on this person are in progress with this key';
    throw new DomainError('LOCKED_OUT', `${why}; try again in ${refusal.retryAfterSeconds} s.`, { retryAfterSeconds: refusal.retryAfterSeconds });
  }

  /** Never masks the request's own outcome: a failed write is logged, and the reservation expires on its own. */
  private async settle(caller: CallerContext, user: AttemptSubject, outcome: AttemptOutcome): Promise<'withheld' | void> {
    try {
      const settled = await this.attempts.settle(user.id, caller.keyId, outcome, this.rules);
      if (settled === 'withheld') return settled;
      if (settled) await this.recordLock(caller, user, settled);
    } catch (error) {
      this.logger.error(`settling the verification attempt of user ${user.id} failed: ${error instanceof Error ? error.message : String(error)}`);
    }
  }

  private async recordLock(caller: CallerContext, user: AttemptSubject, lock: Lock): Promise<void> {
    const budget = lock.horizon === 'day' ? `the day's budget of ${this.rules.dailyFailures}` : `${lock.failures} failures in ${this.rules.windowSeconds} s`;
    const until = lock.lockedUntil.toISOString();
    this.logger.warn(`verification of user ${user.id} by key ${caller.keyId} locked until ${until}: ${budget} spent`);
    await this.audit.record(caller, {
      action: 'lockout',
      outcome: 'locked',
      collection: user.collection,
      userId: user.id,
      details: { failures: lock.failures, horizon: lock.horizon, lockedUntil: until, lockedKeyId: caller.keyId },
    });
  }
}

function withheld(user: AttemptSubject): DomainError {
  return new DomainError('ENGINE_TIMEOUT', `The ${user.action} attempt took longer than its reservation, so its result is withheld; try again.`);
}

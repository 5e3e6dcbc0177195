import { Inject, Injectable, Logger } from '@nestjs/common';
import { DomainError } from '@facegate/common';
import { AuditService } from '../audit/audit.service';
import { CallerContext } from '../auth/caller-context';
import { AppConfig } from '../config/app-config';
import { APP_CONFIG } from '../config/config.module';
import { LockoutRepository } from './lockout.repository';

/**
 * Against photo guessing: after FACEGATE_LOCKOUT_FAILURES failed verifications of one person within the window,
 * verifying that person is refused (LOCKED_OUT, 423) for the cool-down, whichever key asks. Counted per person, not
 * per key or address, because an attacker can rotate those.
 */
@Injectable()
export class LockoutService {
  private readonly logger = new Logger('Lockout');

  constructor(
    private readonly lockouts: LockoutRepository,
    private readonly audit: AuditService,
    @Inject(APP_CONFIG) private readonly config: AppConfig,
  ) {}

  async assertNotLocked(userId: string): Promise<void> {
    const until = await this.lockouts.lockedUntil(userId);
    if (until) {
      const retryAfterSeconds = Math.max(1, Math.ceil((until.getTime() - Date.now()) / 1000));
      throw new DomainError('LOCKED_OUT', `Too many failed verifications of this person; try again in ${retryAfterSeconds} s.`, { retryAfterSeconds });
    }
  }

  async recordOutcome(caller: CallerContext, user: { id: string; collection: string }, verified: boolean): Promise<void> {
    if (verified) return this.lockouts.reset(user.id);
    const { maxFailures, windowSeconds, cooldownSeconds } = this.config.lockout;
    const failures = await this.lockouts.addFailure(user.id, windowSeconds);
    if (failures < maxFailures) return;
    const until = await this.lockouts.lock(user.id, cooldownSeconds);
    this.logger.warn(`verification of user ${user.id} locked until ${until.toISOString()} after ${failures} failures`);
    await this.audit.record(caller, { action: 'lockout', outcome: 'locked', collection: user.collection, userId: user.id, details: { failures, cooldownSeconds } });
  }
}

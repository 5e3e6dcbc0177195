import { Inject, Injectable, Logger, OnApplicationBootstrap, OnApplicationShutdown } from '@nestjs/common';
import { AppConfig } from '../config/app-config';
import { APP_CONFIG } from '../config/config.module';
import { AuditRepository } from '../audit/audit.repository';

const HOUR_MS = 3_600_000;

/** Deletes audit rows older than FACEGATE_AUDIT_RETENTION_DAYS, at start-up and hourly. */
@Injectable()
export class AuditRetentionService implements OnApplicationBootstrap, OnApplicationShutdown {
  private readonly logger = new Logger('AuditRetention');
  private timer?: NodeJS.Timeout;

  constructor(
    private readonly audit: AuditRepository,
    @Inject(APP_CONFIG) private readonly config: AppConfig,
  ) {}

  onApplicationBootstrap(): void {
    void this.purge();
    this.timer = setInterval(() => void this.purge(), HOUR_MS);
    this.timer.unref();
  }

  onApplicationShutdown(): void {
    clearInterval(this.timer);
  }

  async purge(now = new Date()): Promise<number> {
    const cutoff = new Date(now.getTime() - this.config.audit.retentionDays * 24 * HOUR_MS);
    try {
      const removed = await this.audit.purgeBefore(cutoff);
      if (removed > 0) this.logger.log(`purged ${removed} audit rows older than ${this.config.audit.retentionDays} days`);
      return removed;
    } catch (error) {
      this.logger.warn(`audit purge failed: ${error instanceof Error ? error.message : String(error)}`);
      return 0;
    }
  }
}

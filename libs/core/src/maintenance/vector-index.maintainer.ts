import { Inject, Injectable, Logger, OnApplicationBootstrap, OnApplicationShutdown } from '@nestjs/common';
import { VectorIndexRepository } from '@facegate/database';
import { AppConfig } from '../config/app-config';
import { APP_CONFIG } from '../config/config.module';

/**
 * Keeps the IVFFlat index in step with the gallery: creates it once enough people have faces and rebuilds it when
 * the gallery has outgrown its lists. Checked at start-up and then periodically, off the request path; a check with
 * nothing to do is one count. Several instances coordinate through the repository's advisory lock.
 */
@Injectable()
export class VectorIndexMaintainer implements OnApplicationBootstrap, OnApplicationShutdown {
  private readonly logger = new Logger('VectorIndex');
  private timer?: NodeJS.Timeout;
  private running?: Promise<void>;

  constructor(
    private readonly vectorIndex: VectorIndexRepository,
    @Inject(APP_CONFIG) private readonly config: AppConfig,
  ) {}

  onApplicationBootstrap(): void {
    this.running = this.check();
    const every = this.config.database.indexCheckSeconds * 1000;
    this.timer = setInterval(() => {
      if (!this.running) this.running = this.check();
    }, every);
    this.timer.unref();
  }

  async onApplicationShutdown(): Promise<void> {
    clearInterval(this.timer);
    await this.running;
  }

  private async check(): Promise<void> {
    try {
      await this.vectorIndex.ensureIndex();
    } catch (error) {
      this.logger.warn(`index check failed: ${error instanceof Error ? error.message : String(error)}`);
    } finally {
      this.running = undefined;
    }
  }
}

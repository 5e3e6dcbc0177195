import { Inject, Injectable } from '@nestjs/common';
import { EMBEDDING_DIMENSIONS, VectorIndexRepository } from '@facegate/database';
import { APP_CONFIG, AppConfig, boundCollectionIds, CallerContext, EMBEDDING_MODEL_ID, FaceEngineService } from '@facegate/core';
import { LifecycleService } from '../lifecycle/lifecycle.service';
import { DatabaseStatusRepository } from './database-status.repository';
import { StatsRepository } from './stats.repository';

const started = Date.now();

@Injectable()
export class HealthService {
  constructor(
    private readonly database: DatabaseStatusRepository,
    private readonly engine: FaceEngineService,
    private readonly vectorIndex: VectorIndexRepository,
    @Inject(APP_CONFIG) private readonly config: AppConfig,
    private readonly lifecycle: LifecycleService,
    private readonly galleries: StatsRepository,
  ) {}

  live() {
    return { status: 'ok' as const, uptimeSeconds: Math.round((Date.now() - started) / 1000) };
  }

  /**
   * Ready when the database answers, every migration is applied and the models are loaded, and not while shutting
   * down: a load balancer then stops sending before the listener closes.
   */
  async ready() {
    const draining = this.lifecycle.draining;
    const database = await this.database.status();
    const models = this.engine.ready;
    const ready = !draining && database.ok && database.migrationsPending === 0 && models;
    const replicas = this.database.replicaStatus()?.replicas;
    return {
      ready,
      checks: {
        database: database.ok,
        migrationsPending: database.migrationsPending,
        models,
        databaseMode: this.database.mode,
        draining,
        ...(replicas ? { replicas } : {}),
      },
    };
  }

  /**
   * Counts of the collections the key may see. The vector index spans every collection (its row count is the whole
   * gallery's size) and the engine's queue carries everyone's work, so only keys bound to no collection see them: a
   * tenant learns nothing of the others.
   */
  async stats(caller: CallerContext) {
    const only = boundCollectionIds(caller);
    const bound = only !== undefined;
    const [counts, index] = await Promise.all([this.galleries.counts(only), bound ? null : this.vectorIndex.indexInfo()]);
    return {
      counts,
      model: { id: EMBEDDING_MODEL_ID, dimensions: EMBEDDING_DIMENSIONS, threshold: this.config.matching.threshold, ...this.engineView(bound) },
      ...(index ? { index } : {}),
      database: { mode: this.database.mode },
    };
  }

  /** The worker pool's queue and busy workers reflect every tenant's traffic: for unbound keys only. */
  private engineView(bound: boolean) {
    const { pool, ...engine } = this.engine.describe();
    return bound ? engine : { ...engine, pool };
  }
}

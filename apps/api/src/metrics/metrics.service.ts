import { Inject, Injectable } from '@nestjs/common';
import { collectDefaultMetrics, Gauge } from 'prom-client';
import { APP_CONFIG, AppConfig, FaceEngineService } from '@facegate/core';
import { DatabaseStatusRepository } from '../health/database-status.repository';
import { LifecycleService } from '../lifecycle/lifecycle.service';
import { GalleryStatsRepository } from './gallery-stats.repository';
import { MetricsRegistry } from './metrics-registry';

/**
 * Everything GET /metrics shows: the pushed series of MetricsRegistry, plus gauges read at scrape time from the
 * engine's worker pool, the database pool, the gallery counts and the process (Node's default metrics).
 */
@Injectable()
export class MetricsService {
  constructor(
    private readonly metrics: MetricsRegistry,
    private readonly engine: FaceEngineService,
    private readonly database: DatabaseStatusRepository,
    private readonly gallery: GalleryStatsRepository,
    private readonly lifecycle: LifecycleService,
    @Inject(APP_CONFIG) config: AppConfig,
  ) {
    if (!config.metrics.enabled) return;
    collectDefaultMetrics({ register: this.metrics.registry });
    this.engineGauges();
    this.databaseGauges();
    this.galleryGauges();
    this.lifecycleGauges();
  }

  get contentType(): string {
    return this.metrics.registry.contentType;
  }

  render(): Promise<string> {
    return this.metrics.registry.metrics();
  }

  private engineGauges(): void {
    const stats = () => this.enginePool();
    this.gauge('facegate_engine_queue_depth', 'Engine jobs waiting for a free worker.', () => stats()?.queued ?? 0);
    this.gauge('facegate_engine_workers_busy', 'Engine workers running a job.', () => stats()?.busy ?? 0);
    this.gauge('facegate_engine_workers_ready', 'Engine workers loaded and serving.', () => stats()?.ready ?? 0);
    this.gauge('facegate_engine_workers', 'Engine workers configured (FACEGATE_ENGINE_WORKERS).', () => stats()?.size ?? 0);
    this.gauge('facegate_engine_worker_restarts', 'Engine workers replaced after a crash or a timeout since start.', () => stats()?.restarts ?? 0);
  }

  /** Undefined until the engine has started (describe() throws before). */
  private enginePool() {
    try {
      return this.engine.describe().pool;
    } catch {
      return undefined;
    }
  }

  private databaseGauges(): void {
    const pool = () => this.database.poolStats();
    this.gauge('facegate_db_pool_connections', 'Open connections in the database pool.', () => pool().total);
    this.gauge('facegate_db_pool_idle_connections', 'Idle connections in the database pool.', () => pool().idle);
    this.gauge('facegate_db_pool_waiting_clients', 'Queries waiting for a free database connection.', () => pool().waiting);
    this.gauge('facegate_db_pool_max_connections', 'Database pool size (DATABASE_POOL_SIZE; 1 for the embedded database).', () => pool().max);
    if (this.database.replicaStatus()) this.replicaGauges();
  }

  /** Read replicas: read at scrape time from the router's last poll (no query). */
  private replicaGauges(): void {
    const replicas = () => this.database.replicaStatus()?.replicas ?? [];
    const perReplica = (name: string, help: string, value: (r: ReturnType<typeof replicas>[number]) => number) =>
      new Gauge({
        name,
        help,
        labelNames: ['replica'] as const,
        registers: [this.metrics.registry],
        collect() {
          this.reset();
          for (const r of replicas()) this.set({ replica: r.name }, value(r));
        },
      });
    perReplica('facegate_db_replica_up', 'Read replica answering as a standby at the last poll (1) or skipped (0).', (r) => (r.up ? 1 : 0));
    perReplica('facegate_db_replica_lag_bytes', "Bytes of the primary's WAL a read replica has not replayed.", (r) => r.lagBytes);
    perReplica('facegate_db_replica_lag_seconds', 'Seconds since the last transaction a read replica replayed, while it is behind.', (r) => r.lagSeconds);
    perReplica('facegate_db_replica_reads', 'Searches served by a read replica since start.', (r) => r.reads);
    this.gauge(
      'facegate_db_primary_reads',
      'Searches served by the primary since start (no replica had replayed the last write, or one failed).',
      () => this.database.replicaStatus()?.primaryReads ?? 0,
    );
  }

  private galleryGauges(): void {
    const every = 'counted at most every FACEGATE_METRICS_GALLERY_SECONDS';
    this.galleryGauge('facegate_gallery_users', `Enrolled people per collection (${every}).`, 'users');
    this.galleryGauge('facegate_gallery_faces', `Stored face embeddings per collection (${every}).`, 'faces');
  }

  /** prom-client awaits collect() before rendering; both gauges share one cached count. */
  private galleryGauge(name: string, help: string, field: 'users' | 'faces'): void {
    const gallery = this.gallery;
    new Gauge({
      name,
      help,
      labelNames: ['collection'] as const,
      registers: [this.metrics.registry],
      async collect() {
        const sizes = await gallery.sizes();
        // Reset first: a deleted collection's series disappears instead of staying at its last value.
        this.reset();
        for (const size of sizes) this.set({ collection: size.collection }, size[field]);
      },
    });
  }

  private lifecycleGauges(): void {
    this.gauge('facegate_http_requests_in_flight', 'HTTP requests being served (this scrape included).', () => this.lifecycle.inFlightCount);
    this.gauge('facegate_draining', '1 while the process is shutting down (readiness answers 503).', () => (this.lifecycle.draining ? 1 : 0));
  }

  private gauge(name: string, help: string, read: () => number): void {
    new Gauge({
      name,
      help,
      registers: [this.metrics.registry],
      collect() {
        this.set(read());
      },
    });
  }
}

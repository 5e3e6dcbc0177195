import { Global, Module } from '@nestjs/common';
import { FACE_ENGINE_OBSERVER, FaceModule } from '@facegate/core';
import { DATABASE_OBSERVER } from '@facegate/database';
import { DatabaseStatusRepository } from '../health/database-status.repository';
import { GalleryStatsRepository } from './gallery-stats.repository';
import { MetricsAccessGuard } from './metrics-access.guard';
import { MetricsController } from './metrics.controller';
import { MetricsRegistry } from './metrics-registry';
import { MetricsService } from './metrics.service';

/** Global: the request observer records into the registry, and the face engine and the database layer report into it. */
@Global()
@Module({
  imports: [FaceModule],
  controllers: [MetricsController],
  providers: [
    MetricsRegistry,
    { provide: FACE_ENGINE_OBSERVER, inject: [MetricsRegistry], useFactory: (metrics: MetricsRegistry) => metrics.engineObserver() },
    { provide: DATABASE_OBSERVER, inject: [MetricsRegistry], useFactory: (metrics: MetricsRegistry) => metrics.databaseObserver() },
    MetricsService,
    GalleryStatsRepository,
    DatabaseStatusRepository,
    MetricsAccessGuard,
  ],
  exports: [MetricsRegistry, FACE_ENGINE_OBSERVER, DATABASE_OBSERVER],
})
export class MetricsModule {}

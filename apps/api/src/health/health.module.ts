import { Module } from '@nestjs/common';
import { HealthController } from './health.controller';
import { DatabaseStatusRepository } from './database-status.repository';
import { HealthService } from './health.service';
import { StatsRepository } from './stats.repository';

@Module({ controllers: [HealthController], providers: [HealthService, StatsRepository, DatabaseStatusRepository] })
export class HealthModule {}

import { Module } from '@nestjs/common';
import { HealthController } from './health.controller';
import { HealthService } from './health.service';
import { StatsRepository } from './stats.repository';

@Module({ controllers: [HealthController], providers: [HealthService, StatsRepository] })
export class HealthModule {}

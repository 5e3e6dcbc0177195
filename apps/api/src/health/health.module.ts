import { Module } from '@nestjs/common';
import { FaceModule } from '../face/face.module';
import { HealthController } from './health.controller';
import { HealthService } from './health.service';
import { StatsRepository } from './stats.repository';

@Module({ imports: [FaceModule], controllers: [HealthController], providers: [HealthService, StatsRepository] })
export class HealthModule {}

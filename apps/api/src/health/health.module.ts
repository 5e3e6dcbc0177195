import { Module } from '@nestjs/common';
import { FaceModule } from '../face/face.module';
import { HealthController } from './health.controller';
import { HealthService } from './health.service';

@Module({ imports: [FaceModule], controllers: [HealthController], providers: [HealthService] })
export class HealthModule {}

import { DynamicModule, Module } from '@nestjs/common';
import { AuthModule } from './auth/auth.module';
import { BodyModule } from './common/body.module';
import { AppConfig, CoreModule } from '@facegate/core';
import { HealthModule } from './health/health.module';
import { RecognitionModule } from './recognition/recognition.module';
import { UsersModule } from './users/users.module';
import { AuditModule } from './audit/audit.module';
import { CollectionsModule } from './collections/collections.module';
import { ApiKeysModule } from './api-keys/api-keys.module';
import { LivenessModule } from './liveness/liveness.module';
import { LifecycleModule } from './lifecycle/lifecycle.module';
import { LoggingModule } from './logging/logging.module';
import { MetricsModule } from './metrics/metrics.module';
import { LockoutsModule } from './lockouts/lockouts.module';
import { MaintenanceModule } from './maintenance/maintenance.module';
import { StreamModule } from './stream/stream.module';

@Module({})
export class AppModule {
  static forRoot(config: AppConfig): DynamicModule {
    return {
      module: AppModule,
      imports: [
        CoreModule.forRoot(config, { faces: true }),
        LifecycleModule,
        MetricsModule,
        LoggingModule,
        AuthModule,
        BodyModule,
        AuditModule,
        CollectionsModule,
        ApiKeysModule,
        UsersModule,
        RecognitionModule,
        LockoutsModule,
        LivenessModule,
        HealthModule,
        MaintenanceModule,
        StreamModule,
      ],
    };
  }
}

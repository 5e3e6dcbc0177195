import { DynamicModule, Global, Module, Provider, Type } from '@nestjs/common';
import { DatabaseModule } from '@facegate/database';
import { ApiKeysAdminService } from './access/api-keys-admin.service';
import { ApiKeysRepository } from './access/api-keys.repository';
import { CollectionAccessService } from './access/collection-access.service';
import { KeyCryptoService } from './access/key-crypto.service';
import { AuditRepository } from './audit/audit.repository';
import { AuditService } from './audit/audit.service';
import { CollectionsRepository } from './collections/collections.repository';
import { CollectionsService } from './collections/collections.service';
import { BackgroundTasks } from './common/background-tasks';
import { Clock } from './common/clock';
import { AppConfig } from './config/app-config';
import { APP_CONFIG, ConfigModule } from './config/config.module';
import { FaceModule } from './face/face.module';
import { LivenessSecretsService } from './liveness/liveness-secrets.service';
import { LivenessSessionsRepository } from './liveness/liveness-sessions.repository';
import { LivenessTokenService } from './liveness/liveness-token.service';
import { LivenessGateService } from './liveness/liveness-gate.service';
import { ChallengeAttemptsService } from './liveness/challenge-attempts.service';
import { LivenessService } from './liveness/liveness.service';
import { AttemptBudgetService } from './lockouts/attempt-budget.service';
import { AttemptsRepository } from './lockouts/attempts.repository';
import { LockoutsRepository } from './lockouts/lockouts.repository';
import { LockoutsService } from './lockouts/lockouts.service';
import { RecognitionService } from './recognition/recognition.service';
import { UsersRepository } from './users/users.repository';
import { UsersService } from './users/users.service';

export interface CoreOptions {
  /**
   * Load the face engine (four models in worker threads, a few seconds) and the services that analyse photos. The
   * command-line tool's key and export commands run without it.
   */
  faces: boolean;
}

/** Services and repositories that never look at a photo. */
const RECORDS: Provider[] = [
  Clock,
  BackgroundTasks,
  AuditRepository,
  AuditService,
  ApiKeysRepository,
  KeyCryptoService,
  ApiKeysAdminService,
  CollectionAccessService,
  CollectionsRepository,
  CollectionsService,
  AttemptsRepository,
  AttemptBudgetService,
  LockoutsRepository,
  UsersRepository,
  LivenessSecretsService,
  LivenessSessionsRepository,
  LivenessTokenService,
  LivenessGateService,
];
/** Services that analyse photos (they need the face engine). */
const FACES: Provider[] = [UsersService, LockoutsService, RecognitionService, ChallengeAttemptsService, LivenessService];

/**
 * The domain both doors share: the validated configuration, the database and every service and repository of people,
 * collections, keys, audit, attempt budgets, liveness and recognition. The API adds HTTP (controllers, guards, DTOs)
 * and its background work on top; the command-line tool adds its commands. Nothing here starts timers.
 */
@Global()
@Module({})
export class CoreModule {
  static forRoot(config: AppConfig, options: CoreOptions = { faces: true }): DynamicModule {
    const providers = options.faces ? [...RECORDS, ...FACES] : RECORDS;
    const imports: Array<DynamicModule | Type> = [
      ConfigModule.forRoot(config),
      DatabaseModule.forRootAsync({
        inject: [APP_CONFIG],
        useFactory: (c: AppConfig) => ({ url: c.databaseUrl, dataDir: c.dataDir, ...c.database }),
      }),
    ];
    if (options.faces) imports.push(FaceModule);
    return { module: CoreModule, imports, providers, exports: [...providers, ...(options.faces ? [FaceModule] : [])] };
  }
}

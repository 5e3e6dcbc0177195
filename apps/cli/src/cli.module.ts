import { DynamicModule, Module, Provider, Type } from '@nestjs/common';
import { DatabaseModule } from '@facegate/database';
import { ApiKeysAdminService } from '../../api/src/api-keys/api-keys-admin.service';
import { AuditRepository } from '../../api/src/audit/audit.repository';
import { AuditService } from '../../api/src/audit/audit.service';
import { ApiKeysRepository } from '../../api/src/auth/api-keys.repository';
import { CollectionAccessService } from '../../api/src/auth/collection-access.service';
import { KeyCryptoService } from '../../api/src/auth/key-crypto.service';
import { CollectionsRepository } from '../../api/src/collections/collections.repository';
import { CollectionsService } from '../../api/src/collections/collections.service';
import { AppConfig } from '../../api/src/config/app-config';
import { APP_CONFIG, ConfigModule } from '../../api/src/config/config.module';
import { FaceModule } from '../../api/src/face/face.module';
import { AttemptBudgetService } from '../../api/src/lockouts/attempt-budget.service';
import { AttemptsRepository } from '../../api/src/lockouts/attempts.repository';
import { Clock } from '../../api/src/common/clock';
import { UsersRepository } from '../../api/src/users/users.repository';
import { UsersService } from '../../api/src/users/users.service';
import { EnrolFolderCommand } from './enrol/enrol-folder.command';
import { KeysCommand } from './keys/keys.command';
import { ExportCommand } from './transfer/export.command';
import { ImportCommand } from './transfer/import.command';
import { TransferRepository } from './transfer/transfer.repository';

/**
 * The app's own services, without HTTP and without the server's background work (index maintenance, audit purge,
 * first-start key generation, rate limits): the tool applies exactly the API's rules and nothing runs behind its back.
 * The face engine (models in worker threads, a few seconds to load) is started only by commands that analyse photos.
 */
@Module({})
export class CliModule {
  static forRoot(config: AppConfig, options: { faces: boolean }): DynamicModule {
    const providers: Provider[] = [
      AuditRepository,
      AuditService,
      ApiKeysRepository,
      KeyCryptoService,
      CollectionAccessService,
      ApiKeysAdminService,
      CollectionsRepository,
      CollectionsService,
      UsersRepository,
      TransferRepository,
      KeysCommand,
      ExportCommand,
      ImportCommand,
    ];
    const imports: Array<DynamicModule | Type> = [
      ConfigModule.forRoot(config),
      DatabaseModule.forRootAsync({
        inject: [APP_CONFIG],
        useFactory: (c: AppConfig) => ({ url: c.databaseUrl, dataDir: c.dataDir, ...c.database }),
      }),
    ];
    if (options.faces) {
      imports.push(FaceModule);
      // UsersService charges additions to a person against the attempt budget (the tool only creates people).
      providers.push(UsersService, AttemptBudgetService, AttemptsRepository, Clock, EnrolFolderCommand);
    }
    return { module: CliModule, imports, providers };
  }
}

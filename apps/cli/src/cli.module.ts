import { DynamicModule, Module, Provider } from '@nestjs/common';
import { AppConfig, CoreModule } from '@facegate/core';
import { EnrolFolderCommand } from './enrol/enrol-folder.command';
import { KeysCommand } from './keys/keys.command';
import { ExportCommand } from './transfer/export.command';
import { ImportCommand } from './transfer/import.command';
import { TransferRepository } from './transfer/transfer.repository';

/**
 * The domain's own services (the core module, as the API uses them) plus the tool's commands, without HTTP and
 * without the server's background work (index maintenance, audit purge, first-start key generation, rate limits):
 * the tool applies exactly the API's rules and nothing runs behind its back. The face engine (models in worker
 * threads, a few seconds to load) is started only by commands that analyse photos.
 */
@Module({})
export class CliModule {
  static forRoot(config: AppConfig, options: { faces: boolean }): DynamicModule {
    const providers: Provider[] = [TransferRepository, KeysCommand, ExportCommand, ImportCommand];
    if (options.faces) providers.push(EnrolFolderCommand);
    return { module: CliModule, imports: [CoreModule.forRoot(config, { faces: options.faces })], providers };
  }
}

import { Module } from '@nestjs/common';
import { ApiKeysAdminService } from './api-keys-admin.service';
import { ApiKeysController } from './api-keys.controller';

@Module({ controllers: [ApiKeysController], providers: [ApiKeysAdminService] })
export class ApiKeysModule {}

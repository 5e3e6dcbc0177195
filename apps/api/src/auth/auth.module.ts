import { Module } from '@nestjs/common';
import { APP_GUARD } from '@nestjs/core';
import { ApiKeyGuard } from './api-key.guard';
import { ApiKeysRepository } from './api-keys.repository';
import { ApiKeysService } from './api-keys.service';
import { KeyCryptoService } from './key-crypto.service';

@Module({
  providers: [ApiKeysRepository, ApiKeysService, KeyCryptoService, { provide: APP_GUARD, useClass: ApiKeyGuard }],
  exports: [ApiKeysService, KeyCryptoService],
})
export class AuthModule {}

import { Global, Module } from '@nestjs/common';
import { APP_GUARD } from '@nestjs/core';
import { ApiKeyGuard } from './api-key.guard';
import { ApiKeysRepository } from './api-keys.repository';
import { ApiKeysService } from './api-keys.service';
import { KeyCryptoService } from './key-crypto.service';
import { CollectionAccessService } from './collection-access.service';
import { RateLimitGuard } from '../throttling/rate-limit.guard';
import { RateLimitModule } from '../throttling/throttling.module';

/**
 * Global: every module needs the caller's collection access. The guards run on every route in this order: the
 * API-key guard authenticates and checks the scope, then the rate limit counts against that key.
 */
@Global()
@Module({
  imports: [RateLimitModule],
  providers: [
    ApiKeysRepository,
    ApiKeysService,
    KeyCryptoService,
    CollectionAccessService,
    { provide: APP_GUARD, useClass: ApiKeyGuard },
    { provide: APP_GUARD, useClass: RateLimitGuard },
  ],
  exports: [ApiKeysService, ApiKeysRepository, KeyCryptoService, CollectionAccessService],
})
export class AuthModule {}

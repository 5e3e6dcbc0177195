import { Global, Module } from '@nestjs/common';
import { APP_GUARD } from '@nestjs/core';
import { ApiKeyGuard } from './api-key.guard';
import { ApiKeysService } from './api-keys.service';
import { RateLimitGuard } from '../rate-limits/rate-limit.guard';
import { RateLimitModule } from '../rate-limits/rate-limit.module';

/**
 * Authentication at the HTTP door. The guards run on every route in this order: the API-key guard authenticates and
 * checks the scope, then the rate limit counts against that key.
 */
@Global()
@Module({
  imports: [RateLimitModule],
  providers: [ApiKeysService, { provide: APP_GUARD, useClass: ApiKeyGuard }, { provide: APP_GUARD, useClass: RateLimitGuard }],
  exports: [ApiKeysService],
})
export class AuthModule {}

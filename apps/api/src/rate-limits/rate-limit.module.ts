import { Module } from '@nestjs/common';
import { ThrottlerModule, ThrottlerStorage, ThrottlerStorageService } from '@nestjs/throttler';
import { APP_CONFIG, AppConfig } from '@facegate/core';
import { RATE_LIMIT_STORAGE, RateLimitBudget } from './rate-limit-budget';
import { RedisThrottlerStorage } from './redis-throttler.storage';

/**
 * Rate-limit counters: in Redis when REDIS_URL is set (every instance then shares one budget per key), else in this
 * process's memory. A provider, so Nest closes the Redis connection on shutdown. RateLimitBudget spends the same
 * budgets outside HTTP (the stream).
 */
@Module({
  providers: [
    RateLimitBudget,
    {
      provide: RATE_LIMIT_STORAGE,
      inject: [APP_CONFIG],
      useFactory: (config: AppConfig): ThrottlerStorage => (config.redisUrl ? new RedisThrottlerStorage(config.redisUrl) : new ThrottlerStorageService()),
    },
  ],
  exports: [RATE_LIMIT_STORAGE, RateLimitBudget],
})
export class RateLimitStorageModule {}

export const RateLimitModule = ThrottlerModule.forRootAsync({
  imports: [RateLimitStorageModule],
  inject: [APP_CONFIG, RATE_LIMIT_STORAGE],
  useFactory: (config: AppConfig, storage: ThrottlerStorage) => {
    const ttl = config.rateLimits.windowSeconds * 1000;
    const { enrol, recognize, read, admin } = config.rateLimits;
    return {
      storage,
      throttlers: [
        { name: 'enrol', ttl, limit: enrol },
        { name: 'recognize', ttl, limit: recognize },
        { name: 'read', ttl, limit: read },
        { name: 'admin', ttl, limit: admin },
      ],
    };
  },
});

import { Inject, Injectable } from '@nestjs/common';
import type { ThrottlerStorage } from '@nestjs/throttler';
import { DomainError } from '@facegate/common';
import { APP_CONFIG, type AppConfig, type Scope } from '@facegate/core';

export const RATE_LIMIT_STORAGE = Symbol('RATE_LIMIT_STORAGE');

/**
 * The storage key of one budget: per route class and caller, never per route, so /recognize, /verify, /detect and
 * stream frames of one key draw on one `recognize` budget (a per-route key would multiply the limit by the routes).
 */
export function budgetKey(routeClass: string, tracker: string): string {
  return `facegate:${routeClass}:${tracker}`;
}

/** Whose budget a request spends: its API key's (an unauthenticated request's is its address's, in the guard). */
export function keyTracker(keyId: string): string {
  return `key:${keyId}`;
}

/**
 * Rate-limit budgets for callers outside HTTP's guard (the WebSocket stream): the same storage (Redis when
 * configured), keys, windows and limits as RateLimitGuard, so a stream frame costs what one HTTP request costs.
 */
@Injectable()
export class RateLimitBudget {
  constructor(
    @Inject(RATE_LIMIT_STORAGE) private readonly storage: ThrottlerStorage,
    @Inject(APP_CONFIG) private readonly config: AppConfig,
  ) {}

  /** Spends one unit of `keyId`'s budget in `routeClass`; RATE_LIMITED (with retryAfterSeconds) when it is spent. */
  async spend(routeClass: Scope, keyId: string): Promise<void> {
    const limit = this.config.rateLimits[routeClass];
    const ttl = this.config.rateLimits.windowSeconds * 1000;
    let record: Awaited<ReturnType<ThrottlerStorage['increment']>>;
    try {
      record = await this.storage.increment(budgetKey(routeClass, keyTracker(keyId)), ttl, limit, ttl, routeClass);
    } catch {
      // The shared counter store is down: refuse (fail closed), as the HTTP guard does.
      throw new DomainError('NOT_READY', 'The rate-limit store is unavailable; retry shortly.');
    }
    if (!record.isBlocked) return;
    throw rateLimited(limit, ttl, record.timeToBlockExpire);
  }
}

/** The RATE_LIMITED error both doors answer with (Retry-After is at least 1 s). */
export function rateLimited(limit: number, ttlMs: number, secondsToExpire: number): DomainError {
  const retryAfter = Math.max(1, Math.ceil(secondsToExpire));
  return new DomainError('RATE_LIMITED', `Rate limit of ${limit} requests per ${Math.round(ttlMs / 1000)} s reached; retry after ${retryAfter} s.`, {
    retryAfterSeconds: retryAfter,
  });
}

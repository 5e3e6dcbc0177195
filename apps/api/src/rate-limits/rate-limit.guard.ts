import { ExecutionContext, Injectable } from '@nestjs/common';
import { ThrottlerGuard, ThrottlerLimitDetail } from '@nestjs/throttler';
import type { ThrottlerRequest } from '@nestjs/throttler';
import type { Response } from 'express';
import { DomainError } from '@facegate/common';
import { ACCESS } from '../auth/access.decorator';
import type { Scope } from '@facegate/core';
import { AuthenticatedRequest } from '../auth/caller.decorator';
import { IS_PUBLIC } from '../auth/public.decorator';
import { budgetKey, keyTracker, rateLimited } from './rate-limit-budget';

/**
 * One budget per API key and route class: each named throttler (enrol, recognize, read, admin) applies only to the
 * routes of its class, and all of them share it (not one budget per route). Runs after the API-key guard, so it
 * counts per key, not per address (clients behind one NAT would otherwise share a budget).
 */
@Injectable()
export class RateLimitGuard extends ThrottlerGuard {
  protected override async handleRequest(props: ThrottlerRequest): Promise<boolean> {
    const targets = [props.context.getHandler(), props.context.getClass()];
    if (this.reflector.getAllAndOverride<boolean>(IS_PUBLIC, targets)) return true;
    const routeClass = this.reflector.getAllAndOverride<Scope | undefined>(ACCESS, targets) ?? 'admin';
    if (props.throttler.name !== routeClass) return true;
    try {
      return await super.handleRequest(props);
    } catch (error) {
      if (error instanceof DomainError) throw error;
      // The shared counter store is down: refuse (fail closed) but say so, rather than answer a bare 500.
      throw new DomainError('NOT_READY', 'The rate-limit store is unavailable; retry shortly.');
    }
  }

  protected override getTracker(req: AuthenticatedRequest): Promise<string> {
    return Promise.resolve(req.caller ? keyTracker(req.caller.keyId) : `ip:${req.ip}`);
  }

  /** One budget per class and caller, shared by every route of the class and by the stream (RateLimitBudget). */
  protected override generateKey(_context: ExecutionContext, tracker: string, throttlerName: string): string {
    return budgetKey(throttlerName, tracker);
  }

  // eslint-disable-next-line @typescript-eslint/require-await -- the base class's signature is async; this one only throws
  protected override async throwThrottlingException(context: ExecutionContext, detail: ThrottlerLimitDetail): Promise<void> {
    const retryAfter = Math.max(1, Math.ceil(detail.timeToBlockExpire));
    context.switchToHttp().getResponse<Response>().setHeader('Retry-After', String(retryAfter));
    throw rateLimited(detail.limit, detail.ttl, retryAfter);
  }
}

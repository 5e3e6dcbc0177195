import { CanActivate, ExecutionContext, Inject, Injectable } from '@nestjs/common';
import { createHash, timingSafeEqual } from 'node:crypto';
import { DomainError } from '@facegate/common';
import { ApiKeysService } from '../auth/api-keys.service';
import { APP_CONFIG, AppConfig, hasScope } from '@facegate/core';
import { AuthenticatedRequest } from '../auth/caller.decorator';

const MAX_CREDENTIAL_LENGTH = 256;

/**
 * /metrics shows gallery sizes per collection name, which tells one tenant about the others. So it takes either the
 * scraper's bearer token (FACEGATE_METRICS_TOKEN: Prometheus' `authorization` setting, no API key in its config) or
 * an admin API key bound to no collection. Disabled (FACEGATE_METRICS=false), the route answers 404 like any other
 * unknown path.
 */
@Injectable()
export class MetricsAccessGuard implements CanActivate {
  constructor(
    private readonly keys: ApiKeysService,
    @Inject(APP_CONFIG) private readonly config: AppConfig,
  ) {}

  async canActivate(context: ExecutionContext): Promise<boolean> {
    const request = context.switchToHttp().getRequest<AuthenticatedRequest>();
    if (!this.config.metrics.enabled) throw new DomainError('NOT_FOUND', `No route ${request.method} ${request.path}.`);
    const bearer = bearerToken(request.header('Authorization'));
    if (bearer !== undefined) {
      if (this.config.metrics.token && sameSecret(bearer, this.config.metrics.token)) return true;
      throw new DomainError('UNAUTHORIZED', 'The bearer token is not the metrics token.');
    }
    return this.adminKey(request);
  }

  private async adminKey(request: AuthenticatedRequest): Promise<boolean> {
    const caller = (request.caller = await this.keys.callerOf(request));
    if (!hasScope(caller, 'admin')) throw new DomainError('FORBIDDEN', 'This API key lacks the "admin" scope.', { scope: 'admin' });
    if (caller.collections.length > 0) {
      throw new DomainError('FORBIDDEN', 'Metrics cover every collection; use an admin key bound to no collection.', { scope: 'admin' });
    }
    return true;
  }
}

function bearerToken(header: string | undefined): string | undefined {
  const match = header && header.length <= MAX_CREDENTIAL_LENGTH + 10 ? /^Bearer\s+(\S+)\s*$/i.exec(header) : null;
  return match ? match[1] : undefined;
}

/** Constant-time comparison of two secrets of any lengths (hashing first evens the lengths out). */
function sameSecret(a: string, b: string): boolean {
  const digest = (s: string) => createHash('sha256').update(s).digest();
  return timingSafeEqual(digest(a), digest(b));
}

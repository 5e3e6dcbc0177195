import { CanActivate, ExecutionContext, Injectable } from '@nestjs/common';
import { Reflector } from '@nestjs/core';
import { DomainError } from '@facegate/common';
import { ACCESS, ANY_KEY } from './access.decorator';
import type { Scope } from '@facegate/core';
import { ApiKeysService } from './api-keys.service';
import { hasScope } from '@facegate/core';
import { AuthenticatedRequest } from './caller.decorator';
import { IS_PUBLIC } from './public.decorator';

/** Every route needs a valid X-API-Key with the route's scope, unless marked @Public(). */
@Injectable()
export class ApiKeyGuard implements CanActivate {
  constructor(
    private readonly reflector: Reflector,
    private readonly keys: ApiKeysService,
  ) {}

  async canActivate(context: ExecutionContext): Promise<boolean> {
    const targets = [context.getHandler(), context.getClass()];
    if (this.reflector.getAllAndOverride<boolean>(IS_PUBLIC, targets)) return true;
    const request = context.switchToHttp().getRequest<AuthenticatedRequest>();
    request.caller = await this.keys.callerOf(request);
    if (this.reflector.getAllAndOverride<boolean>(ANY_KEY, targets)) return true;
    const scope = this.reflector.getAllAndOverride<Scope | undefined>(ACCESS, targets);
    // A route without a declared scope is an admin route: new routes are closed until someone decides otherwise.
    if (!hasScope(request.caller, scope ?? 'admin')) {
      throw new DomainError('FORBIDDEN', `This API key lacks the "${scope ?? 'admin'}" scope.`, { scope: scope ?? 'admin' });
    }
    return true;
  }
}

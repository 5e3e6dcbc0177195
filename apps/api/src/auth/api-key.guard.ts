import { CanActivate, ExecutionContext, Injectable } from '@nestjs/common';
import { Reflector } from '@nestjs/core';
import { DomainError } from '@facegate/common';
import { ACCESS, ANY_KEY, Scope } from './access.decorator';
import { ApiKeysService } from './api-keys.service';
import { AuthenticatedRequest, callerFrom, hasScope } from './caller-context';
import { IS_PUBLIC } from './public.decorator';

const MAX_KEY_LENGTH = 256;

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
    const presented = request.header('X-API-Key');
    if (!presented || presented.length > MAX_KEY_LENGTH) throw new DomainError('UNAUTHORIZED', 'Send a valid API key in the X-API-Key header.');
    const key = await this.keys.authenticate(presented);
    if (!key) throw new DomainError('UNAUTHORIZED', 'The API key is not valid or has been revoked.');
    request.caller = callerFrom(request, key);
    if (this.reflector.getAllAndOverride<boolean>(ANY_KEY, targets)) return true;
    const scope = this.reflector.getAllAndOverride<Scope | undefined>(ACCESS, targets);
    // A route without a declared scope is an admin route: new routes are closed until someone decides otherwise.
    if (!hasScope(request.caller, scope ?? 'admin')) {
      throw new DomainError('FORBIDDEN', `This API key lacks the "${scope ?? 'admin'}" scope.`, { scope: scope ?? 'admin' });
    }
    return true;
  }
}

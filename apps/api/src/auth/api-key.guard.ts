import { CanActivate, ExecutionContext, Injectable } from '@nestjs/common';
import { Reflector } from '@nestjs/core';
import type { Request } from 'express';
import { DomainError } from '@facegate/common';
import { ApiKeysService } from './api-keys.service';
import { IS_PUBLIC } from './public.decorator';

const MAX_KEY_LENGTH = 256;

/** Every route needs a valid X-API-Key unless marked @Public(). */
@Injectable()
export class ApiKeyGuard implements CanActivate {
  constructor(
    private readonly reflector: Reflector,
    private readonly keys: ApiKeysService,
  ) {}

  async canActivate(context: ExecutionContext): Promise<boolean> {
    if (this.reflector.getAllAndOverride<boolean>(IS_PUBLIC, [context.getHandler(), context.getClass()])) return true;
    const request = context.switchToHttp().getRequest<Request & { apiKey?: unknown }>();
    const presented = request.header('X-API-Key');
    if (!presented || presented.length > MAX_KEY_LENGTH) throw new DomainError('UNAUTHORIZED', 'Send a valid API key in the X-API-Key header.');
    const key = await this.keys.authenticate(presented);
    if (!key) throw new DomainError('UNAUTHORIZED', 'The API key is not valid or has been revoked.');
    request.apiKey = key;
    return true;
  }
}

import { createParamDecorator, ExecutionContext } from '@nestjs/common';
import type { Request } from 'express';
import { callerForKey, CallerContext } from '@facegate/core';
import { requestIdOf } from '../common/request-id.middleware';

export type AuthenticatedRequest = Request & { caller?: CallerContext };

/** Injects the CallerContext the API-key guard attached to the request. */
export const Caller = createParamDecorator((_data: unknown, context: ExecutionContext): CallerContext => {
  const request = context.switchToHttp().getRequest<AuthenticatedRequest>();
  if (!request.caller) throw new Error('Caller used on a route without API-key authentication');
  return request.caller;
});

export function callerFrom(request: Request, key: { id: string; scopes: string[]; collections: string[]; collectionIds: string[] }): CallerContext {
  return callerForKey(key, { clientIp: request.ip ?? request.socket.remoteAddress ?? 'unknown', requestId: requestIdOf(request) ?? 'none' });
}

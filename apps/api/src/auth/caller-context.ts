import { createParamDecorator, ExecutionContext } from '@nestjs/common';
import type { Request } from 'express';
import { requestIdOf } from '../common/request-id.middleware';
import type { Scope } from './access.decorator';

/**
 * Whoever acts, as the services shared by the API and the command-line tool see it. The tool holds the database
 * itself and presents no key, so its keyId is null (audit_log.key_id is nullable for it).
 */
export interface Actor {
  keyId: string | null;
  scopes: Scope[];
  /** Collections the key is bound to; empty = every collection. */
  collections: string[];
  clientIp: string;
  requestId: string;
}

/** Who is calling over HTTP: always an API key (its identity and limits), plus what the audit log records. */
export interface CallerContext extends Actor {
  keyId: string;
}

export type AuthenticatedRequest = Request & { caller?: CallerContext };

/** Injects the CallerContext the API-key guard attached to the request. */
export const Caller = createParamDecorator((_data: unknown, context: ExecutionContext): CallerContext => {
  const request = context.switchToHttp().getRequest<AuthenticatedRequest>();
  if (!request.caller) throw new Error('Caller used on a route without API-key authentication');
  return request.caller;
});

export function callerFrom(request: Request, key: { id: string; scopes: string[]; collections: string[] }): CallerContext {
  return {
    keyId: key.id,
    scopes: key.scopes as Scope[],
    collections: key.collections,
    clientIp: request.ip ?? request.socket.remoteAddress ?? 'unknown',
    requestId: requestIdOf(request) ?? 'none',
  };
}

export function hasScope(caller: Pick<CallerContext, 'scopes'>, scope: Scope): boolean {
  return caller.scopes.includes('admin') || caller.scopes.includes(scope);
}

/**
 * Whether the caller may see and manage a key bound to `keyCollections`: an unbound admin every key, a bound one only
 * keys confined to its own collections (never an unbound key, nor another tenant's).
 */
export function mayManageKey(caller: Pick<Actor, 'collections'>, keyCollections: string[]): boolean {
  if (caller.collections.length === 0) return true;
  return keyCollections.length > 0 && keyCollections.every((c) => caller.collections.includes(c));
}

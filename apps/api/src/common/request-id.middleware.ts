import { randomUUID } from 'node:crypto';
import type { NextFunction, Request, Response } from 'express';

const HEADER = 'X-Request-Id';
const SAFE_ID = /^[A-Za-z0-9._:-]{1,64}$/;

/** Every response carries a request id: the caller's own when it is sane, else a fresh UUID. */
export function requestIdMiddleware(request: Request, response: Response, next: NextFunction): void {
  const incoming = request.header(HEADER);
  const id = incoming && SAFE_ID.test(incoming) ? incoming : randomUUID();
  (request as Request & { requestId?: string }).requestId = id;
  response.setHeader(HEADER, id);
  next();
}

export function requestIdOf(request: Request): string | undefined {
  return (request as Request & { requestId?: string }).requestId;
}

import type { NextFunction, Request, Response } from 'express';
import { hasBody } from './body-limits';

/**
 * Answers given before the request's body was read (no or a wrong API key, a rate limit, a body over its limit, a
 * refused content type...) carry `Connection: close`: Node then closes the connection once the answer is written,
 * instead of reading the rest of the body to reach the next request, so a client cannot keep streaming into us.
 * First middleware, so that it sees every answer, static files and 404s included.
 */
export function closeWhenBodyUnread(request: Request, response: Response, next: NextFunction): void {
  const writeHead = response.writeHead;
  response.writeHead = function (this: Response, ...args: unknown[]) {
    if (hasBody(request) && !request.complete && !this.headersSent) this.setHeader('Connection', 'close');
    return (writeHead as (...a: unknown[]) => Response).apply(this, args);
  } as Response['writeHead'];
  next();
}

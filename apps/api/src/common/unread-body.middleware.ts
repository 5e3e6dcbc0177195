import type { Socket } from 'node:net';
import type { NextFunction, Request, Response } from 'express';
import { hasBody } from './body-limits';

/** How long a connection closed with its body unread stays half-closed before it is closed for good. */
const LINGER_MS = 2000;

/**
 * Answers given before the request's body was read in full (no or a wrong API key, a rate limit, a body over its limit,
 * a refused content type...) carry `Connection: close`, so Node closes the connection after the answer instead of
 * reading the rest of the body to reach the next request: a client cannot keep streaming into us. First middleware,
 * so that it sees every answer, static files and 404s included.
 */
export function closeWhenBodyUnread(request: Request, response: Response, next: NextFunction): void {
  // eslint-disable-next-line @typescript-eslint/unbound-method -- called below with the response as `this`
  const writeHead = response.writeHead;
  response.writeHead = function (this: Response, ...args: unknown[]) {
    if (hasBody(request) && !request.complete && !this.headersSent) {
      this.setHeader('Connection', 'close');
      lingerBeforeClosing(request.socket);
    }
    return (writeHead as (...a: unknown[]) => Response).apply(this, args);
  } as Response['writeHead'];
  next();
}

/**
 * Closing a socket that still holds unread bytes sends a TCP reset, and a client busy writing its body may lose our
 * answer in it before reading it (one in twelve did in body.bench). So, as RFC 9112 section 9.6 advises, Node's close
 * after the answer becomes a half-close, and the socket is closed for good LINGER_MS later. Meanwhile nothing is read:
 * Node resumes an unread request to drain it, which would take in the client's whole body; every resume is undone.
 */
function lingerBeforeClosing(socket: Socket): void {
  socket.destroySoon = function lingeringDestroySoon(this: Socket) {
    this.end();
    this.pause();
    this.on('resume', () => this.pause());
    const timer = setTimeout(() => this.destroy(), LINGER_MS).unref();
    this.once('close', () => clearTimeout(timer));
  };
}

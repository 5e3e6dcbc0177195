import type { Server } from 'node:http';
import type { Request, Response } from 'express';
import { DomainError } from '@facegate/common';

/** Whether a request carries a body at all (the test body-parser and type-is use). */
export function hasBody(request: Request): boolean {
  return request.headers['transfer-encoding'] !== undefined || request.headers['content-length'] !== undefined;
}

export function payloadTooLarge(limitBytes: number): DomainError {
  return new DomainError('PAYLOAD_TOO_LARGE', `The request body exceeds ${limitBytes} bytes.`);
}

/** A declared Content-Length over the limit is refused before a byte of the body is read. */
export function assertDeclaredLength(request: Request, limitBytes: number): void {
  if (Number(request.headers['content-length'] ?? 0) > limitBytes) throw payloadTooLarge(limitBytes);
}

/**
 * Called by a body reader when it starts reading: a client that asked `Expect: 100-continue` (curl does above 1 MiB)
 * is told to send its body only now, after the guards accepted the request (see deferContinue).
 */
export function continueIfExpected(request: Request, response: Response): void {
  if (request.headers.expect?.toLowerCase() === '100-continue' && !response.headersSent) response.writeContinue();
}

/**
 * Node answers `Expect: 100-continue` at once by default, inviting the body before anyone has checked the API key.
 * With a checkContinue listener it does not: the request is handled as any other, and a refusal answered without the
 * 100 makes Node close the connection, so the client never sends the body.
 */
export function deferContinue(server: Server): void {
  server.on('checkContinue', (request, response) => server.emit('request', request, response));
}

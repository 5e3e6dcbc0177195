import type { NextFunction, Request, RequestHandler, Response } from 'express';
import { json } from 'express';
import { DomainError, ErrorCode } from '@facegate/common';
import { assertSaneInput } from './input-shape';
import { buildProblem, PROBLEM_CONTENT_TYPE, problemFor } from './problem-details';
import { requestIdOf } from './request-id.middleware';

/**
 * JSON body parsing whose failures are answered as problem+json, followed by the input-shape check (NUL characters,
 * nesting depth) of the parsed body and of the query string, for every request. Both happen before Nest's router, so
 * a global filter would never see their errors: they answer here.
 */
export function jsonBodyParser(limitBytes: number): RequestHandler {
  const parser = json({ limit: limitBytes, strict: true, type: ['application/json', 'application/*+json'] });
  return (request: Request, response: Response, next: NextFunction) => {
    parser(request, response, (error?: unknown) => {
      if (error) {
        const { code, detail } = describeBodyError(error, limitBytes);
        return sendProblem(response, buildProblem(code, detail, {}, requestIdOf(request)));
      }
      try {
        assertSaneInput(request.body, 'request body');
        assertSaneInput(request.query, 'query string');
      } catch (invalid) {
        if (invalid instanceof DomainError) return sendProblem(response, problemFor(invalid, requestIdOf(request)));
        throw invalid;
      }
      next();
    });
  };
}

function sendProblem(response: Response, problem: { status: number }): void {
  response.status(problem.status).type(PROBLEM_CONTENT_TYPE).send(JSON.stringify(problem));
}

function describeBodyError(error: unknown, limitBytes: number): { code: ErrorCode; detail: string } {
  const type = (error as { type?: string }).type;
  switch (type) {
    case 'entity.too.large':
      return { code: 'PAYLOAD_TOO_LARGE', detail: `The request body exceeds ${limitBytes} bytes.` };
    case 'encoding.unsupported':
    case 'charset.unsupported':
      return { code: 'UNSUPPORTED_MEDIA_TYPE', detail: 'The body encoding is not supported; send UTF-8 JSON.' };
    default:
      return { code: 'VALIDATION_FAILED', detail: 'The request body is not valid JSON.' };
  }
}

import type { NextFunction, Request, RequestHandler, Response } from 'express';
import { json } from 'express';
import { ErrorCode } from '@facegate/common';
import { buildProblem, PROBLEM_CONTENT_TYPE } from './problem-details';
import { requestIdOf } from './request-id.middleware';

/**
 * JSON body parsing whose failures are answered as problem+json. Express body-parser errors happen before Nest's
 * router, so a global filter would never see them.
 */
export function jsonBodyParser(limitBytes: number): RequestHandler {
  const parser = json({ limit: limitBytes, strict: true, type: ['application/json', 'application/*+json'] });
  return (request: Request, response: Response, next: NextFunction) => {
    parser(request, response, (error?: unknown) => {
      if (!error) return next();
      const { code, detail } = describeBodyError(error, limitBytes);
      const problem = buildProblem(code, detail, {}, requestIdOf(request));
      response.status(problem.status).type(PROBLEM_CONTENT_TYPE).send(JSON.stringify(problem));
    });
  };
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

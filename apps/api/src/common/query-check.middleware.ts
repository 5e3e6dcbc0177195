import type { NextFunction, Request, Response } from 'express';
import { assertSaneInput, DomainError } from '@facegate/common';
import { problemFor, sendProblem } from './problem-details';
import { requestIdOf } from './request-id.middleware';

/**
 * The query string's input-shape check (NUL characters), for every request. It runs before Nest's router, where a
 * global filter would never see its error, so it answers here. Bodies are checked where they are read, after the
 * guards (body-reader.interceptor.ts, multipart-images.interceptor.ts).
 */
export function queryCheck(request: Request, response: Response, next: NextFunction): void {
  try {
    assertSaneInput(request.query, 'query string');
  } catch (invalid) {
    if (!(invalid instanceof DomainError)) throw invalid;
    const problem = problemFor(invalid, requestIdOf(request));
    sendProblem(response, problem);
    return;
  }
  next();
}

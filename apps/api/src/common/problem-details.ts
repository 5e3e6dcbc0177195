import type { Response } from 'express';
import { DomainError, ERROR_STATUS, ERROR_TITLES, ErrorCode, ErrorDetails } from '@facegate/common';

/** RFC 9457 problem details, with our stable `code` and optional details (e.g. which photo failed). */
export interface ProblemDetails {
  type: string;
  title: string;
  status: number;
  detail: string;
  code: ErrorCode;
  instance?: string;
  requestId?: string;
  [extra: string]: unknown;
}

export const PROBLEM_CONTENT_TYPE = 'application/problem+json';

export function problemFor(error: DomainError, requestId?: string): ProblemDetails {
  return buildProblem(error.code, error.message, error.details, requestId);
}

export function buildProblem(code: ErrorCode, detail: string, details: ErrorDetails = {}, requestId?: string): ProblemDetails {
  // Details come first so that none of them can overwrite the RFC 9457 members or the code.
  return {
    ...details,
    type: `https://facegate.dev/problems/${code.toLowerCase().replace(/_/g, '-')}`,
    title: ERROR_TITLES[code],
    status: ERROR_STATUS[code],
    detail,
    code,
    ...(requestId ? { requestId } : {}),
  };
}

/** Answers with a problem: its status, the problem+json type, and the problem as the body. */
export function sendProblem(response: Response, problem: ProblemDetails): void {
  response.status(problem.status).type(PROBLEM_CONTENT_TYPE).send(JSON.stringify(problem));
}

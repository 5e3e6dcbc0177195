import { ErrorCode } from '@facegate/common';
import { problemResponse, problemsByStatus } from '../common/api-problems.decorator';
import { PROBLEM_CONTENT_TYPE } from '../common/problem-details';

export interface LooseOperation {
  security: Array<Record<string, string[]>>;
  requestBody?: unknown;
  responses: Record<string, { description?: string; content?: Record<string, { examples?: Record<string, unknown> }> }>;
}

/** The code an error response without examples stands for (a scope check's 403, readiness's 503). */
const CODE_OF_STATUS: Record<string, ErrorCode> = {
  '400': 'VALIDATION_FAILED',
  '401': 'UNAUTHORIZED',
  '403': 'FORBIDDEN',
  '429': 'RATE_LIMITED',
  '503': 'NOT_READY',
};

/**
 * Every error a route can answer, with the Problem schema: the codes its decorators name, plus those every route of
 * its kind can meet. Any request can fail the query check (400); a route behind a key can meet a missing or bad key
 * (401), a scope it lacks (403) and its rate limit (429); a route with a body, a body too large (413) or of another
 * type (415); a route that runs the face engine, an engine busy, slow or failing (503).
 */
export function documentProblems(operation: LooseOperation): void {
  const codes = new Set<ErrorCode>(['VALIDATION_FAILED']);
  for (const [status, response] of Object.entries(operation.responses)) {
    if (Number(status) < 400) continue;
    const examples = Object.keys(response.content?.[PROBLEM_CONTENT_TYPE]?.examples ?? {}) as ErrorCode[];
    if (examples.length > 0) examples.forEach((c) => codes.add(c));
    else if (CODE_OF_STATUS[status]) codes.add(CODE_OF_STATUS[status]);
    delete operation.responses[status];
  }
  if (operation.security.length > 0) ['UNAUTHORIZED', 'FORBIDDEN', 'RATE_LIMITED'].forEach((c) => codes.add(c as ErrorCode));
  if (operation.requestBody) ['PAYLOAD_TOO_LARGE', 'UNSUPPORTED_MEDIA_TYPE'].forEach((c) => codes.add(c as ErrorCode));
  if (codes.has('NO_FACE')) ['ENGINE_BUSY', 'ENGINE_TIMEOUT', 'ENGINE_FAILURE'].forEach((c) => codes.add(c as ErrorCode));
  for (const [status, list] of problemsByStatus([...codes]).entries()) operation.responses[String(status)] = problemResponse(list);
}

import { applyDecorators } from '@nestjs/common';
import { ApiResponse, getSchemaPath } from '@nestjs/swagger';
import { ERROR_STATUS, ERROR_TITLES, ErrorCode } from '@facegate/common';
import { ProblemDto } from '../openapi/problem.dto';
import { buildProblem, PROBLEM_CONTENT_TYPE } from './problem-details';

/** Documents the problem+json errors a route can answer, grouped by status, with one example per code. */
export function ApiProblems(...codes: ErrorCode[]): MethodDecorator & ClassDecorator {
  return applyDecorators(...[...problemsByStatus(codes).entries()].map(([status, list]) => ApiResponse({ status, ...problemResponse(list) })));
}

export function problemsByStatus(codes: ErrorCode[]): Map<number, ErrorCode[]> {
  const byStatus = new Map<number, ErrorCode[]>();
  for (const code of codes) byStatus.set(ERROR_STATUS[code], [...new Set([...(byStatus.get(ERROR_STATUS[code]) ?? []), code])]);
  return byStatus;
}

/** The response object of one status: its codes listed, the Problem schema, one example per code. */
export function problemResponse(codes: ErrorCode[]) {
  return {
    description: codes.map((c) => `\`${c}\`: ${ERROR_TITLES[c]}`).join('; '),
    content: {
      [PROBLEM_CONTENT_TYPE]: {
        schema: { $ref: getSchemaPath(ProblemDto) },
        examples: Object.fromEntries(codes.map((c) => [c, { value: buildProblem(c, ERROR_TITLES[c] + '.') }])),
      },
    },
  };
}

export const IMAGE_PROBLEMS: ErrorCode[] = ['INVALID_IMAGE', 'UNSUPPORTED_FORMAT', 'IMAGE_TOO_LARGE', 'PAYLOAD_TOO_LARGE', 'NO_FACE', 'FACE_TOO_SMALL'];
/** What a sign-in probe's liveness token can fail with (/verify, /recognize). */
export const LIVENESS_TOKEN_PROBLEMS: ErrorCode[] = [
  'LIVENESS_REQUIRED',
  'LIVENESS_TOKEN_INVALID',
  'LIVENESS_FACE_MISMATCH',
  'LIVENESS_TOKEN_USED',
  'LIVENESS_TOKEN_EXPIRED',
];

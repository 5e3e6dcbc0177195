import { applyDecorators } from '@nestjs/common';
import { ApiResponse } from '@nestjs/swagger';
import { ERROR_STATUS, ERROR_TITLES, ErrorCode } from '@facegate/common';
import { buildProblem } from './problem-details';

/** Documents the problem+json errors a route can answer, grouped by status, with one example per code. */
export function ApiProblems(...codes: ErrorCode[]): MethodDecorator & ClassDecorator {
  const byStatus = new Map<number, ErrorCode[]>();
  for (const code of codes) byStatus.set(ERROR_STATUS[code], [...(byStatus.get(ERROR_STATUS[code]) ?? []), code]);
  return applyDecorators(
    ...[...byStatus.entries()].map(([status, list]) =>
      ApiResponse({
        status,
        description: list.map((c) => `\`${c}\`: ${ERROR_TITLES[c]}`).join('; '),
        content: {
          'application/problem+json': {
            examples: Object.fromEntries(list.map((c) => [c, { value: buildProblem(c, ERROR_TITLES[c] + '.') }])),
          },
        },
      }),
    ),
  );
}

export const IMAGE_PROBLEMS: ErrorCode[] = ['INVALID_IMAGE', 'UNSUPPORTED_FORMAT', 'IMAGE_TOO_LARGE', 'PAYLOAD_TOO_LARGE', 'NO_FACE', 'FACE_TOO_SMALL'];
export const COMMON_PROBLEMS: ErrorCode[] = ['VALIDATION_FAILED', 'UNAUTHORIZED', 'RATE_LIMITED'];

import { DomainError } from '@facegate/common';

/** Settles a promise into 'resolved' or the DomainError code it rejected with, so tests can compare codes. */
export async function codeOf(p: Promise<unknown>): Promise<string> {
  try {
    await p;
    return 'resolved';
  } catch (error) {
    return error instanceof DomainError ? error.code : `not coded: ${String(error)}`;
  }
}

/** A supertest answer is the given problem: status, application/problem+json and the stable code. */
export function expectProblem(answer: { status: number; headers: Record<string, string>; body: { code?: string } }, status: number, code: string): void {
  expect({ status: answer.status, type: answer.headers['content-type'], code: answer.body.code }).toEqual({
    status,
    type: expect.stringMatching(/^application\/problem\+json/),
    code,
  });
}

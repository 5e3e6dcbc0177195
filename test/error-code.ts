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

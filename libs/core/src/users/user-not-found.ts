import { DomainError } from '@facegate/common';

/** The one answer for a person that does not exist or that the key may not see (the same 404 either way). */
export function userNotFound(id: string): DomainError {
  return new DomainError('USER_NOT_FOUND', `No user ${id}.`);
}

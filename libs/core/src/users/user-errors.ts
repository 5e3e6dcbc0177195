import { DomainError } from '@facegate/common';

/** The one answer for a person that does not exist or that the key may not see (the same 404 either way). */
export function userNotFound(id: string): DomainError {
  return new DomainError('USER_NOT_FOUND', `No user ${id}.`);
}

/** The one answer for an externalId already used in the collection, whoever finds it: the API, the import, a race. */
export function duplicateExternalId(externalId: string, collection?: string): DomainError {
  const where = collection ? `collection "${collection}"` : 'this collection';
  return new DomainError('DUPLICATE_EXTERNAL_ID', `A user with externalId "${externalId}" already exists in ${where}.`);
}

/**
 * What the repository reports when the database's unique index refused an externalId (a concurrent enrolment won the
 * race): a storage fact, which the services turn into DUPLICATE_EXTERNAL_ID.
 */
export class ExternalIdTakenError extends Error {
  override readonly name = 'ExternalIdTakenError';

  constructor(readonly externalId: string) {
    super(`externalId ${externalId} is taken`);
  }
}

/** The one answer for faces beyond FACEGATE_MAX_FACES_PER_USER. */
export function tooManyFaces(existing: number, maxFaces: number): DomainError {
  return new DomainError('TOO_MANY_FACES', `The user has ${existing} faces; at most ${maxFaces} are allowed.`, { existing, maxFaces });
}

/** What the repository reports when adding faces would pass the limit (counted under the person's row lock). */
export class FaceLimitReachedError extends Error {
  override readonly name = 'FaceLimitReachedError';

  constructor(
    readonly existing: number,
    readonly maxFaces: number,
  ) {
    super(`face limit ${maxFaces} reached (${existing} stored)`);
  }
}

/**
 * What the repository reports when the row a write hangs on went meanwhile: the person (adding faces while an admin
 * deletes them) or the collection (enrolling while it is deleted). A storage fact the services turn into the 404 the
 * request would have had a moment later.
 */
export class OwnerGoneError extends Error {
  override readonly name = 'OwnerGoneError';

  constructor(readonly owner: 'user' | 'collection') {
    super(`the ${owner} was deleted while faces were being written`);
  }
}

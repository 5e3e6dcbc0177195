import { callerWith } from '../testing/fakes';
import { boundCollectionIds, mayGrant, mayManageKey } from './actor';

describe('key confinement', () => {
  const unbound = callerWith(['admin']);
  const alphaAdmin = callerWith(['admin'], ['alpha']); // holds col-alpha

  it('lets an unbound caller manage and grant anything', () => {
    expect(mayManageKey(unbound, [])).toBe(true);
    expect(mayManageKey(unbound, ['col-beta'])).toBe(true);
    expect(mayGrant(unbound, [])).toBe(true);
  });

  it('confines a bound caller to keys bound within its own collections, by id', () => {
    expect(mayManageKey(alphaAdmin, ['col-alpha'])).toBe(true);
    expect(mayManageKey(alphaAdmin, ['col-alpha', 'col-beta'])).toBe(false);
    // An unbound key, and a key of an earlier "alpha" (deleted; the name since reused): not this caller's.
    expect(mayManageKey(alphaAdmin, [])).toBe(false);
    expect(mayManageKey(alphaAdmin, ['col-alpha-deleted'])).toBe(false);
    // A bound caller without ids (never made by authentication) manages nothing rather than everything.
    expect(mayManageKey({ collections: ['alpha'] }, ['col-alpha'])).toBe(false);
  });

  it('lets a bound caller grant only its own collections, and never an unbound key', () => {
    expect(mayGrant(alphaAdmin, ['alpha'])).toBe(true);
    expect(mayGrant(alphaAdmin, ['beta'])).toBe(false);
    expect(mayGrant(alphaAdmin, [])).toBe(false);
  });
});

describe('boundCollectionIds', () => {
  it('is undefined for an unbound caller, the ids for a bound one, and empty (nothing) for a bound one without ids', () => {
    expect(boundCollectionIds(callerWith(['read']))).toBeUndefined();
    expect(boundCollectionIds(callerWith(['read'], ['alpha', 'beta']))).toEqual(['col-alpha', 'col-beta']);
    expect(boundCollectionIds({ collections: ['alpha'] })).toEqual([]);
  });
});

import { accessOver, callerWith, domainErrorOf, FakeCollections, testConfig } from '../testing/fakes';
import { CollectionAccessService } from './collection-access.service';

function setUp(env: Record<string, string> = {}) {
  const collections = new FakeCollections({ default: null, alpha: { matchThreshold: 0.3 }, beta: { purpose: 'photo_search' } });
  return { access: accessOver(collections, testConfig(env)), collections };
}

const unbound = callerWith(['recognize']);
const alphaOnly = callerWith(['recognize'], ['alpha']);
const alphaBeta = callerWith(['recognize'], ['alpha', 'beta']);

describe('CollectionAccessService.resolve', () => {
  it('works in the collection a request names', async () => {
    const { access } = setUp();
    expect(await access.resolve(unbound, 'beta')).toMatchObject({ id: 'col-beta', name: 'beta', policy: { purpose: 'photo_search' } });
  });

  it('falls back to a bound key\'s only collection, else to "default"', async () => {
    const { access } = setUp();
    expect((await access.resolve(alphaOnly)).name).toBe('alpha');
    expect((await access.resolve(unbound)).name).toBe('default');
  });

  it('answers a collection the key is not bound to exactly like a missing one, without looking it up', async () => {
    const { access, collections } = setUp();
    const forbidden = await domainErrorOf(access.resolve(alphaOnly, 'beta'));
    const missing = await domainErrorOf(access.resolve(unbound, 'gamma'));
    expect(forbidden.code).toBe('COLLECTION_NOT_FOUND');
    expect(missing.code).toBe('COLLECTION_NOT_FOUND');
    expect(forbidden.message).toBe('No collection "beta".');
    expect(missing.message).toBe('No collection "gamma".');
    expect(forbidden.details).toEqual(missing.details);
    expect(collections.lookups).toEqual(['gamma']);
  });

  it("checks a key's collection by id too: a name reused by another tenant during the request is not the key's", async () => {
    const { access } = setUp();
    // The key was bound to the alpha that existed when it authenticated (col-alpha); the one found now is another.
    const bound = { ...alphaOnly, collectionIds: ['col-alpha'] };
    expect((await access.resolve(bound, 'alpha')).id).toBe('col-alpha');
    const stale = { ...alphaOnly, collectionIds: ['col-alpha-deleted'] };
    expect((await domainErrorOf(access.resolve(stale, 'alpha'))).code).toBe('COLLECTION_NOT_FOUND');
    expect((await domainErrorOf(access.resolve(stale))).code).toBe('COLLECTION_NOT_FOUND');
    expect((await domainErrorOf(access.resolveById(stale, 'col-alpha'))).code).toBe('COLLECTION_NOT_FOUND');
    // An unbound key's empty list stays "every collection".
    expect((await access.resolve({ ...unbound, collectionIds: [] }, 'alpha')).id).toBe('col-alpha');
    // A bound caller without ids (or with none left) reaches nothing: names alone are not enough.
    for (const ids of [undefined, []]) {
      expect((await domainErrorOf(access.resolve({ ...alphaOnly, collectionIds: ids }, 'alpha'))).code).toBe('COLLECTION_NOT_FOUND');
    }
  });

  it('does not let a key bound to several collections fall into "default" when it names none', async () => {
    const { access } = setUp();
    expect((await domainErrorOf(access.resolve(alphaBeta))).code).toBe('COLLECTION_NOT_FOUND');
    expect((await access.resolve(callerWith(['recognize'], ['alpha', 'default']))).name).toBe('default');
  });
});

describe('CollectionAccessService.resolveById', () => {
  it('applies the same binding to records that point to a collection', async () => {
    const { access } = setUp();
    expect((await access.resolveById(alphaOnly, 'col-alpha')).name).toBe('alpha');
    expect((await domainErrorOf(access.resolveById(alphaOnly, 'col-beta'))).code).toBe('COLLECTION_NOT_FOUND');
    expect((await domainErrorOf(access.resolveById(unbound, 'col-gone'))).code).toBe('COLLECTION_NOT_FOUND');
  });
});

describe("CollectionAccessService.policyOf: a collection's settings over the server's defaults", () => {
  it('fills every absent setting from the configuration', () => {
    const { access } = setUp({ FACEGATE_MATCH_THRESHOLD: '0.5', FACEGATE_LIVENESS_THRESHOLD: '0.2', FACEGATE_COLLECTION_PURPOSE: 'photo_search' });
    expect(access.policyOf(null)).toEqual({
      purpose: 'photo_search',
      matchThreshold: 0.5,
      livenessMode: 'advisory',
      livenessThreshold: 0.2,
      requireLivenessToken: false,
      exposeScores: false,
    });
    expect(access.policyOf({ matchThreshold: 0.3, purpose: 'sign_in' })).toMatchObject({
      matchThreshold: 0.3,
      livenessMode: 'enforce',
      requireLivenessToken: true,
    });
  });

  it('is what resolve() hands to the rules', async () => {
    const { access } = setUp({ FACEGATE_MATCH_THRESHOLD: '0.5' });
    expect((await access.resolve(unbound, 'alpha')).policy.matchThreshold).toBe(0.3);
    expect((await access.resolve(unbound, 'default')).policy).toMatchObject({ matchThreshold: 0.5, purpose: 'sign_in', requireLivenessToken: true });
  });
});

describe('CollectionAccessService.mayUse', () => {
  it('lets an unbound key use every collection and a bound key only its own', () => {
    const access = new CollectionAccessService(new FakeCollections().asRepository(), testConfig());
    expect(access.mayUse({ collections: [] }, 'anything')).toBe(true);
    expect(access.mayUse({ collections: ['alpha'] }, 'alpha')).toBe(true);
    expect(access.mayUse({ collections: ['alpha'] }, 'alphabet')).toBe(false);
    expect(access.mayUse({ collections: ['alpha'] }, 'default')).toBe(false);
  });
});

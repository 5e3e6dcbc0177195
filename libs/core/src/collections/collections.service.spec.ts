import { accessOver, auditLog, callerWith, codeOf, domainErrorOf, FakeCollections, testConfig } from '../testing/fakes';
import { CollectionsService } from './collections.service';

function setUp() {
  const collections = new FakeCollections({ default: null, alpha: { matchThreshold: 0.3 }, beta: { purpose: 'photo_search' } });
  collections.rows.get('alpha')!.users = 2;
  collections.rows.get('alpha')!.faces = 5;
  const { service: audit, entries } = auditLog();
  const service = new CollectionsService(collections.asRepository(), accessOver(collections, testConfig({ FACEGATE_MATCH_THRESHOLD: '0.45' })), audit);
  return { service, collections, entries };
}

const admin = callerWith(['admin']);
const alphaAdmin = callerWith(['admin'], ['alpha']);

describe('CollectionsService.create', () => {
  it('creates a collection with its settings and shows the policy in force, audited', async () => {
    const { service, collections, entries } = setUp();
    const created = await service.create({ name: 'events', description: 'Photos', settings: { purpose: 'photo_search', exposeScores: true } }, admin);
    expect(created).toMatchObject({
      name: 'events',
      description: 'Photos',
      settings: { purpose: 'photo_search', exposeScores: true },
      policy: { purpose: 'photo_search', matchThreshold: 0.45, livenessMode: 'advisory', requireLivenessToken: false, exposeScores: true },
      users: 0,
      faces: 0,
    });
    expect(collections.rows.has('events')).toBe(true);
    expect(entries).toContainEqual(expect.objectContaining({ action: 'collection_create', collection: 'events', outcome: 'success' }));
  });

  it('is for unbound keys only: a key bound to collections gets FORBIDDEN and creates nothing', async () => {
    const { service, collections } = setUp();
    expect(await codeOf(service.create({ name: 'events' }, alphaAdmin))).toBe('FORBIDDEN');
    expect(collections.rows.has('events')).toBe(false);
  });

  it('answers COLLECTION_EXISTS for a name taken, audited as such', async () => {
    const { service, entries } = setUp();
    expect(await codeOf(service.create({ name: 'alpha' }, admin))).toBe('COLLECTION_EXISTS');
    expect(entries).toContainEqual(expect.objectContaining({ action: 'collection_create', outcome: 'COLLECTION_EXISTS' }));
  });
});

describe('CollectionsService: what a key bound to collections can reach', () => {
  it('lists only its own collections; an unbound key lists all', async () => {
    const { service } = setUp();
    expect((await service.list(alphaAdmin)).map((c) => c.name)).toEqual(['alpha']);
    expect((await service.list(admin)).map((c) => c.name)).toEqual(['alpha', 'beta', 'default']);
  });

  it("lists by id: a collection created again under its name (by another tenant) is not the key's own", async () => {
    const { service, collections } = setUp();
    collections.rows.set('alpha', { ...collections.rows.get('alpha')!, id: 'col-alpha-recreated' });
    expect(await service.list(alphaAdmin)).toEqual([]);
    expect(await service.list({ ...alphaAdmin, collectionIds: undefined })).toEqual([]);
  });

  it('answers COLLECTION_NOT_FOUND for another collection, the same answer as a missing one, without reading it', async () => {
    const { service, collections } = setUp();
    const other = await domainErrorOf(service.get('beta', alphaAdmin));
    const missing = await domainErrorOf(service.get('gamma', admin));
    expect([other.code, missing.code]).toEqual(['COLLECTION_NOT_FOUND', 'COLLECTION_NOT_FOUND']);
    expect(collections.lookups).toEqual(['gamma']);
    expect(await codeOf(service.update('beta', { description: 'mine now' }, alphaAdmin))).toBe('COLLECTION_NOT_FOUND');
    expect(await codeOf(service.remove('beta', alphaAdmin))).toBe('COLLECTION_NOT_FOUND');
    expect(collections.rows.get('beta')).toMatchObject({ description: null });
  });

  it('reads, with counts and the effective policy, a collection it is bound to', async () => {
    const { service } = setUp();
    expect(await service.get('alpha', alphaAdmin)).toMatchObject({ name: 'alpha', users: 2, faces: 5, policy: { matchThreshold: 0.3, purpose: 'sign_in' } });
  });
});

describe('CollectionsService.update', () => {
  it('replaces the settings and answers the new policy', async () => {
    const { service, collections } = setUp();
    const updated = await service.update('alpha', { settings: { livenessMode: 'off' } }, alphaAdmin);
    // matchThreshold 0.3 was replaced, not merged: the server's 0.45 applies again.
    expect(updated.policy).toMatchObject({ matchThreshold: 0.45, livenessMode: 'off' });
    expect(collections.rows.get('alpha')?.settings).toEqual({ livenessMode: 'off' });
  });

  it('keeps the settings when only the description changes', async () => {
    const { service, collections } = setUp();
    await service.update('alpha', { description: 'Staff' }, admin);
    expect(collections.rows.get('alpha')).toMatchObject({ description: 'Staff', settings: { matchThreshold: 0.3 } });
  });

  it('answers COLLECTION_NOT_FOUND when the collection vanished between the check and the write', async () => {
    const { service, collections } = setUp();
    collections.update = async () => null;
    expect(await codeOf(service.update('alpha', { description: 'x' }, admin))).toBe('COLLECTION_NOT_FOUND');
  });
});

describe('CollectionsService.remove', () => {
  it('deletes a collection and audits what went with it', async () => {
    const { service, collections, entries } = setUp();
    await service.remove('alpha', alphaAdmin);
    expect(collections.rows.has('alpha')).toBe(false);
    expect(entries).toContainEqual(
      expect.objectContaining({
        action: 'collection_delete',
        collection: 'alpha',
        outcome: 'success',
        details: { users: 2, faces: 5, keysRevoked: 0, keysUnbound: 0 },
      }),
    );
  });

  it('never deletes the default collection', async () => {
    const { service, collections } = setUp();
    expect(await codeOf(service.remove('default', admin))).toBe('VALIDATION_FAILED');
    expect(collections.rows.has('default')).toBe(true);
    // A key that may not see it learns nothing more than "not found".
    expect(await codeOf(service.remove('default', alphaAdmin))).toBe('COLLECTION_NOT_FOUND');
  });
});

describe('CollectionsService: the collection checked is the one changed', () => {
  /** After the access check has read it, the collection is deleted and another one is created under its name. */
  const replacedAfterCheck = (collections: FakeCollections, name: string) => {
    const find = collections.find.bind(collections);
    jest.spyOn(collections, 'find').mockImplementation(async (looked: string) => {
      const found = await find(looked);
      collections.rows.set(name, { ...collections.rows.get(name)!, id: `col-${name}-2`, description: 'another tenant' });
      return found;
    });
  };

  it('updates nothing of a collection created under the same name after the check', async () => {
    const { service, collections } = setUp();
    replacedAfterCheck(collections, 'alpha');
    expect(await codeOf(service.update('alpha', { description: 'mine now', settings: { matchThreshold: 0.1 } }, alphaAdmin))).toBe('COLLECTION_NOT_FOUND');
    expect(collections.rows.get('alpha')).toMatchObject({ id: 'col-alpha-2', description: 'another tenant', settings: { matchThreshold: 0.3 } });
  });

  it('deletes nothing of a collection created under the same name after the check', async () => {
    const { service, collections } = setUp();
    replacedAfterCheck(collections, 'alpha');
    expect(await codeOf(service.remove('alpha', alphaAdmin))).toBe('COLLECTION_NOT_FOUND');
    expect(collections.rows.get('alpha')).toMatchObject({ id: 'col-alpha-2' });
  });
});

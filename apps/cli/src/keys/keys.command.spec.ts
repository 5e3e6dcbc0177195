import { collectionsCell } from './keys.command';

describe('keys list: the collections column', () => {
  it('says "(all)" only for a key bound to no collection, never for a bound key whose collections are gone', () => {
    expect(collectionsCell({ collections: [], allCollections: true })).toBe('(all)');
    expect(collectionsCell({ collections: ['alpha', 'beta'], allCollections: false })).toBe('alpha,beta');
    expect(collectionsCell({ collections: [], allCollections: false })).toBe('(none left)');
  });
});

import { randomUUID } from 'node:crypto';
import { Logger } from '@nestjs/common';
import { DEFAULT_DATABASE_OPTIONS, PrismaService } from '@facegate/database';
import { createTempDir, createTestDatabase, TempDir, TestDatabase } from '../../../database/src/testing/test-database';
import { CollectionsRepository } from '../collections/collections.repository';
import { ApiKeysRepository } from './api-keys.repository';

type Backend = 'postgres' | 'embedded';

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/**
 * Keys bind collections by id. An empty binding means every collection, so what decides "bound to nothing left" and
 * what a key sees of its collections is checked here against the database itself, on both servers.
 */
describe.each<Backend>(['postgres', 'embedded'])('ApiKeysRepository on %s', (backend) => {
  let testDb: TestDatabase | undefined;
  let dataDir: TempDir | undefined;
  let prisma: PrismaService;
  let keys: ApiKeysRepository;
  let collections: CollectionsRepository;
  let next = 0;

  beforeAll(async () => {
    Logger.overrideLogger(['warn', 'error']);
    if (backend === 'postgres') testDb = await createTestDatabase();
    else dataDir = createTempDir('facegate-keys-repo');
    const options = { ...DEFAULT_DATABASE_OPTIONS, url: testDb?.url, dataDir: dataDir?.path ?? '', poolSize: 4 };
    prisma = new PrismaService(options);
    await prisma.onModuleInit();
    keys = new ApiKeysRepository(prisma);
    collections = new CollectionsRepository(prisma);
  });

  afterAll(async () => {
    await prisma?.onModuleDestroy();
    await testDb?.drop();
    dataDir?.remove();
  });

  const newKey = (bound: string[]) => {
    const prefix = `fg_test${next++}`;
    return keys.create({ name: prefix, prefix, hash: 'h', scopes: ['read'], collections: bound });
  };
  const collection = async (name: string) => (await prisma.client.collection.create({ data: { name } })).id;

  it('binds a key to the ids of the named collections and reads back their current names, in order', async () => {
    await collection('k-one');
    await collection('k-two');
    const key = (await newKey(['k-two', 'k-one']))!;
    const read = (await keys.findActiveByPrefix(key.prefix))!;
    expect(read.collections).toEqual(['k-two', 'k-one']);
    expect(read.collectionIds).toHaveLength(2);
    await expect(newKey(['k-one', 'k-missing'])).resolves.toBeNull();
    // A bound key grants only collections it holds by id: the k-one it knew, not one of that name created since.
    const grantable = { name: 'g', prefix: `fg_test${next++}`, hash: 'h', scopes: ['read'], collections: ['k-one'] };
    await expect(keys.create({ ...grantable, grantableIds: [randomUUID()] })).resolves.toBeNull();
    await expect(keys.create({ ...grantable, grantableIds: read.collectionIds })).resolves.toMatchObject({ collections: ['k-one'] });
  });

  it('treats a key whose every collection is gone as inactive, never as unbound', async () => {
    await collection('k-alone');
    const key = (await newKey(['k-alone']))!;
    // Left bound to an id that no longer exists (as a key created while its collection was deleted would be).
    await prisma.client.apiKey.update({ where: { id: key.id }, data: { collectionIds: [randomUUID()] } });
    await expect(keys.findActiveByPrefix(key.prefix)).resolves.toBeNull();
    await expect(keys.findActiveById(key.id)).resolves.toBeNull();
    // Listed as it is: no collection names, not revoked.
    expect((await keys.findById(key.id))!).toMatchObject({ collections: [], revokedAt: null });
  });

  it('keeps a key bound to what is left when one of its collections is gone', async () => {
    await collection('k-left');
    const key = (await newKey(['k-left']))!;
    await prisma.client.apiKey.update({ where: { id: key.id }, data: { collectionIds: [randomUUID(), ...key.collectionIds] } });
    expect((await keys.findActiveByPrefix(key.prefix))!.collections).toEqual(['k-left']);
  });

  it('a collection created again under a deleted one’s name is not the old key’s', async () => {
    const reused = await collection('k-reused');
    const both = (await newKey(['k-reused', 'k-one']))!;
    await collections.delete(reused);
    await collection('k-reused');
    expect((await keys.findActiveByPrefix(both.prefix))!.collections).toEqual(['k-one']);
  });

  (backend === 'postgres' ? it : it.skip)('a collection deleted while a key for it is being created revokes that key', async () => {
    const race = await collection('k-race');
    // Another session holds api_keys, so the key's INSERT waits after its look-up of the collection; the delete starts
    // meanwhile. With the look-up's FOR KEY SHARE lock the delete waits for the key and then revokes it; without it,
    // the delete went first and the key would be stored, unrevoked, bound to a collection already gone.
    const blocker = new PrismaService({ ...DEFAULT_DATABASE_OPTIONS, url: testDb!.url, dataDir: '', poolSize: 1 });
    await blocker.onModuleInit();
    let release!: () => void;
    const held = new Promise<void>((resolve) => (release = resolve));
    const blocking = blocker.client.$transaction(
      async (tx) => {
        await tx.$executeRawUnsafe('LOCK TABLE api_keys IN EXCLUSIVE MODE');
        await held;
      },
      { timeout: 30_000 },
    );
    await sleep(200);
    const creating = newKey(['k-race']);
    await sleep(300);
    const deleting = collections.delete(race);
    await sleep(300);
    release();
    await blocking;
    const [key, deleted] = await Promise.all([creating, deleting]);
    await blocker.onModuleDestroy();
    expect(deleted).not.toBeNull();
    expect(key).not.toBeNull();
    expect((await keys.findById(key!.id))!.revokedAt).not.toBeNull();
  });
});

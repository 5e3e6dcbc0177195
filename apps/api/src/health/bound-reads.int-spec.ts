import { Logger } from '@nestjs/common';
import { AuditRepository, CollectionsRepository, LockoutsRepository } from '@facegate/core';
import { DEFAULT_DATABASE_OPTIONS, PrismaService } from '@facegate/database';
import { createTempDir, createTestDatabase, TempDir, TestDatabase } from '../../../../libs/database/src/testing/test-database';
import { StatsRepository } from './stats.repository';

type Backend = 'postgres' | 'embedded';

/**
 * What a key bound to collections reads (the collection list, /stats counts, the lockout list, the audit log) is
 * filtered by the ids the key holds, not by the names its collections had when it authenticated. Here a collection is
 * deleted and created again under the same name, with a person, a lock and an audit event of its own: the ids of the
 * deleted one reach none of them, the new one's ids reach exactly them. Checked against both database servers.
 */
describe.each<Backend>(['postgres', 'embedded'])('reads of a bound key, by collection id, on %s', (backend) => {
  let testDb: TestDatabase | undefined;
  let dataDir: TempDir | undefined;
  let prisma: PrismaService;

  beforeAll(async () => {
    Logger.overrideLogger(['warn', 'error']);
    if (backend === 'postgres') testDb = await createTestDatabase();
    else dataDir = createTempDir('facegate-bound-reads');
    prisma = new PrismaService({ ...DEFAULT_DATABASE_OPTIONS, url: testDb?.url, dataDir: dataDir?.path ?? '', poolSize: 4 });
    await prisma.onModuleInit();
  });

  afterAll(async () => {
    await prisma?.onModuleDestroy();
    await testDb?.drop();
    dataDir?.remove();
  });

  /** A collection named `name` with one person, locked out for one key, and one audit event written after it. */
  async function populated(name: string, keyId: string): Promise<string> {
    const collection = await prisma.client.collection.create({ data: { name } });
    const user = await prisma.client.user.create({ data: { collectionId: collection.id, name: `person of ${collection.id}` } });
    await prisma.client.verificationLockout.create({ data: { userId: user.id, keyId, failures: 5, lockedUntil: new Date(Date.now() + 600_000) } });
    await prisma.client.auditEvent.create({ data: { action: 'verify', outcome: 'NO_MATCH', collection: name, userId: user.id } });
    return collection.id;
  }

  it('reaches the collection it was bound to, and nothing of a new one created under that name', async () => {
    const key = await prisma.client.apiKey.create({ data: { name: 'locked', prefix: 'fg_boundreads', hash: 'h', scopes: ['recognize'] } });
    const before = await populated('reads-shared', key.id);
    const ownReads = async (ids: string[]) => ({
      collections: (await new CollectionsRepository(prisma).list(ids)).map((c) => c.id),
      counts: await new StatsRepository(prisma).counts(ids),
      locks: (await new LockoutsRepository(prisma).active({ collectionIds: ids, limit: 10 })).map((l) => l.name),
      audit: (await new AuditRepository(prisma).list({ collectionIds: ids }, 10)).rows.map((r) => r.userId),
    });
    expect(await ownReads([before])).toMatchObject({ collections: [before], counts: { collections: 1, users: 1 }, locks: [`person of ${before}`] });
    expect((await ownReads([before])).audit).toHaveLength(1);

    await prisma.client.collection.delete({ where: { id: before } });
    // Audit rows carry names: the new collection's events must start at its own creation.
    await new Promise((resolve) => setTimeout(resolve, 5));
    const after = await populated('reads-shared', key.id);

    const nothing = { collections: [], counts: { collections: 0, users: 0, faces: 0 }, locks: [], audit: [] };
    expect(await ownReads([before])).toEqual(nothing);
    // A bound caller that carries no ids reads nothing either (boundCollectionIds gives it an empty list).
    expect(await ownReads([])).toEqual(nothing);
    const current = await ownReads([after]);
    expect(current).toMatchObject({ collections: [after], counts: { collections: 1, users: 1 }, locks: [`person of ${after}`] });
    expect(current.audit).toHaveLength(1);
    // A name filter inside the binding narrows it; it never widens it.
    expect((await new AuditRepository(prisma).list({ collectionIds: [before], collection: 'reads-shared' }, 10)).rows).toEqual([]);
    expect((await new LockoutsRepository(prisma).active({ collectionIds: [before], collection: 'reads-shared', limit: 10 })).length).toBe(0);
  });
});

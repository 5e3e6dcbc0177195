import { Logger } from '@nestjs/common';
import { Client } from 'pg';
import { DatabaseOptions, DEFAULT_DATABASE_OPTIONS } from '../database.options';
import { FaceVectorRepository } from '../faces/face-vector.repository';
import { NewFace } from '../faces/face-vector.types';
import { VectorIndexRepository } from '../faces/vector-index.repository';
import { PrismaService } from '../prisma/prisma.service';
import { EmbeddingGenerator } from '../testing/random-embeddings';
import { pauseStandbyReplay, resumeStandbyReplay } from '../testing/standby-replay';
import { createTestDatabase, TestDatabase, withClient } from '../testing/test-database';
import { ReplicaRouter } from './replica-router';

/**
 * Read replicas against the machine's real streaming standby (scripts/setup-replica.sh: 127.0.0.1:5433, following
 * the primary on 5432). The test database is created on the primary and reaches the standby by replication. Lag is
 * made on demand by pausing the standby's replay (pg_wal_replay_pause), so read-your-writes is tested with a replica
 * that is certainly behind, not one that happens to be fast.
 */
const POLL_MS = 20;

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

async function until(what: string, check: () => Promise<boolean> | boolean, timeoutMs = 10_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await sleep(POLL_MS);
  }
}

describe('read replicas (ReplicaRouter on a real standby)', () => {
  const random = new EmbeddingGenerator(7);
  let testDb: TestDatabase;
  let prisma: PrismaService;
  let router: ReplicaRouter;
  let vectors: FaceVectorRepository;
  let collection: string;
  let other: string;

  function replicaUrl(): string {
    const url = new URL(testDb.url);
    url.port = '5433';
    return url.toString();
  }

  /** One person with one face, committed on the primary and recorded as the collection's last write. */
  async function enrol(collectionId: string, embedding: Float32Array): Promise<string> {
    const user = await prisma.client.user.create({ data: { collectionId, name: 'p' }, select: { id: true } });
    const row: NewFace = { userId: user.id, collectionId, embedding, modelId: 'test-model', box: { x: 1, y: 2, w: 3, h: 4 }, score: 0.99, quality: {} };
    await vectors.insertFaces(prisma.client, [row]);
    await router.markFacesWritten(collectionId);
    return user.id;
  }

  beforeAll(async () => {
    Logger.overrideLogger(['error']);
    testDb = await createTestDatabase();
    const options: DatabaseOptions = { ...DEFAULT_DATABASE_OPTIONS, url: testDb.url, dataDir: '', poolSize: 4, replicaUrls: [], replicaPollMs: POLL_MS };
    prisma = new PrismaService(options);
    await prisma.onModuleInit();
    // The standby has the database (and the migrated schema) once it has replayed that far.
    await until('the test database on the standby', () =>
      withClient(replicaUrl(), (c) => c.query(`SELECT 1 FROM collections LIMIT 1`)).then(
        () => true,
        () => false,
      ),
    );
    // This router's timer stays out of the way (an hour): the tests poll when they mean to, so a background poll
    // cannot bring a replica back between a failed read and the check that it is skipped.
    const withReplica = { ...options, replicaUrls: [replicaUrl()], replicaPollMs: 3_600_000 };
    router = new ReplicaRouter(prisma, withReplica);
    vectors = new FaceVectorRepository(prisma, withReplica, new VectorIndexRepository(prisma, withReplica), router);
    await router.onApplicationBootstrap();
    collection = (await prisma.client.collection.create({ data: { name: 'replicated' } })).id;
    other = (await prisma.client.collection.create({ data: { name: 'quiet' } })).id;
  });

  afterAll(async () => {
    await resumeStandbyReplay().catch(() => undefined);
    await router?.onModuleDestroy();
    await prisma?.onModuleDestroy();
    await testDb?.drop();
  });

  it('sends a search to the replica once it has replayed the collection’s last face write, and finds the person there', async () => {
    const face = random.unitVector();
    const userId = await enrol(collection, face);
    await until('the replica to catch up', async () => {
      await router.poll();
      return (await router.forCollection(collection)).replica === 0;
    });
    const before = router.status().replicas[0].reads;
    const hits = await vectors.searchCollection({ collectionId: collection, embedding: face, topK: 1 });
    expect(hits[0]?.userId).toBe(userId);
    expect(router.status().replicas[0].reads).toBe(before + 1);
    expect(await vectors.bestMatchForUser({ userId, embedding: face })).toMatchObject({ similarity: expect.closeTo(1, 4) });
  });

  it('reads its own writes while the replica is behind: the enrolment is found and the deletion is honoured, on the primary', async () => {
    // Someone the replica has, who is deleted while it is paused.
    const leaving = random.unitVector();
    const leaverId = await enrol(collection, leaving);
    await until('the replica to have them', async () => {
      await router.poll();
      return (await router.forCollection(collection)).replica === 0;
    });
    await pauseStandbyReplay();
    try {
      // A poll that starts before the write (as the timer's may) must not stand in for one asked for after it.
      const earlier = router.poll();
      await enrol(collection, random.unitVector());
      await router.poll();
      await earlier;
      const status = router.status().replicas[0];
      expect(status.up).toBe(true);
      expect(status.lagBytes).toBeGreaterThan(0);
      // A burst of enrol-then-search: every search finds the person enrolled just before it.
      for (let i = 0; i < 10; i++) {
        const next = random.unitVector();
        const id = await enrol(collection, next);
        expect((await router.forCollection(collection)).replica).toBeNull();
        expect((await vectors.searchCollection({ collectionId: collection, embedding: next, topK: 1 }))[0]?.userId).toBe(id);
      }
      await prisma.client.user.delete({ where: { id: leaverId } });
      await router.markFacesWritten(collection);
      const after = await vectors.searchCollection({ collectionId: collection, embedding: leaving, topK: 1 });
      expect(after[0]?.userId).not.toBe(leaverId);
      // The replica itself still has the deleted person: reading it here would have been wrong.
      const onReplica = await withClient(replicaUrl(), (c: Client) => c.query('SELECT 1 FROM users WHERE id = $1', [leaverId]));
      expect(onReplica.rowCount).toBe(1);
      // A collection not written since the pause still reads from the replica.
      expect((await router.forCollection(other)).replica).toBe(0);
    } finally {
      await resumeStandbyReplay();
    }
    await until('the replica to catch up after resuming', async () => {
      await router.poll();
      return (await router.forCollection(collection)).replica === 0;
    });
  });

  it('skips a replica that is gone and serves every search from the primary, without an error', async () => {
    const options: DatabaseOptions = {
      ...DEFAULT_DATABASE_OPTIONS,
      url: testDb.url,
      dataDir: '',
      poolSize: 2,
      replicaUrls: ['postgres://postgres@127.0.0.1:5499/none', replicaUrl()],
      replicaPollMs: POLL_MS,
    };
    const two = new ReplicaRouter(prisma, options);
    const search = new FaceVectorRepository(prisma, options, new VectorIndexRepository(prisma, options), two);
    try {
      await two.onApplicationBootstrap();
      const face = random.unitVector();
      const userId = await enrol(collection, face);
      await until('the live replica to catch up', async () => {
        await two.poll();
        return two.status().replicas[1].up && (await two.forCollection(collection)).replica === 1;
      });
      for (let i = 0; i < 6; i++) expect((await search.searchCollection({ collectionId: collection, embedding: face, topK: 1 }))[0]?.userId).toBe(userId);
      const [gone, live] = two.status().replicas;
      expect(gone).toMatchObject({ name: '127.0.0.1:5499', up: false, reads: 0 });
      expect(live.reads).toBeGreaterThanOrEqual(6);
    } finally {
      await two.onModuleDestroy();
    }
  });

  it('runs a search again on the primary when the replica fails it, and skips that replica until it answers a poll', async () => {
    await router.poll();
    const target = await router.forCollection(other);
    expect(target.replica).toBe(0);
    const result = await router.read(target, async (client) => {
      if (client === target.client) throw new Error('terminating connection due to conflict with recovery');
      return 'from the primary';
    });
    expect(result).toBe('from the primary');
    expect(router.status().replicas[0].up).toBe(false);
    expect((await router.forCollection(other)).replica).toBeNull();
    await router.poll();
    expect((await router.forCollection(other)).replica).toBe(0);
  });
});

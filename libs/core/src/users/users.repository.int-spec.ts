import { Logger } from '@nestjs/common';
import { DEFAULT_DATABASE_OPTIONS, EMBEDDING_DIMENSIONS, FaceVectorRepository, PrismaService, ReplicaRouter, VectorIndexRepository } from '@facegate/database';
import { createTempDir, createTestDatabase, TempDir, TestDatabase } from '../../../database/src/testing/test-database';
import { ExtractedFace } from '../face/face-rules.service';
import { extractedFace } from '../testing/fakes';
import { OwnerGoneError } from './user-errors';
import { UsersRepository } from './users.repository';

type Backend = 'postgres' | 'embedded';

/** A stored face needs the real width (the fakes' embeddings are 8-d): a unit vector along one axis. */
const face = (axis: number): ExtractedFace => extractedFace(Float32Array.from({ length: EMBEDDING_DIMENSIONS }, (_, i) => (i === axis ? 1 : 0)));

// A write that races the deletion of what it hangs on (the person, the collection) must fail as "gone", not as the
// database's foreign-key error (a 500): the request looked the owner up a moment before it was deleted.
describe.each<Backend>(['postgres', 'embedded'])('UsersRepository on %s', (backend) => {
  let testDb: TestDatabase | undefined;
  let dataDir: TempDir | undefined;
  let prisma: PrismaService;
  let users: UsersRepository;

  beforeAll(async () => {
    Logger.overrideLogger(['warn', 'error']);
    if (backend === 'postgres') testDb = await createTestDatabase();
    else dataDir = createTempDir('facegate-users-repo');
    const options = { ...DEFAULT_DATABASE_OPTIONS, url: testDb?.url, dataDir: dataDir?.path ?? '', poolSize: 4 };
    prisma = new PrismaService(options);
    await prisma.onModuleInit();
    const router = new ReplicaRouter(prisma, options);
    users = new UsersRepository(prisma, new FaceVectorRepository(prisma, options, new VectorIndexRepository(prisma, options), router), router);
  });

  afterAll(async () => {
    await prisma?.onModuleDestroy();
    await testDb?.drop();
    dataDir?.remove();
  });

  it('adding faces to a person deleted meanwhile reports the person gone, and stores nothing', async () => {
    const { id: collectionId } = await prisma.client.collection.create({ data: { name: 'people' } });
    const person = await users.createWithFaces({ collectionId, name: 'p', metadata: {}, faces: [face(1)] });
    await prisma.client.user.delete({ where: { id: person.id } });
    await expect(users.addFaces({ id: person.id, collectionId }, [face(2)], 10)).rejects.toEqual(new OwnerGoneError('user'));
    expect(await prisma.client.face.count({ where: { collectionId } })).toBe(0);
  });

  it('enrolling into a collection deleted meanwhile reports the collection gone, and stores nothing', async () => {
    const { id: collectionId } = await prisma.client.collection.create({ data: { name: 'doomed' } });
    await prisma.client.collection.delete({ where: { id: collectionId } });
    const before = await prisma.client.user.count();
    await expect(users.createWithFaces({ collectionId, name: 'p', metadata: {}, faces: [face(3)] })).rejects.toEqual(new OwnerGoneError('collection'));
    expect(await prisma.client.user.count()).toBe(before);
  });
});

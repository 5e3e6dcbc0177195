import { findMigrationsDir, readMigrationFiles } from '../migrations/migration-files';
import { Logger } from '@nestjs/common';
import { DatabaseOptions, DEFAULT_DATABASE_OPTIONS } from '../database.options';
import { PrismaPg } from '@prisma/adapter-pg';
import { PrismaClient } from '../generated/prisma/client';
import { PrismaClientProvider, PrismaService } from '../prisma/prisma.service';
import { EmbeddingGenerator, cosine } from '../testing/random-embeddings';
import { createTempDir, createTestDatabase, TempDir, TestDatabase } from '../testing/test-database';
import { FaceVectorRepository } from './face-vector.repository';
import { ReplicaRouter } from '../replicas/replica-router';
import { FACES_INDEX_NAME, IVFFLAT_INDEX_NAME, VectorIndexRepository } from './vector-index.repository';
import { listsForRows, probesForLists } from './ivfflat-tuning';
import { NewFace, SearchHit } from './face-vector.types';

/** The search repository over its own index repository, as DatabaseModule wires them, with the index's operations at hand. */
function repositories(provider: PrismaClientProvider, options: DatabaseOptions) {
  const index = new VectorIndexRepository(provider, options);
  return Object.assign(new FaceVectorRepository(provider, options, index, new ReplicaRouter(provider, options)), {
    ensureIndex: (o?: { force?: boolean }) => index.ensureIndex(o),
    indexInfo: () => index.indexInfo(),
  });
}
type Repositories = ReturnType<typeof repositories>;

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

type Backend = 'postgres' | 'embedded';

interface GalleryFace {
  userId: string;
  collectionId: string;
  embedding: Float32Array;
}

const GALLERY_USERS = 1450;
const FACES_PER_USER = 2;
const MIN_ROWS_FOR_INDEX = 1000;

/** Brute force over the gallery: the user whose best face is most similar to the probe. */
function trueNearestUser(gallery: GalleryFace[], collectionId: string, probe: Float32Array): string {
  let best = { userId: '', similarity: -2 };
  for (const face of gallery) {
    if (face.collectionId !== collectionId) continue;
    const similarity = cosine(face.embedding, probe);
    if (similarity > best.similarity) best = { userId: face.userId, similarity };
  }
  return best.userId;
}

describe.each<Backend>(['postgres', 'embedded'])('FaceVectorRepository on %s', (backend) => {
  const random = new EmbeddingGenerator(backend === 'postgres' ? 1 : 2);
  let testDb: TestDatabase | undefined;
  let dataDir: TempDir | undefined;
  let prisma: PrismaService;
  let options: DatabaseOptions;
  /** Always the exact scan (threshold above any collection here). */
  let exact: Repositories;
  /**
   * The index path as soon as an index exists (threshold 0), probing 4 of its 10 lists (about 1,500 people): few enough
   * that the planner prefers the index to a seq scan (from about half the lists on, it rightly does not), enough that a
   * probe near a face (cosine ~0.94 to its person's centroid) lands in a probed list whatever centroids k-means drew
   * from its random sample (3 missed one of 12 probes once on 2026-12-08: k-means samples at random).
   */
  let indexed: Repositories;
  let alpha: string;
  let beta: string;
  const gallery: GalleryFace[] = [];
  /** People with faces: the rows of the index's table (user_centroids). */
  const peopleNow = () => prisma.client.userCentroid.count();
  /** The lists the product's rule gives the gallery as it is now. */
  const listsNow = async () => listsForRows(await peopleNow());

  async function createUsers(collectionId: string, count: number, prefix: string): Promise<string[]> {
    const users = await prisma.client.user.createManyAndReturn({
      data: Array.from({ length: count }, (_, i) => user(collectionId, `${prefix}${i}`)),
      select: { id: true },
    });
    return users.map((created) => created.id);
  }

  function user(collectionId: string, externalId: string) {
    return { collectionId, externalId, name: `Name of ${externalId}` };
  }

  /** A face kept in `gallery`, the truth of later searches. */
  function face(userId: string, collectionId: string, embedding: Float32Array): NewFace {
    gallery.push({ userId, collectionId, embedding });
    return untracked(userId, collectionId, embedding);
  }

  /** A face a test deletes again, so never part of `gallery`. */
  function untracked(userId: string, collectionId: string, embedding: Float32Array): NewFace {
    const box = { x: 1, y: 2, w: 3, h: 4 };
    return { userId, collectionId, embedding, modelId: 'test-model', box, score: 0.99, quality: { sharpness: 0.5 } };
  }

  /** A person's stored centroid (halfvec, as text) and the number of faces it was computed from, or null. */
  async function centroidOf(userId: string): Promise<{ centroid: Float32Array; faces: number } | null> {
    const rows = await prisma.client.$queryRaw<Array<{ centroid: string; faces: number }>>`
      SELECT centroid::text AS centroid, faces FROM user_centroids WHERE user_id = ${userId}::uuid`;
    return rows[0] ? { centroid: Float32Array.from(JSON.parse(rows[0].centroid) as number[]), faces: rows[0].faces } : null;
  }

  /** The centroid is the normalised mean of these embeddings, to halfvec's precision. */
  function expectCentroid(stored: { centroid: Float32Array; faces: number } | null, embeddings: Float32Array[]): void {
    const mean = new Float32Array(embeddings[0].length);
    for (const e of embeddings) e.forEach((value, i) => (mean[i] += value / embeddings.length));
    expect(stored?.faces).toBe(embeddings.length);
    expect(Math.hypot(...stored!.centroid)).toBeCloseTo(1, 2);
    expect(cosine(stored!.centroid, mean)).toBeGreaterThan(0.9999);
  }

  beforeAll(async () => {
    Logger.overrideLogger(['warn', 'error']);
    if (backend === 'postgres') testDb = await createTestDatabase();
    else dataDir = createTempDir('facegate-repo');
    options = {
      ...DEFAULT_DATABASE_OPTIONS,
      url: testDb?.url,
      dataDir: dataDir?.path ?? '',
      poolSize: 5,
      minRowsForIndex: MIN_ROWS_FOR_INDEX,
    };
    prisma = new PrismaService(options);
    await prisma.onModuleInit();
    exact = repositories(prisma, { ...options, exactScanMaxFaces: 1_000_000 });
    indexed = repositories(prisma, { ...options, exactScanMaxFaces: 0, probes: 4 });
    alpha = (await prisma.client.collection.create({ data: { name: 'alpha' } })).id;
    beta = (await prisma.client.collection.create({ data: { name: 'beta' } })).id;
  });

  afterAll(async () => {
    await prisma?.onModuleDestroy();
    await testDb?.drop();
    dataDir?.remove();
  });

  it('starts in the expected mode with the migrations applied', async () => {
    expect(prisma.ready).toBe(true);
    expect(prisma.mode).toBe(backend);
    expect(prisma.migrationsApplied).toEqual(readMigrationFiles(findMigrationsDir(__dirname)).map((file) => file.name));
    await expect(prisma.pendingMigrations()).resolves.toEqual([]);
  });

  it('does not build an index below minRowsForIndex', async () => {
    const result = await indexed.ensureIndex();
    expect(result).toMatchObject({ action: 'none', rows: 0 });
    await expect(indexed.indexInfo()).resolves.toMatchObject({ exists: false, lists: null, rowsAtBuild: null, probes: 4, probesSource: 'fixed' });
  });

  it('inserts a multi-row gallery and returns ids in input order', async () => {
    const alphaUsers = await createUsers(alpha, GALLERY_USERS, 'a');
    const betaUsers = await createUsers(beta, 50, 'b');
    const rows = [
      // A person's faces alike (cosine ~0.8 to each other), people unrelated. Random directions are what IVFFlat
      // partitions worst (any k-means sample gives lists of unrelated people), so a probe near one face must be near
      // its person's centroid for the index path's 3 probes to reach it reliably: ~0.94 here, ~0.89 at 0.64.
      ...alphaUsers.flatMap((userId) => {
        const anchor = random.unitVector();
        return Array.from({ length: FACES_PER_USER }, () => face(userId, alpha, random.near(anchor, 0.5)));
      }),
      ...betaUsers.map((userId) => face(userId, beta, random.unitVector())),
    ];
    const inserted = await indexed.insertFaces(prisma.client, rows);
    expect(inserted).toHaveLength(rows.length);
    expect(new Set(inserted.map((f) => f.id)).size).toBe(rows.length);
    expect(inserted[0].createdAt).toBeInstanceOf(Date);

    const first = await prisma.client.face.findUniqueOrThrow({ where: { id: inserted[0].id } });
    expect(first).toMatchObject({ userId: rows[0].userId, collectionId: alpha, modelId: 'test-model', score: 0.99 });
    const last = await prisma.client.face.findUniqueOrThrow({ where: { id: inserted[rows.length - 1].id } });
    expect(last.userId).toBe(rows[rows.length - 1].userId);

    await expect(exact.countFaces(alpha)).resolves.toBe(GALLERY_USERS * FACES_PER_USER);
    await expect(exact.countFaces(beta)).resolves.toBe(50);
    await expect(exact.countFaces()).resolves.toBe(GALLERY_USERS * FACES_PER_USER + 50);
  });

  it('inserts inside a caller transaction and rolls back with it', async () => {
    const [userId] = await createUsers(beta, 1, 'tx');
    await expect(
      prisma.client.$transaction(async (tx) => {
        await exact.insertFaces(tx, [face(userId, beta, random.unitVector())]);
        throw new Error('abort');
      }),
    ).rejects.toThrow('abort');
    gallery.pop();
    await expect(prisma.client.face.count({ where: { userId } })).resolves.toBe(0);
  });

  it('refuses a face whose collection differs from its user', async () => {
    const [userId] = await createUsers(alpha, 1, 'mismatch');
    await expect(exact.insertFaces(prisma.client, [{ ...face(userId, beta, random.unitVector()) }])).rejects.toThrow(
      /foreign key|faces_user_id_collection_id_fkey/i,
    );
    gallery.pop();
  });

  it('finds a planted near-duplicate first and never returns another collection', async () => {
    const target = random.unitVector();
    const [alphaUser] = await createUsers(alpha, 1, 'target');
    const [betaTwin] = await createUsers(beta, 1, 'twin');
    // The very same embedding in beta: a cross-collection leak would rank it first.
    await exact.insertFaces(prisma.client, [face(alphaUser, alpha, target), face(betaTwin, beta, target)]);
    const probe = random.near(target, 0.3);

    const hits = await exact.searchCollection({ collectionId: alpha, embedding: probe, topK: 10 });
    expect(hits[0].userId).toBe(alphaUser);
    expect(hits[0].similarity).toBeCloseTo(cosine(target, probe), 4);
    const alphaUsers = new Set(gallery.filter((f) => f.collectionId === alpha).map((f) => f.userId));
    expect(hits.every((hit) => alphaUsers.has(hit.userId))).toBe(true);
    expect(hits.map((hit) => hit.similarity)).toEqual([...hits.map((hit) => hit.similarity)].sort((a, b) => b - a));

    const betaHits = await exact.searchCollection({ collectionId: beta, embedding: probe, topK: 3 });
    expect(betaHits[0].userId).toBe(betaTwin);
    // Each hit is named by the search's own statement.
    expect(hits[0]).toMatchObject({ externalId: 'target0', name: 'Name of target0' });
    expect(betaHits[0]).toMatchObject({ externalId: 'twin0', name: 'Name of twin0' });
  });

  it('returns distinct users, with the best face of each', async () => {
    const anchor = random.unitVector();
    const [many] = await createUsers(alpha, 1, 'many');
    const faces = Array.from({ length: 6 }, () => face(many, alpha, random.near(anchor, 0.4)));
    const inserted = await exact.insertFaces(prisma.client, faces);
    const probe = random.near(anchor, 0.2);

    const hits = await exact.searchCollection({ collectionId: alpha, embedding: probe, topK: 5 });
    expect(hits).toHaveLength(5);
    expect(new Set(hits.map((hit) => hit.userId)).size).toBe(5);
    expect(hits[0].userId).toBe(many);
    const best = faces.reduce((a, b) => (cosine(a.embedding, probe) >= cosine(b.embedding, probe) ? a : b));
    expect(hits[0].faceId).toBe(inserted[faces.indexOf(best)].id);
  });

  it('clamps topK to [1, 58] (MAX_TOP_K and the margin read for people hidden from an answer)', async () => {
    const probe = random.unitVector();
    const search = (topK: number) => exact.searchCollection({ collectionId: alpha, embedding: probe, topK });
    await expect(search(0)).resolves.toHaveLength(1);
    await expect(search(500)).resolves.toHaveLength(58);
    await expect(search(2.6)).resolves.toHaveLength(3);
  });

  it('bestMatchForUser is exact over that user only', async () => {
    const anchor = random.unitVector();
    const [owner] = await createUsers(alpha, 1, 'owner');
    const faces = [face(owner, alpha, random.near(anchor, 0.5)), face(owner, alpha, random.near(anchor, 0.1))];
    const inserted = await exact.insertFaces(prisma.client, faces);
    const probe = random.near(anchor, 0.1);

    const match = await exact.bestMatchForUser({ userId: owner, embedding: probe });
    const expected = cosine(faces[0].embedding, probe) > cosine(faces[1].embedding, probe) ? 0 : 1;
    expect(match?.faceId).toBe(inserted[expected].id);
    expect(match?.similarity).toBeCloseTo(cosine(faces[expected].embedding, probe), 4);

    const [empty] = await createUsers(alpha, 1, 'empty');
    await expect(exact.bestMatchForUser({ userId: empty, embedding: probe })).resolves.toBeNull();
  });

  it("bestSimilarities gives each user's exact best similarity, only within the collection", async () => {
    const anchor = random.unitVector();
    const [one, two] = await createUsers(alpha, 2, 'pair');
    const [elsewhere] = await createUsers(beta, 1, 'elsewhere');
    const faces = [face(one, alpha, random.near(anchor, 0.5)), face(one, alpha, random.near(anchor, 0.1)), face(two, alpha, random.near(anchor, 0.3))];
    await exact.insertFaces(prisma.client, [...faces, face(elsewhere, beta, random.near(anchor, 0.1))]);
    const probe = random.near(anchor, 0.1);
    const [empty] = await createUsers(alpha, 1, 'faceless');
    const best = await exact.bestSimilarities({ collectionId: alpha, userIds: [one, two, elsewhere, empty], embedding: probe });
    expect([...best.keys()].sort()).toEqual([one, two].sort());
    expect(best.get(one)).toBeCloseTo(Math.max(cosine(faces[0].embedding, probe), cosine(faces[1].embedding, probe)), 4);
    expect(best.get(two)).toBeCloseTo(cosine(faces[2].embedding, probe), 4);
  });

  it("keeps each person's centroid, the normalised mean of their faces, through every write of their faces", async () => {
    const [person] = await createUsers(beta, 1, 'centroid');
    const embeddings = [random.unitVector(), random.unitVector(), random.unitVector()];
    const inserted = await exact.insertFaces(
      prisma.client,
      embeddings.map((e) => untracked(person, beta, e)),
    );
    expectCentroid(await centroidOf(person), embeddings);
    await exact.insertFaces(prisma.client, [untracked(person, beta, embeddings[0])]);
    expectCentroid(await centroidOf(person), [...embeddings, embeddings[0]]);

    await prisma.client.face.delete({ where: { id: inserted[0].id } });
    expectCentroid(await centroidOf(person), [embeddings[1], embeddings[2], embeddings[0]]);
    // A person's last face gone: no centroid, so no search walks to them.
    await prisma.client.face.deleteMany({ where: { userId: person } });
    await expect(centroidOf(person)).resolves.toBeNull();

    await exact.insertFaces(prisma.client, [untracked(person, beta, embeddings[1])]);
    expectCentroid(await centroidOf(person), [embeddings[1]]);
    await prisma.client.user.delete({ where: { id: person } });
    await expect(centroidOf(person)).resolves.toBeNull();
  });

  it('gives every person of a bulk insert their own centroid, and none to a rolled-back insert', async () => {
    const people = await createUsers(beta, 3, 'bulk');
    const embeddings = people.map(() => [random.unitVector(), random.unitVector()]);
    await exact.insertFaces(
      prisma.client,
      people.flatMap((id, i) => embeddings[i].map((e) => untracked(id, beta, e))),
    );
    for (const [i, id] of people.entries()) expectCentroid(await centroidOf(id), embeddings[i]);
    const [late] = await createUsers(beta, 1, 'rolled-back');
    await expect(
      prisma.client.$transaction(async (tx) => {
        await exact.insertFaces(tx, [untracked(late, beta, random.unitVector())]);
        throw new Error('abort');
      }),
    ).rejects.toThrow('abort');
    await expect(centroidOf(late)).resolves.toBeNull();
    await prisma.client.user.deleteMany({ where: { id: { in: [...people, late] } } });

    // A collection deleted: its people's faces and centroids go with it.
    const gamma = (await prisma.client.collection.create({ data: { name: 'gamma' } })).id;
    const [member] = await createUsers(gamma, 1, 'member');
    await exact.insertFaces(prisma.client, [untracked(member, gamma, random.unitVector())]);
    expect((await centroidOf(member))?.faces).toBe(1);
    await prisma.client.collection.delete({ where: { id: gamma } });
    await expect(centroidOf(member)).resolves.toBeNull();
  });

  (backend === 'postgres' ? it : it.skip)("keeps both faces in the centroid when two transactions add a person's faces at once", async () => {
    // Without the trigger's lock on the person, the second transaction's mean (computed before the first commits)
    // would overwrite the first's and lack its face.
    const holder = new PrismaClient({ adapter: new PrismaPg({ connectionString: testDb!.url, max: 1 }) });
    const [person] = await createUsers(beta, 1, 'race');
    const [first, second] = [random.unitVector(), random.unitVector()];
    let release!: () => void;
    const held = new Promise<void>((resolve) => (release = resolve));
    const open = holder.$transaction(
      async (tx) => {
        await exact.insertFaces(tx, [untracked(person, beta, first)]);
        await held;
      },
      { timeout: 60_000 },
    );
    await sleep(300);
    const racing = exact.insertFaces(prisma.client, [untracked(person, beta, second)]);
    await sleep(300);
    release();
    await open;
    await racing;
    expectCentroid(await centroidOf(person), [first, second]);
    await prisma.client.user.delete({ where: { id: person } });
    await holder.$disconnect();
  });

  it('builds the IVFFlat index with the expected lists, idempotently', async () => {
    const rows = await peopleNow();
    expect(rows).toBeGreaterThanOrEqual(MIN_ROWS_FOR_INDEX);
    const created = await indexed.ensureIndex();
    expect(created).toMatchObject({ action: 'created', rows, lists: await listsNow() });
    await expect(indexed.ensureIndex()).resolves.toMatchObject({ action: 'none', rows, lists: await listsNow() });
    await expect(indexed.indexInfo()).resolves.toMatchObject({ exists: true, lists: await listsNow(), rowsAtBuild: rows, probes: 4, rebuildAtRows: rows * 2 });
    await expect(exact.indexInfo()).resolves.toMatchObject({ probes: probesForLists(await listsNow()), probesSource: 'auto' });
  });

  it('finds the true nearest user on both the exact and the index path', async () => {
    const sample = gallery.filter((f) => f.collectionId === alpha).slice(0, 400);
    const probes = Array.from({ length: 12 }, (_, i) => random.near(sample[i * 31].embedding, 0.2));

    const indexPlan = await indexed.explainSearch({ collectionId: alpha, embedding: probes[0], topK: 5 });
    expect(indexPlan.mode).toBe('index');
    expect(indexPlan.plan).toContain(IVFFLAT_INDEX_NAME);
    // The candidates' people are then read whole, through their index (a person's faces, not the collection's).
    expect(indexPlan.plan).toContain('faces_user_id_idx');
    const exactPlan = await exact.explainSearch({ collectionId: alpha, embedding: probes[0], topK: 5 });
    expect(exactPlan.mode).toBe('exact');
    expect(exactPlan.plan).not.toContain(IVFFLAT_INDEX_NAME);

    for (const probe of probes) {
      const truth = trueNearestUser(gallery, alpha, probe);
      const [exactHit] = await exact.searchCollection({ collectionId: alpha, embedding: probe, topK: 5 });
      const [indexHit] = await indexed.searchCollection({ collectionId: alpha, embedding: probe, topK: 5 });
      expect(exactHit.userId).toBe(truth);
      expect(indexHit.userId).toBe(truth);
      expect(indexHit).toEqual({ ...exactHit, similarity: expect.closeTo(exactHit.similarity, 6) });
    }
  });

  it('scores each person the index path finds by their exact best face, even when the index missed it', async () => {
    // One probed list and a pool of 5 people: the approximate scan misses people often. People with 3 faces each, one
    // near the probe and two further off: a person enters the pool by their centroid, which is none of their faces, and
    // must be scored by their best face.
    const coarse = repositories(prisma, { ...options, exactScanMaxFaces: 0, probes: 1 });
    const centre = random.unitVector();
    const people = await createUsers(alpha, 8, 'spread');
    await exact.insertFaces(
      prisma.client,
      people.flatMap((id) => [face(id, alpha, random.near(centre, 0.3)), face(id, alpha, random.near(centre, 0.6)), face(id, alpha, random.near(centre, 0.6))]),
    );
    let checked = 0;
    for (let i = 0; i < 6; i++) {
      const probe = random.near(centre, 0.3);
      const hits = await coarse.searchCollection({ collectionId: alpha, embedding: probe, topK: 5, candidates: 5 });
      for (const hit of hits) {
        const best = await exact.bestMatchForUser({ userId: hit.userId, embedding: probe });
        expect(hit).toMatchObject({ faceId: best!.faceId, similarity: expect.closeTo(best!.similarity, 6) });
        checked++;
      }
    }
    expect(checked).toBeGreaterThan(6);
  });

  it('keeps the first pass when the caller says it answers, and otherwise answers with the full pass', async () => {
    // Automatic probes: the first pass probes fewer lists than the full one at this size.
    const auto = repositories(prisma, { ...options, exactScanMaxFaces: 0 });
    const lists = await listsNow();
    expect(probesForLists(lists, undefined, 'first')).toBeLessThan(probesForLists(lists));
    const probe = random.near(gallery.filter((f) => f.collectionId === alpha)[7].embedding, 0.2);
    const passes = jest.spyOn(prisma.client, '$transaction');
    try {
      const answers = jest.fn(async (hits: SearchHit[]) => hits.length > 0);
      const found = await auto.searchCollection({ collectionId: alpha, embedding: probe, topK: 3, found: answers });
      expect(answers).toHaveBeenCalledWith(found);
      expect(passes).toHaveBeenCalledTimes(1);
      passes.mockClear();
      // The caller's rule refuses the first pass (say, its best is a person the key is locked out of): the full pass
      // answers, exactly as a full search does, and the rule is not asked again.
      const refuses = jest.fn(async () => false);
      const again = await auto.searchCollection({ collectionId: alpha, embedding: probe, topK: 3, found: refuses });
      expect(passes).toHaveBeenCalledTimes(2);
      expect(refuses).toHaveBeenCalledTimes(1);
      expect(again).toEqual(await auto.searchCollection({ collectionId: alpha, embedding: probe, topK: 3 }));
    } finally {
      passes.mockRestore();
    }
  });

  it('keeps the collection filter on the index path even for a small collection', async () => {
    // beta holds a few percent of the people: without iterative scans, 3 probed lists would rarely hold 20 beta people
    // (the pool asks for 160, more than beta has). The planner rightly prefers the collection_id btree or a seq scan for
    // so selective a filter, so take both away here.
    const forced = await withSeqScansOff();
    await prisma.client.$executeRaw`DROP INDEX user_centroids_collection_id_idx`;
    try {
      const repository = repositories(forced, { ...options, exactScanMaxFaces: 0, probes: 3 });
      const probe = random.unitVector();
      const { plan } = await repository.explainSearch({ collectionId: beta, embedding: probe, topK: 20 });
      expect(plan).toContain(IVFFLAT_INDEX_NAME);
      const hits = await repository.searchCollection({ collectionId: beta, embedding: probe, topK: 20 });
      expect(hits).toHaveLength(20);
      const betaUsers = new Set(gallery.filter((f) => f.collectionId === beta).map((f) => f.userId));
      expect(hits.every((hit) => betaUsers.has(hit.userId))).toBe(true);
    } finally {
      await prisma.client.$executeRaw`CREATE INDEX user_centroids_collection_id_idx ON user_centroids (collection_id)`;
      await forced.restore();
    }
  });

  /** A client whose sessions refuse sequential scans (a startup option natively; the shared session when embedded). */
  async function withSeqScansOff(): Promise<PrismaClientProvider & { restore(): Promise<void> }> {
    if (backend === 'embedded') {
      await prisma.client.$executeRaw`SET enable_seqscan = off`;
      return { client: prisma.client, restore: () => prisma.client.$executeRaw`RESET enable_seqscan`.then() };
    }
    const client = new PrismaClient({
      adapter: new PrismaPg({ connectionString: testDb!.url, max: 1, options: '-c enable_seqscan=off' }),
    });
    return { client, restore: () => client.$disconnect() };
  }

  it('rebuilds the index once the gallery has grown more than 2x', async () => {
    const rows = await peopleNow();
    await prisma.client.vectorIndexState.update({
      where: { indexName: IVFFLAT_INDEX_NAME },
      data: { rowsAtBuild: 500 },
    });
    await expect(indexed.ensureIndex()).resolves.toMatchObject({ action: 'rebuilt', rows, lists: await listsNow() });
    await expect(indexed.indexInfo()).resolves.toMatchObject({ exists: true, lists: await listsNow(), rowsAtBuild: rows });
    const [hit] = await indexed.searchCollection({ collectionId: alpha, embedding: gallery[0].embedding, topK: 1 });
    expect(hit.userId).toBe(gallery[0].userId);
  });
  it("searches the faces' index of an earlier release until the people's index is built; a forced build drops it", async () => {
    await prisma.client.$executeRawUnsafe(`DROP INDEX ${IVFFLAT_INDEX_NAME}`);
    await prisma.client.$executeRawUnsafe(
      `CREATE INDEX ${FACES_INDEX_NAME} ON faces USING ivfflat ((embedding::halfvec(512)) halfvec_cosine_ops) WITH (lists = 10)`,
    );
    // What an earlier release's interrupted rebuild (invalid, as a stopped CREATE INDEX CONCURRENTLY leaves it) and its
    // first index leave behind.
    await prisma.client.$executeRawUnsafe(
      `CREATE INDEX ${FACES_INDEX_NAME}_new ON faces USING ivfflat ((embedding::halfvec(512)) halfvec_cosine_ops) WITH (lists = 10)`,
    );
    await prisma.client.$executeRawUnsafe(`UPDATE pg_index SET indisvalid = false WHERE indexrelid = '${FACES_INDEX_NAME}_new'::regclass`);
    await prisma.client.$executeRawUnsafe('CREATE INDEX faces_embedding_ivfflat_idx ON faces USING ivfflat (embedding vector_cosine_ops) WITH (lists = 10)');
    // As the earlier releases' build did.
    await prisma.client.$executeRawUnsafe('ANALYZE faces');
    const upgraded = repositories(prisma, { ...options, exactScanMaxFaces: 0, probes: 3 });
    await expect(upgraded.indexInfo()).resolves.toMatchObject({ exists: false, kind: 'faces', lists: 10, rowsAtBuild: null });
    const probe = random.near(gallery[3].embedding, 0.2);
    const { mode, plan } = await upgraded.explainSearch({ collectionId: alpha, embedding: probe, topK: 5 });
    expect(mode).toBe('index');
    expect(plan).toMatch(new RegExp(`${FACES_INDEX_NAME}(?!_new)`));
    const [hit] = await upgraded.searchCollection({ collectionId: alpha, embedding: probe, topK: 5 });
    expect(hit.userId).toBe(trueNearestUser(gallery, alpha, probe));

    const earlier = [FACES_INDEX_NAME, `${FACES_INDEX_NAME}_new`, 'faces_embedding_ivfflat_idx'];
    const names = async () =>
      (
        await prisma.client.$queryRawUnsafe<Array<{ name: string }>>(
          `SELECT indexrelid::regclass::text AS name FROM pg_index WHERE indrelid = 'faces'::regclass`,
        )
      ).map((row) => row.name);
    const created = await upgraded.ensureIndex();
    expect(created).toMatchObject({ action: 'created', lists: await listsNow() });
    expect(created.droppedEarlier ?? []).toEqual(backend === 'embedded' ? expect.arrayContaining(earlier) : []);
    await expect(upgraded.explainSearch({ collectionId: alpha, embedding: probe, topK: 5 })).resolves.toMatchObject({
      plan: expect.stringContaining(IVFFLAT_INDEX_NAME),
    });
    if (backend === 'postgres') {
      // An instance of the earlier release may still be searching with them: only a forced build drops them.
      expect(await names()).toEqual(expect.arrayContaining(earlier));
      await expect(upgraded.indexInfo()).resolves.toMatchObject({ exists: true, kind: 'people', earlierIndexes: expect.arrayContaining(earlier) });
      await expect(upgraded.ensureIndex()).resolves.toMatchObject({ action: 'none' });
      expect(await names()).toEqual(expect.arrayContaining(earlier));
      await expect(upgraded.ensureIndex({ force: true })).resolves.toMatchObject({ action: 'rebuilt', droppedEarlier: expect.arrayContaining(earlier) });
    }
    // The embedded server has one process: its build dropped them at once.
    expect(await names()).not.toEqual(expect.arrayContaining([expect.stringMatching(/^faces_embedding_/)]));
    await expect(upgraded.indexInfo()).resolves.toMatchObject({ exists: true, kind: 'people', earlierIndexes: [] });
  });

  it('drops an index left invalid by an interrupted build and builds a valid one', async () => {
    await prisma.client.$executeRawUnsafe(`UPDATE pg_index SET indisvalid = false WHERE indexrelid = '${IVFFLAT_INDEX_NAME}'::regclass`);
    await expect(indexed.indexInfo()).resolves.toMatchObject({ exists: false });
    await expect(indexed.ensureIndex()).resolves.toMatchObject({ action: 'created', lists: await listsNow() });
    const [{ valid }] = await prisma.client.$queryRawUnsafe<Array<{ valid: boolean }>>(
      `SELECT indisvalid AS valid FROM pg_index WHERE indexrelid = '${IVFFLAT_INDEX_NAME}'::regclass`,
    );
    expect(valid).toBe(true);
  });

  (backend === 'postgres' ? it : it.skip)('rebuilds without blocking enrolments (CREATE INDEX CONCURRENTLY, then a swap)', async () => {
    // An open transaction that has written to faces: a plain CREATE INDEX would queue behind it and every later
    // insert would queue behind the CREATE INDEX. A concurrent build waits for it too, but lets other writes through.
    const holder = new PrismaClient({ adapter: new PrismaPg({ connectionString: testDb!.url, max: 1 }) });
    // Two people: a second transaction adding faces to the same person waits for the first (the centroid's lock).
    const [user, other] = await createUsers(alpha, 2, 'concurrent');
    let release!: () => void;
    const held = new Promise<void>((resolve) => (release = resolve));
    const open = holder.$transaction(
      async (tx) => {
        await exact.insertFaces(tx, [face(user, alpha, random.unitVector())]);
        await held;
      },
      { timeout: 60_000 },
    );
    await sleep(200);
    let built = false;
    const rebuild = indexed.ensureIndex({ force: true }).then((r) => ((built = true), r));
    await sleep(500);
    await exact.insertFaces(prisma.client, [face(other, alpha, random.unitVector())]);
    await exact.searchCollection({ collectionId: alpha, embedding: random.unitVector(), topK: 1 });
    expect(built).toBe(false);
    release();
    await open;
    await expect(rebuild).resolves.toMatchObject({ action: 'rebuilt', lists: await listsNow() });
    await expect(indexed.indexInfo()).resolves.toMatchObject({ exists: true, lists: await listsNow() });
    await holder.$disconnect();
  });
});

import { ADMIN_KEY, createTestDatabase, startTestApp, TestApp, testDatabase } from '../../../test/e2e-app';
import { photo } from '../../../test/photos';
import { pauseStandbyReplay, resumeStandbyReplay } from '../../../libs/database/src/testing/standby-replay';

/**
 * Read replicas through the HTTP API (issue 19): the app runs with DATABASE_REPLICA_URLS naming the machine's real
 * streaming standby (scripts/setup-replica.sh, 127.0.0.1:5433) and a replica that does not exist. Searches are served
 * by the standby once it has replayed the collection's last face write; a person enrolled a moment ago is verified and
 * recognised at once, also while the standby's replay is paused (then the primary answers); the replica that does not
 * exist is skipped without an error and readiness stays true. PostgreSQL only: the embedded database has no replicas.
 */
const kind = testDatabase();
const admin = { 'X-API-Key': ADMIN_KEY };
const PEOPLE = [
  'Ariel_Sharon',
  'Arnold_Schwarzenegger',
  'Colin_Powell',
  'Donald_Rumsfeld',
  'George_W_Bush',
  'Gerhard_Schroeder',
  'Hugo_Chavez',
  'Jacques_Chirac',
];

interface ReplicaView {
  name: string;
  up: boolean;
  lagBytes: number;
  reads: number;
}

(kind === 'postgres' ? describe : describe.skip)('read replicas through the API', () => {
  let db: Awaited<ReturnType<typeof createTestDatabase>>;
  let app: TestApp;

  const replicas = async (): Promise<ReplicaView[]> => {
    const res = await app.http.get('/health/ready').expect(200);
    expect(res.body.ready).toBe(true);
    return res.body.checks.replicas as ReplicaView[];
  };

  async function until(what: string, check: () => Promise<boolean>, timeoutMs = 15_000): Promise<void> {
    const deadline = Date.now() + timeoutMs;
    while (!(await check())) {
      if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
      await new Promise((r) => setTimeout(r, 50));
    }
  }

  /** Enrols one person and at once verifies and recognises them with other photos: every answer must find them. */
  async function enrolThenSearch(person: string, collection: string): Promise<void> {
    const enrolled = await app.http
      .post('/users')
      .set(admin)
      .send({ name: person, collection, images: [photo(`${person}/001.jpg`)] })
      .expect(201);
    const verified = await app.http
      .post('/verify')
      .set(admin)
      .send({ userId: enrolled.body.id, image: photo(`${person}/002.jpg`) })
      .expect(200);
    expect([person, verified.body.verified]).toEqual([person, true]);
    const recognized = await app.http
      .post('/recognize')
      .set(admin)
      .send({ collection, image: photo(`${person}/003.jpg`) })
      .expect(200);
    expect([person, recognized.body.match, recognized.body.user?.id]).toEqual([person, true, enrolled.body.id]);
  }

  beforeAll(async () => {
    db = await createTestDatabase('postgres');
    const replica = db.env.DATABASE_URL.replace(':5432/', ':5433/');
    const gone = db.env.DATABASE_URL.replace(':5432/', ':5499/');
    app = await startTestApp(db.env, { DATABASE_REPLICA_URLS: `${replica},${gone}`, DATABASE_REPLICA_POLL_MS: '20' });
    for (const name of ['paused', 'streaming']) await app.http.post('/collections').set(admin).send({ name }).expect(201);
  }, 120_000);

  afterAll(async () => {
    await resumeStandbyReplay().catch(() => undefined);
    await app?.close();
    await db?.drop();
  });

  it('reports each replica in readiness and metrics by host and port, and stays ready with one gone', async () => {
    await until('the standby to be up', async () => (await replicas())[0].up);
    const [standby, gone] = await replicas();
    expect(standby).toMatchObject({ name: '127.0.0.1:5433', up: true });
    expect(gone).toMatchObject({ name: '127.0.0.1:5499', up: false, reads: 0 });
    const metrics = (await app.http.get('/metrics').set(admin).expect(200)).text;
    expect(metrics).toMatch(/facegate_db_replica_up\{replica="127\.0\.0\.1:5433"\} 1/);
    expect(metrics).toMatch(/facegate_db_replica_up\{replica="127\.0\.0\.1:5499"\} 0/);
    expect(metrics).toMatch(/facegate_db_replica_lag_bytes\{replica="127\.0\.0\.1:5433"\} \d+/);
    expect(metrics).not.toMatch(/postgres:\/\//);
  });

  it('finds each person enrolled a moment before, in a burst, while the standby replays nothing (the primary answers)', async () => {
    await pauseStandbyReplay();
    try {
      for (const person of PEOPLE.slice(0, 4)) await enrolThenSearch(person, 'paused');
      const [standby] = await replicas();
      expect(standby.up).toBe(true);
      expect(standby.lagBytes).toBeGreaterThan(0);
      // A deletion is honoured at once too, although the paused standby still holds the person.
      const listed = await app.http.get('/users').query({ collection: 'paused' }).set(admin).expect(200);
      const sharon = listed.body.items.find((u: { name: string }) => u.name === 'Ariel_Sharon');
      await app.http.delete(`/users/${sharon.id}`).set(admin).expect(204);
      const after = await app.http
        .post('/recognize')
        .set(admin)
        .send({ collection: 'paused', image: photo('Ariel_Sharon/004.jpg') })
        .expect(200);
      expect(after.body.user?.id).not.toBe(sharon.id);
    } finally {
      await resumeStandbyReplay();
    }
  }, 120_000);

  it('serves searches from the standby once it has caught up, and enrol-then-search still finds everyone', async () => {
    for (const person of PEOPLE.slice(4)) await enrolThenSearch(person, 'streaming');
    await until('the standby to catch up', async () => (await replicas())[0].lagBytes === 0);
    const before = (await replicas())[0].reads;
    for (const person of PEOPLE.slice(4)) {
      const res = await app.http
        .post('/recognize')
        .set(admin)
        .send({ collection: 'streaming', image: photo(`${person}/004.jpg`) })
        .expect(200);
      expect([person, res.body.match]).toEqual([person, true]);
    }
    expect((await replicas())[0].reads).toBeGreaterThanOrEqual(before + PEOPLE.slice(4).length);
  }, 120_000);

  it('names a person by their new name at once, although the standby still has the old one', async () => {
    await until('the standby to catch up', async () => (await replicas())[0].lagBytes === 0);
    const listed = await app.http.get('/users').query({ collection: 'streaming' }).set(admin).expect(200);
    const bush = listed.body.items.find((u: { name: string }) => u.name === 'George_W_Bush');
    await pauseStandbyReplay();
    try {
      // Searches name their hits from the database they run on: the rename must keep them off the paused standby.
      await app.http.patch(`/users/${bush.id}`).set(admin).send({ name: 'Renamed person' }).expect(200);
      const renamed = await app.http
        .post('/recognize')
        .set(admin)
        .send({ collection: 'streaming', image: photo('George_W_Bush/004.jpg') })
        .expect(200);
      expect(renamed.body.user).toMatchObject({ id: bush.id, name: 'Renamed person' });
    } finally {
      await resumeStandbyReplay();
    }
  }, 120_000);
});

import { ADMIN_KEY, createTestDatabase, startTestApp, testDatabase, TestApp, useTestApp } from '../../../test/e2e-app';
import { photo } from '../../../test/photos';
import { freePort, ServerProcess } from '../../../test/server-process';
import { DEFAULT_MATCH_THRESHOLD } from '@facegate/face-engine';

/**
 * Issue 13's attacks, each as an ordinary key holder would try it, asserted to fail. Tested elsewhere: bodies before
 * authentication (body-limits.e2e-spec.ts), a foreign connection to the embedded database
 * (libs/database/src/embedded/embedded-postgres.int-spec.ts), and the attempt budget's SQL under concurrency on both
 * databases (apps/api/src/lockouts/attempts.repository.int-spec.ts).
 */
const kind = testDatabase();
const admin = { 'X-API-Key': ADMIN_KEY };
const as = (key: string) => ({ 'X-API-Key': key });
const NO_LIMITS = {
  FACEGATE_RATE_LIMIT_ENROL: '100000',
  FACEGATE_RATE_LIMIT_RECOGNIZE: '100000',
  FACEGATE_RATE_LIMIT_READ: '100000',
  FACEGATE_RATE_LIMIT_ADMIN: '100000',
};
const BUDGET = 5;
const BURST = 50;
const VICTIM = ['Tony_Blair/002.jpg', 'Tony_Blair/003.jpg'];
const VICTIM_PROBE = 'Tony_Blair/004.jpg';
const ATTACKER = ['Colin_Powell/001.jpg', 'Colin_Powell/002.jpg', 'Colin_Powell/003.jpg', 'Colin_Powell/004.jpg', 'Colin_Powell/005.jpg'];

type Http = TestApp['http'];

async function newKey(http: Http, name: string, scopes: string[], collections?: string[]): Promise<{ id: string; key: string }> {
  const res = await http.post('/api-keys').set(admin).send({ name, scopes, collections }).expect(201);
  return { id: res.body.id, key: res.body.key };
}

describe(`attacks by key holders (${kind})`, () => {
  const app = useTestApp({ ...NO_LIMITS, FACEGATE_LOCKOUT_FAILURES: String(BUDGET) });
  let victim: string;

  beforeAll(async () => {
    victim = (
      await app()
        .http.post('/users')
        .set(admin)
        .send({ name: 'Tony', externalId: 'victim', images: VICTIM.map(photo) })
        .expect(201)
    ).body.id;
  });

  const verify = (key: string, image: string, extra: object = {}) =>
    app()
      .http.post('/verify')
      .set(as(key))
      .send({ userId: victim, image: photo(image), ...extra });
  const faceCount = async () => (await app().http.get(`/users/${victim}`).set(admin).expect(200)).body.faces.length as number;

  describe('1. threshold override', () => {
    it('a request threshold of 0 neither verifies nor recognises a stranger, and the audit says which threshold decided', async () => {
      const { key } = await newKey(app().http, 'threshold-attacker', ['recognize']);
      const forced = await verify(key, ATTACKER[0], { threshold: 0 }).expect(200);
      expect(forced.body).toMatchObject({ verified: false, threshold: DEFAULT_MATCH_THRESHOLD, similarity: null });
      const recognised = await app()
        .http.post('/recognize')
        .set(as(key))
        .send({ image: photo(ATTACKER[0]), threshold: 0, topK: 50 })
        .expect(200);
      expect(recognised.body).toMatchObject({ match: false, user: null, threshold: DEFAULT_MATCH_THRESHOLD, candidates: [] });
      // A stricter request is honoured and recorded.
      expect((await verify(key, VICTIM_PROBE, { threshold: 0.95 }).expect(200)).body).toMatchObject({ verified: false, threshold: 0.95 });
      const audit = await app().http.get('/audit').query({ action: 'verify', userId: victim }).set(admin).expect(200);
      const thresholds = audit.body.items.map((i: { details: { threshold?: number } }) => i.details.threshold);
      expect(thresholds).toEqual(expect.arrayContaining([DEFAULT_MATCH_THRESHOLD, 0.95]));
    });

    it('compares the exact similarity with the threshold, not a rounded one', async () => {
      const { http } = app();
      await http.post('/collections').set(admin).send({ name: 'rounding' }).expect(201);
      const id = (
        await http
          .post('/users')
          .set(admin)
          .send({ name: 'George', collection: 'rounding', images: [photo('George_W_Bush/002.jpg')] })
          .expect(201)
      ).body.id;
      // The audit log keeps the exact similarity; pick a probe whose 4-decimal rounding goes up.
      const exact = new Map<string, number>();
      for (const probe of ['George_W_Bush/003.jpg', 'George_W_Bush/004.jpg', 'George_W_Bush/005.jpg', 'George_W_Bush/006.jpg', 'George_W_Bush/007.jpg']) {
        await http
          .post('/verify')
          .set(admin)
          .send({ userId: id, image: photo(probe) })
          .expect(200);
        const last = (await http.get('/audit').query({ action: 'verify', userId: id, limit: 1 }).set(admin).expect(200)).body.items[0];
        exact.set(probe, last.similarity);
      }
      const [probe, similarity] = [...exact].find(([, s]) => Math.round(s * 10000) / 10000 > s)!;
      // A threshold between the exact value and its rounding: a rounded comparison would pass it.
      const threshold = (similarity + Math.round(similarity * 10000) / 10000) / 2;
      await http
        .patch('/collections/rounding')
        .set(admin)
        .send({ settings: { matchThreshold: threshold } })
        .expect(200);
      expect(
        (
          await http
            .post('/verify')
            .set(admin)
            .send({ userId: id, image: photo(probe) })
            .expect(200)
        ).body,
      ).toMatchObject({ verified: false, similarity: null });
      await http
        .patch('/collections/rounding')
        .set(admin)
        .send({ settings: { matchThreshold: threshold, exposeScores: true } })
        .expect(200);
      const shown = await http
        .post('/verify')
        .set(admin)
        .send({ userId: id, image: photo(probe) })
        .expect(200);
      // Shown cut to 4 decimals: below the threshold, as the decision was.
      expect(shown.body.similarity).toBeLessThan(threshold);
    });
  });

  describe('2. face poisoning', () => {
    it("an enrol key cannot add an attacker's photo to a victim, and the attacker then does not verify", async () => {
      const { http } = app();
      const { key: enrol } = await newKey(http, 'poisoner', ['enrol']);
      const { key: recognize } = await newKey(http, 'poison-check', ['recognize']);
      const added = await http
        .post(`/users/${victim}/faces`)
        .set(as(enrol))
        .send({ images: [photo(ATTACKER[1])] })
        .expect(422);
      expect(added.body).toMatchObject({ code: 'FACE_MISMATCH', index: 0 });
      expect(added.body).not.toHaveProperty('similarity');
      // The override is an admin's, not an enrol key's.
      expect(
        (
          await http
            .post(`/users/${victim}/faces`)
            .set(as(enrol))
            .send({ images: [photo(ATTACKER[1])], allowMismatch: true })
            .expect(403)
        ).body.code,
      ).toBe('FORBIDDEN');
      expect(await faceCount()).toBe(VICTIM.length);
      expect((await verify(recognize, ATTACKER[2]).expect(200)).body.verified).toBe(false);
      // Another photo of the victim is still welcome (006 matches 002 and 003 at 0.57 and 0.64; 005 is at 0.42 against 002).
      await http
        .post(`/users/${victim}/faces`)
        .set(as(enrol))
        .send({ images: [photo('Tony_Blair/006.jpg')] })
        .expect(201);
      expect(await faceCount()).toBe(VICTIM.length + 1);
    });

    it("an enrol key cannot empty a person's template to refill it, nor delete and re-create the person", async () => {
      const { http } = app();
      const { key: enrol } = await newKey(http, 'replacer', ['enrol']);
      const faces = (await http.get(`/users/${victim}`).set(admin).expect(200)).body.faces as Array<{ id: string }>;
      expect((await http.delete(`/users/${victim}/faces/${faces[0].id}`).set(as(enrol)).expect(403)).body.code).toBe('FORBIDDEN');
      expect((await http.delete(`/users/${victim}`).set(as(enrol)).expect(403)).body.code).toBe('FORBIDDEN');
      expect(await faceCount()).toBe(faces.length);
      // Re-enrolling under the victim's externalId is refused while the victim exists.
      expect(
        (
          await http
            .post('/users')
            .set(as(enrol))
            .send({ name: 'Tony', externalId: 'victim', images: [photo(ATTACKER[3])] })
            .expect(409)
        ).body.code,
      ).toBe('DUPLICATE_EXTERNAL_ID');
    });

    it("testing photos against a person by adding them spends the key's attempt budget", async () => {
      const { http } = app();
      const { key: enrol } = await newKey(http, 'add-guesser', ['enrol']);
      for (let i = 0; i < BUDGET; i++)
        expect(
          (
            await http
              .post(`/users/${victim}/faces`)
              .set(as(enrol))
              .send({ images: [photo(ATTACKER[i])] })
              .expect(422)
          ).body.code,
        ).toBe('FACE_MISMATCH');
      const refused = await http
        .post(`/users/${victim}/faces`)
        .set(as(enrol))
        .send({ images: [photo('Tony_Blair/007.jpg')] })
        .expect(423);
      expect(refused.body.code).toBe('LOCKED_OUT');
      const audit = await http.get('/audit').query({ action: 'add_faces', userId: victim, outcome: 'locked_out' }).set(admin).expect(200);
      expect(audit.body.items).toHaveLength(1);
    });

    it('one enrolment cannot mix two people; an admin may, explicitly and audited', async () => {
      const { http } = app();
      await http.post('/collections').set(admin).send({ name: 'mixed' }).expect(201);
      const { key: enrol } = await newKey(http, 'mixer', ['enrol'], ['mixed']);
      const mixed = await http
        .post('/users')
        .set(as(enrol))
        .send({ name: 'Two people', images: [photo('Hugo_Chavez/001.jpg'), photo('Hugo_Chavez/002.jpg'), photo('Gerhard_Schroeder/001.jpg')] })
        .expect(422);
      expect(mixed.body).toMatchObject({ code: 'FACE_MISMATCH', index: 2 });
      expect((await http.get('/users').query({ collection: 'mixed' }).set(admin).expect(200)).body.items).toEqual([]);
      const forced = await http
        .post('/users')
        .set(admin)
        .send({ name: 'Two people', collection: 'mixed', images: [photo('Hugo_Chavez/001.jpg'), photo('Gerhard_Schroeder/001.jpg')], allowMismatch: true })
        .expect(201);
      const audit = await http.get('/audit').query({ action: 'enrol', userId: forced.body.id }).set(admin).expect(200);
      expect(audit.body.items[0]).toMatchObject({ outcome: 'success', details: { allowMismatch: true } });
    });

    it('a duplicate refusal tells an enrol-only key neither who nor how similar', async () => {
      const { http } = app();
      const { key: enrol } = await newKey(http, 'prober', ['enrol']);
      const blind = await http
        .post('/users')
        .set(as(enrol))
        .send({ name: 'Who is this?', images: [photo(VICTIM_PROBE)] })
        .expect(409);
      expect(blind.body.code).toBe('DUPLICATE_FACE');
      expect(blind.body).not.toHaveProperty('userId');
      expect(blind.body).not.toHaveProperty('similarity');
      expect(blind.body.detail).not.toContain(victim);
      const { key: reader } = await newKey(http, 'reader-enrol', ['enrol', 'read']);
      expect(
        (
          await http
            .post('/users')
            .set(as(reader))
            .send({ name: 'Who is this?', images: [photo(VICTIM_PROBE)] })
            .expect(409)
        ).body,
      ).toMatchObject({ userId: victim, similarity: expect.any(Number) });
    });
    it('an enrol key cannot enrol copies of the victim as other people (decoys that would take the charges of its failed sessions)', async () => {
      const { http } = app();
      const { key: enrol } = await newKey(http, 'decoys', ['enrol', 'recognize']);
      const users = async () => (await http.get('/users').set(admin).expect(200)).body.items.length as number;
      const before = await users();
      for (let i = 0; i < 2; i++) {
        const refused = await http
          .post('/users')
          .set(as(enrol))
          .send({ name: `decoy ${i}`, images: [photo(VICTIM_PROBE)], allowDuplicate: true })
          .expect(403);
        expect(refused.body).toMatchObject({ code: 'FORBIDDEN', scope: 'admin' });
      }
      expect(await users()).toBe(before);
    });
  });

  describe('3. lockout gaps', () => {
    it(`a burst of ${BURST} concurrent wrong verifications gets at most ${BUDGET} evaluated`, async () => {
      const { http } = app();
      const { id, key } = await newKey(http, 'burst', ['recognize']);
      const started = Date.now();
      const answers = await Promise.all(Array.from({ length: BURST }, (_, i) => verify(key, ATTACKER[i % ATTACKER.length])));
      const evaluated = answers.filter((a) => a.status === 200);
      const refused = answers.filter((a) => a.status === 423);
      expect(evaluated.length + refused.length).toBe(BURST);
      expect(evaluated.length).toBeLessThanOrEqual(BUDGET);
      expect(evaluated.every((a) => a.body.verified === false)).toBe(true);
      expect(refused.every((a) => a.body.code === 'LOCKED_OUT' && a.body.retryAfterSeconds > 0)).toBe(true);
      // Only the evaluated ones reached the engine and the match: the audit has one rejection for each.
      const audit = await http.get('/audit').query({ action: 'verify', userId: victim, outcome: 'rejected', limit: 200 }).set(admin).expect(200);
      expect(audit.body.items.filter((i: { keyId: string }) => i.keyId === id)).toHaveLength(evaluated.length);
      console.log(
        `attempt budget under a ${BURST}-request burst (${kind}): ${evaluated.length} evaluated, ${refused.length} refused LOCKED_OUT, ${Date.now() - started} ms`,
      );
      // The key is now locked out of the victim, even with the victim's own photo.
      expect((await verify(key, VICTIM_PROBE).expect(423)).body.code).toBe('LOCKED_OUT');
    });

    it('a locked key is locked out of the person on /recognize too, but no other key is; an admin lists and clears the lock', async () => {
      const { http } = app();
      const { id, key } = await newKey(http, 'locker', ['recognize']);
      const { key: other } = await newKey(http, 'bystander', ['recognize']);
      for (let i = 0; i < BUDGET; i++) expect((await verify(key, ATTACKER[i]).expect(200)).body.verified).toBe(false);
      expect((await verify(key, VICTIM_PROBE).expect(423)).body.code).toBe('LOCKED_OUT');
      // Through 1:N the person is not handed over, and the answer is a stranger's: a distinct one (a 423) would tell
      // the locked-out guesser "this photo works". The audit log says what happened.
      const single = await http
        .post('/recognize')
        .set(as(key))
        .send({ image: photo(VICTIM_PROBE), topK: 5 })
        .expect(200);
      expect(single.body).toMatchObject({ match: false, user: null, similarity: null, candidates: [] });
      const group = await http
        .post('/recognize')
        .set(as(key))
        .send({ image: photo(VICTIM_PROBE), all: true })
        .expect(200);
      expect(group.body.faces[0]).toMatchObject({ match: false, user: null, similarity: null, candidates: [] });
      expect(group.body.faces[0]).not.toHaveProperty('lockedOut');
      const recognitions = await http.get('/audit').query({ action: 'recognize', limit: 2 }).set(admin).expect(200);
      expect(
        recognitions.body.items.map((i: { outcome: string; userId: string | null; keyId: string; details: { lockedOutUsers?: string[] } }) => [
          i.keyId,
          i.outcome,
          i.userId ?? i.details.lockedOutUsers,
        ]),
      ).toEqual([
        [id, 'no_match', [victim]],
        [id, 'locked_out', victim],
      ]);
      // Any recognize key could lock anyone out for everyone before; now the lock is the failing key's alone.
      expect((await verify(other, VICTIM_PROBE).expect(200)).body.verified).toBe(true);
      expect(
        (
          await http
            .post('/recognize')
            .set(as(other))
            .send({ image: photo(VICTIM_PROBE) })
            .expect(200)
        ).body,
      ).toMatchObject({ match: true, user: { id: victim } });

      const listed = await http.get('/lockouts').query({ userId: victim }).set(admin).expect(200);
      expect(listed.body.items).toEqual(
        expect.arrayContaining([expect.objectContaining({ userId: victim, keyId: id, keyName: 'locker', lockedUntil: expect.any(String) })]),
      );
      expect((await http.get('/lockouts').set(as(other)).expect(403)).body.code).toBe('FORBIDDEN');
      // An admin bound to the collection sees the lock on its person, but not which key: that key is not one of its own.
      const { key: tenantAdmin } = await newKey(http, 'default-admin', ['admin'], ['default']);
      const bound = await http.get('/lockouts').query({ userId: victim }).set(as(tenantAdmin)).expect(200);
      expect(bound.body.items).toEqual(expect.arrayContaining([expect.objectContaining({ userId: victim, keyId: null, keyName: null, keyPrefix: null })]));
      // Bad input to the admin routes is a coded 4xx, and clears nothing.
      expect((await http.get('/lockouts').query({ limit: 0 }).set(admin).expect(400)).body.code).toBe('VALIDATION_FAILED');
      expect((await http.delete('/lockouts/not-a-uuid').set(admin).expect(400)).body.code).toBe('VALIDATION_FAILED');
      expect((await http.delete(`/lockouts/${victim}`).query({ keyId: 'nope' }).set(admin).expect(400)).body.code).toBe('VALIDATION_FAILED');
      expect((await http.delete('/lockouts/00000000-0000-4000-8000-000000000000').set(admin).expect(404)).body.code).toBe('USER_NOT_FOUND');
      expect((await verify(key, VICTIM_PROBE).expect(423)).body.code).toBe('LOCKED_OUT');
      await http.delete(`/lockouts/${victim}`).query({ keyId: id }).set(admin).expect(204);
      const cleared = await http.get('/audit').query({ action: 'lockout_clear', userId: victim }).set(admin).expect(200);
      expect(cleared.body.items[0]).toMatchObject({ outcome: 'success', details: { cleared: 1, lockedKeyId: id } });
      expect((await verify(key, VICTIM_PROBE).expect(200)).body.verified).toBe(true);
    });

    it("one key's success does not wipe another key's failures", async () => {
      const { http } = app();
      const { key: guesser } = await newKey(http, 'guesser', ['recognize']);
      const { key: owner } = await newKey(http, 'owner', ['recognize']);
      for (let i = 0; i < BUDGET - 1; i++) await verify(guesser, ATTACKER[i]).expect(200);
      expect((await verify(owner, VICTIM_PROBE).expect(200)).body.verified).toBe(true);
      await verify(guesser, ATTACKER[BUDGET - 1]).expect(200);
      expect((await verify(guesser, ATTACKER[0]).expect(423)).body.code).toBe('LOCKED_OUT');
    });

    it('a spoof refusal counts as a failed attempt', async () => {
      const { http } = app();
      await http
        .post('/collections')
        .set(admin)
        .send({ name: 'spoof-proof', settings: { livenessMode: 'enforce', livenessThreshold: 1 } })
        .expect(201);
      const person = (
        await http
          .post('/users')
          .set(admin)
          .send({ name: 'Hugo', collection: 'spoof-proof', images: [photo('Hugo_Chavez/001.jpg')] })
          .expect(201)
      ).body.id;
      const { key } = await newKey(http, 'spoofer', ['recognize'], ['spoof-proof']);
      for (let i = 0; i < BUDGET; i++) {
        const res = await http
          .post('/verify')
          .set(as(key))
          .send({ userId: person, image: photo('Hugo_Chavez/003.jpg') })
          .expect(403);
        expect(res.body.code).toBe('SPOOF_SUSPECTED');
        expect(res.body).not.toHaveProperty('livenessScore');
      }
      expect(
        (
          await http
            .post('/verify')
            .set(as(key))
            .send({ userId: person, image: photo('Hugo_Chavez/003.jpg') })
            .expect(423)
        ).body.code,
      ).toBe('LOCKED_OUT');
    });

    it('no scoring oracle: /recognize and /compare show no similarity or candidate below the threshold', async () => {
      const { http } = app();
      const { key } = await newKey(http, 'oracle', ['recognize']);
      const stranger = await http
        .post('/recognize')
        .set(as(key))
        .send({ image: photo('Vladimir_Putin/001.jpg'), topK: 50 })
        .expect(200);
      expect(stranger.body).toMatchObject({ match: false, similarity: null, confidence: null, candidates: [] });
      const compared = await http
        .post('/compare')
        .set(as(key))
        .send({ imageA: photo(VICTIM_PROBE), imageB: photo(ATTACKER[0]) })
        .expect(200);
      expect(compared.body).toMatchObject({ match: false, similarity: null, confidence: null, threshold: DEFAULT_MATCH_THRESHOLD });
      const same = await http
        .post('/compare')
        .set(as(key))
        .send({ imageA: photo(VICTIM_PROBE), imageB: photo(VICTIM[0]) })
        .expect(200);
      expect(same.body).toMatchObject({ match: true, similarity: expect.any(Number) });
      // Both decisions are audited with the threshold that decided and the exact similarity.
      const audit = await http.get('/audit').query({ action: 'compare', limit: 2 }).set(admin).expect(200);
      expect(audit.body.items.map((i: { outcome: string; details: { threshold: number } }) => [i.outcome, i.details.threshold])).toEqual([
        ['match', DEFAULT_MATCH_THRESHOLD],
        ['no_match', DEFAULT_MATCH_THRESHOLD],
      ]);
      expect(audit.body.items.every((i: { similarity: unknown }) => typeof i.similarity === 'number')).toBe(true);
    });
  });

  describe('7. smaller holes', () => {
    it('a key bound to one collection sees only its own counts in /stats, and not the shared index', async () => {
      const { http } = app();
      await http.post('/collections').set(admin).send({ name: 'tenant' }).expect(201);
      await http
        .post('/users')
        .set(admin)
        .send({ name: 'Jacques', collection: 'tenant', images: [photo('Jacques_Chirac/001.jpg')] })
        .expect(201);
      const { key } = await newKey(http, 'tenant-reader', ['read'], ['tenant']);
      const stats = await http.get('/stats').set(as(key)).expect(200);
      expect(stats.body.counts).toEqual({ collections: 1, users: 1, faces: 1 });
      expect(stats.body).not.toHaveProperty('index');
      expect(stats.body.model).not.toHaveProperty('pool');
      const all = await http.get('/stats').set(admin).expect(200);
      expect(all.body.counts.users).toBeGreaterThan(1);
      expect(all.body.index).toEqual(expect.objectContaining({ exactScanMaxFaces: expect.any(Number) }));
    });

    it.each([
      ['a name with a right-to-left override', { name: 'Admin\u202Enimda' }],
      ['an external id with a zero-width space', { name: 'Ada', externalId: 'ad\u200Bmin' }],
      ['a metadata key with a bidi isolate', { name: 'Ada', metadata: { ['ro\u2066le']: 'x' } }],
      ['a name with a control character', { name: 'Ada\u0007' }],
    ])('refuses %s (VALIDATION_FAILED) and stores nothing', async (_what, fields) => {
      const { http } = app();
      const before = (await http.get('/stats').set(admin).expect(200)).body.counts.users;
      const res = await http
        .post('/users')
        .set(admin)
        .send({ ...fields, images: [photo('Ariel_Sharon/001.jpg')] })
        .expect(400);
      expect(res.body.code).toBe('VALIDATION_FAILED');
      expect((await http.get('/stats').set(admin).expect(200)).body.counts.users).toBe(before);
      expect((await http.patch(`/users/${victim}`).set(admin).send({ name: 'Admin\u202Enimda' }).expect(400)).body.code).toBe('VALIDATION_FAILED');
    });
  });
});

describe(`6. a revoked bootstrap key (${kind})`, () => {
  it('stops the next start with one log line and exit 1, no stack trace', async () => {
    const db = await createTestDatabase(kind);
    try {
      const first = await startTestApp(db.env);
      const spare = (
        await first.http
          .post('/api-keys')
          .set(admin)
          .send({ name: 'spare', scopes: ['admin'] })
          .expect(201)
      ).body.key;
      const keys = await first.http.get('/api-keys').set(admin).expect(200);
      const bootstrap = keys.body.find((k: { name: string }) => k.name === 'admin (FACEGATE_API_KEY)');
      await first.http.delete(`/api-keys/${bootstrap.id}`).set(as(spare)).expect(204);
      await first.close();

      const server = ServerProcess.start({
        ...db.env,
        PORT: String(await freePort()),
        HOST: '127.0.0.1',
        FACEGATE_API_KEY: ADMIN_KEY,
        LOG_FORMAT: 'json',
        FACEGATE_ENGINE_WORKERS: '1',
      });
      expect(await server.exited).toEqual({ code: 1, signal: null });
      const errors = server.lines.map((l) => JSON.parse(l) as { level: string; msg: string }).filter((e) => e.level === 'error' || e.level === 'fatal');
      expect(errors).toHaveLength(1);
      expect(errors[0].msg).toMatch(/^FACEGATE_API_KEY was revoked on .* set FACEGATE_API_KEY to a new key/);
      expect([...server.lines, ...server.errorLines].filter((l) => /^\s+at |Error:|stack/.test(l))).toEqual([]);
    } finally {
      await db.drop();
    }
  });
});

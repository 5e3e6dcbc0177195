import { createKey, createTestDatabase, ADMIN_KEY, startTestApp, testDatabase, useTestApp, TestApp } from '../../../test/e2e-app';
import { photo } from '../../../test/photos';
import { AuditRetentionService } from '@facegate/core';

const kind = testDatabase();
const admin = { 'X-API-Key': ADMIN_KEY };
const NO_LIMITS = {
  FACEGATE_RATE_LIMIT_ENROL: '100000',
  FACEGATE_RATE_LIMIT_RECOGNIZE: '100000',
  FACEGATE_RATE_LIMIT_READ: '100000',
  FACEGATE_RATE_LIMIT_ADMIN: '100000',
};

const as = (key: string) => ({ 'X-API-Key': key });

describe(`tenancy and security (${kind})`, () => {
  const app = useTestApp({ ...NO_LIMITS, FACEGATE_LOCKOUT_FAILURES: '3', FACEGATE_LOCKOUT_COOLDOWN_SECONDS: '2', FACEGATE_LOCKOUT_DAILY_FAILURES: '6' });
  let alphaKey: string;
  let betaKey: string;
  let alphaUser: string;
  let betaUser: string;

  beforeAll(async () => {
    const { http } = app();
    await http.post('/collections').set(admin).send({ name: 'alpha', description: 'tenant A' }).expect(201);
    await http
      .post('/collections')
      .set(admin)
      .send({ name: 'beta', settings: { matchThreshold: 0.5 } })
      .expect(201);
    alphaKey = (await createKey(app(), { name: 'tenant-a', scopes: ['enrol', 'recognize', 'read'], collections: ['alpha'] })).key;
    betaKey = (await createKey(app(), { name: 'tenant-b', scopes: ['enrol', 'recognize', 'read'], collections: ['beta'] })).key;
    // With one bound collection, the key's requests default to it.
    alphaUser = (
      await http
        .post('/users')
        .set(as(alphaKey))
        .send({ name: 'Tony', images: [photo('Tony_Blair/002.jpg'), photo('Tony_Blair/003.jpg')] })
        .expect(201)
    ).body.id;
    betaUser = (
      await http
        .post('/users')
        .set(as(betaKey))
        .send({ name: 'Hugo', images: [photo('Hugo_Chavez/001.jpg'), photo('Hugo_Chavez/002.jpg')] })
        .expect(201)
    ).body.id;
  });

  describe('collections', () => {
    it('lists, reads, updates and refuses duplicates', async () => {
      const { http } = app();
      const list = await http.get('/collections').set(admin).expect(200);
      expect(list.body.map((c: { name: string }) => c.name)).toEqual(['alpha', 'beta', 'default']);
      const alpha = await http.get('/collections/alpha').set(admin).expect(200);
      expect(alpha.body).toMatchObject({ name: 'alpha', description: 'tenant A', users: 1, faces: 2 });
      await http.patch('/collections/alpha').set(admin).send({ description: 'tenant A, renamed' }).expect(200);
      const dup = await http.post('/collections').set(admin).send({ name: 'alpha' }).expect(409);
      expect(dup.body.code).toBe('COLLECTION_EXISTS');
      expect((await http.get('/collections/NOT_VALID').set(admin).expect(400)).body.code).toBe('VALIDATION_FAILED');
      expect((await http.delete('/collections/default').set(admin).expect(400)).body.code).toBe('VALIDATION_FAILED');
    });

    it('applies a collection threshold setting', async () => {
      const res = await app()
        .http.post('/recognize')
        .set(as(betaKey))
        .send({ image: photo('Hugo_Chavez/003.jpg') })
        .expect(200);
      expect(res.body).toMatchObject({ threshold: 0.5, match: true, user: { id: betaUser } });
    });

    it('deletes a collection with all its users and embeddings', async () => {
      const { http } = app();
      await http.post('/collections').set(admin).send({ name: 'doomed' }).expect(201);
      await http
        .post('/users')
        .set(admin)
        .send({ name: 'Colin', collection: 'doomed', images: [photo('Colin_Powell/001.jpg')] })
        .expect(201);
      const before = (await http.get('/stats').set(admin)).body.counts;
      await http.delete('/collections/doomed').set(admin).expect(204);
      const after = (await http.get('/stats').set(admin)).body.counts;
      expect(after).toEqual({ collections: before.collections - 1, users: before.users - 1, faces: before.faces - 1 });
      expect((await http.get('/collections/doomed').set(admin).expect(404)).body.code).toBe('COLLECTION_NOT_FOUND');
    });

    it('takes the keys bound to a deleted collection and its history away from a new collection of the same name', async () => {
      const { http } = app();
      await http.post('/collections').set(admin).send({ name: 'reused' }).expect(201);
      const only = (await createKey(app(), { name: 'reused-only', scopes: ['read', 'recognize'], collections: ['reused'] })).key;
      const both = (await createKey(app(), { name: 'reused-and-alpha', scopes: ['read'], collections: ['reused', 'alpha'] })).key;
      await http.get('/users?collection=reused').set(as(only)).expect(200);
      const deleted = await http.delete('/collections/reused').set(admin).expect(204);
      expect(deleted.body).toEqual({});
      const gone = (await http.get('/audit?action=collection_delete&collection=reused').set(admin).expect(200)).body.items[0];
      expect(gone.details).toMatchObject({ keysRevoked: 1, keysUnbound: 1 });

      // Another tenant gets the name: the old keys reach none of it, and its key sees none of the old history.
      await http.post('/collections').set(admin).send({ name: 'reused' }).expect(201);
      await http
        .post('/users')
        .set(admin)
        .send({ name: 'Colin', collection: 'reused', images: [photo('Colin_Powell/001.jpg')] })
        .expect(201);
      expect((await http.get('/users?collection=reused').set(as(only)).expect(401)).body.code).toBe('UNAUTHORIZED');
      expect((await http.get('/api-keys/me').set(as(both)).expect(200)).body.collections).toEqual(['alpha']);
      await http.get('/users?collection=reused').set(as(both)).expect(404);
      const newOwner = (await createKey(app(), { name: 'reused-admin', scopes: ['admin'], collections: ['reused'] })).key;
      const history = (await http.get('/audit?limit=200').set(as(newOwner)).expect(200)).body.items as Array<{ action: string; collection: string }>;
      expect(history.map((i) => i.action)).toContain('enrol');
      expect(history.every((i) => i.collection === 'reused')).toBe(true);
      expect(history.map((i) => i.action)).not.toContain('collection_delete');
      // An unbound admin still sees both lives of the name.
      const all = (await http.get('/audit?collection=reused&limit=200').set(admin).expect(200)).body.items as Array<{ action: string }>;
      expect(all.map((i) => i.action)).toEqual(expect.arrayContaining(['collection_delete', 'enrol']));
    });

    it('revokes a key bound to two collections deleted at the same time', async () => {
      const { http } = app();
      for (const name of ['pair-a', 'pair-b']) await http.post('/collections').set(admin).send({ name }).expect(201);
      const pair = await createKey(app(), { name: 'pair', scopes: ['read'], collections: ['pair-a', 'pair-b'] });
      await Promise.all(['pair-a', 'pair-b'].map((name) => http.delete(`/collections/${name}`).set(admin).expect(204)));
      expect((await http.get('/users').set(as(pair.key)).expect(401)).body.code).toBe('UNAUTHORIZED');
      // Its listing names no collection, and says it never reached them all.
      const listed = ((await http.get('/api-keys').set(admin).expect(200)).body as Array<{ id: string }>).find((k) => k.id === pair.id);
      expect(listed).toMatchObject({ collections: [], allCollections: false, revokedAt: expect.any(String) });
    });
  });

  describe('isolation between two collections with two keys', () => {
    it.each([
      ['A cannot reach B', () => [alphaKey, betaUser, 'beta', 'Hugo_Chavez/003.jpg'] as const],
      ['B cannot reach A', () => [betaKey, alphaUser, 'alpha', 'Tony_Blair/004.jpg'] as const],
    ])('%s', async (_name, args) => {
      const [key, otherUser, otherCollection, otherPhoto] = args();
      const { http } = app();
      expect((await http.get(`/users/${otherUser}`).set(as(key)).expect(404)).body.code).toBe('USER_NOT_FOUND');
      expect((await http.patch(`/users/${otherUser}`).set(as(key)).send({ name: 'x' }).expect(404)).body.code).toBe('USER_NOT_FOUND');
      expect(
        (
          await http
            .post('/verify')
            .set(as(key))
            .send({ userId: otherUser, image: photo(otherPhoto) })
            .expect(404)
        ).body.code,
      ).toBe('USER_NOT_FOUND');
      expect((await http.get('/users').query({ collection: otherCollection }).set(as(key)).expect(404)).body.code).toBe('COLLECTION_NOT_FOUND');
      expect(
        (
          await http
            .post('/recognize')
            .set(as(key))
            .send({ collection: otherCollection, image: photo(otherPhoto) })
            .expect(404)
        ).body.code,
      ).toBe('COLLECTION_NOT_FOUND');
      // Its own collection holds no match for the other tenant's person, and never names them.
      const res = await http
        .post('/recognize')
        .set(as(key))
        .send({ image: photo(otherPhoto), topK: 10 })
        .expect(200);
      expect(res.body.match).toBe(false);
      expect(JSON.stringify(res.body)).not.toContain(otherUser);
      // The other person is intact.
      await http.get(`/users/${otherUser}`).set(admin).expect(200);
    });

    it('an unbound admin key sees both', async () => {
      await app().http.get(`/users/${alphaUser}`).set(admin).expect(200);
      await app().http.get(`/users/${betaUser}`).set(admin).expect(200);
    });

    it('a key can only grant collections it may use itself', async () => {
      const boundAdmin = (await createKey(app(), { name: 'alpha-admin', scopes: ['admin'], collections: ['alpha'] })).key;
      expect(
        (
          await app()
            .http.post('/api-keys')
            .set(as(boundAdmin))
            .send({ name: 'x', scopes: ['read'], collections: ['beta'] })
            .expect(403)
        ).body.code,
      ).toBe('FORBIDDEN');
      expect(
        (
          await app()
            .http.post('/api-keys')
            .set(as(boundAdmin))
            .send({ name: 'x', scopes: ['read'] })
            .expect(403)
        ).body.code,
      ).toBe('FORBIDDEN');
      expect((await app().http.post('/collections').set(as(boundAdmin)).send({ name: 'sneaky' }).expect(403)).body.code).toBe('FORBIDDEN');
      const visible = await app().http.get('/collections').set(as(boundAdmin)).expect(200);
      expect(visible.body.map((c: { name: string }) => c.name)).toEqual(['alpha']);
    });
  });

  describe('scopes', () => {
    const someUuid = '00000000-0000-4000-8000-000000000000';
    // Every route with the scope it needs. Bodies are empty: a permitted request fails validation or lookup (4xx), a
    // forbidden one is stopped by the guard (403) before any of that.
    const routes: Array<[string, string, string]> = [
      ['post', '/users', 'enrol'],
      ['get', '/users', 'read'],
      ['get', `/users/${someUuid}`, 'read'],
      ['patch', `/users/${someUuid}`, 'enrol'],
      ['delete', `/users/${someUuid}`, 'admin'],
      ['post', `/users/${someUuid}/faces`, 'enrol'],
      ['delete', `/users/${someUuid}/faces/${someUuid}`, 'admin'],
      ['post', '/verify', 'recognize'],
      ['post', '/recognize', 'recognize'],
      ['post', '/detect', 'recognize'],
      ['post', '/compare', 'recognize'],
      ['get', '/stats', 'read'],
      ['post', '/collections', 'admin'],
      ['get', '/collections', 'admin'],
      ['get', '/collections/alpha', 'admin'],
      ['patch', '/collections/alpha', 'admin'],
      ['delete', '/collections/nope', 'admin'],
      ['post', '/api-keys', 'admin'],
      ['get', '/api-keys', 'admin'],
      ['delete', `/api-keys/${someUuid}`, 'admin'],
      ['get', '/audit', 'admin'],
      ['get', '/lockouts', 'admin'],
      ['delete', `/lockouts/${someUuid}`, 'admin'],
      ['post', '/liveness/sessions', 'recognize'],
      ['get', `/liveness/sessions/${someUuid}`, 'recognize'],
      ['post', `/liveness/sessions/${someUuid}/frames`, 'recognize'],
      ['get', '/metrics', 'admin'],
    ];
    const keys: Record<string, string> = {};

    beforeAll(async () => {
      for (const scope of ['enrol', 'recognize', 'read', 'admin']) keys[scope] = (await createKey(app(), { name: `only-${scope}`, scopes: [scope] })).key;
    });

    it.each(routes)('%s %s needs %s', async (method, path, needed) => {
      for (const [scope, key] of Object.entries(keys)) {
        const req = (app().http as unknown as Record<string, (p: string) => ReturnType<TestApp['http']['get']>>)[method](path).set(as(key));
        const res = method === 'get' || method === 'delete' ? await req : await req.send({});
        const allowed = scope === needed || scope === 'admin';
        if (allowed) {
          expect({ scope, status: res.status }).not.toEqual({ scope, status: 403 });
          expect(res.status).toBeLessThan(500);
        } else {
          expect({ scope, status: res.status, code: res.body.code }).toEqual({ scope, status: 403, code: 'FORBIDDEN' });
        }
      }
    });

    it('GET /api-keys/me describes the calling key to any valid key, and to no one else', async () => {
      for (const [scope, key] of Object.entries(keys)) {
        const res = await app().http.get('/api-keys/me').set(as(key)).expect(200);
        expect(res.body).toMatchObject({
          name: `only-${scope}`,
          scopes: [scope],
          collections: [],
          allCollections: true,
          prefix: key.slice(3, 11),
          revokedAt: null,
        });
        expect(JSON.stringify(res.body)).not.toContain(key);
      }
      expect((await app().http.get('/api-keys/me').expect(401)).body.code).toBe('UNAUTHORIZED');
      expect((await app().http.get('/api-keys/me').set(as('fg_notakey_0000000000000000')).expect(401)).body.code).toBe('UNAUTHORIZED');
    });

    it('health and docs need no key', async () => {
      await app().http.get('/health').expect(200);
      await app().http.get('/health/ready').expect(200);
      await app().http.get('/docs/openapi.json').expect(200);
    });
  });

  describe('API keys', () => {
    it('shows a key once, lists only its prefix, and a revoked key fails on the next request', async () => {
      const { http } = app();
      const created = await http
        .post('/api-keys')
        .set(admin)
        .send({ name: 'temp', scopes: ['read'] })
        .expect(201);
      expect(created.body.key).toMatch(/^fg_[a-z0-9]{8}_/);
      await http.get('/users').set(as(created.body.key)).expect(200);
      const list = await http.get('/api-keys').set(admin).expect(200);
      const listed = list.body.find((k: { id: string }) => k.id === created.body.id);
      expect(listed).toMatchObject({ name: 'temp', prefix: created.body.key.slice(3, 11), scopes: ['read'], revokedAt: null });
      expect(listed.lastUsedAt).not.toBeNull();
      expect(JSON.stringify(list.body)).not.toContain(created.body.key);
      expect(JSON.stringify(list.body)).not.toMatch(/"hash"/);
      await http.delete(`/api-keys/${created.body.id}`).set(admin).expect(204);
      expect((await http.get('/users').set(as(created.body.key)).expect(401)).body.code).toBe('UNAUTHORIZED');
      expect((await http.delete(`/api-keys/${created.body.id}`).set(admin).expect(404)).body.code).toBe('NOT_FOUND');
    });

    it('validates scopes and collections', async () => {
      const { http } = app();
      expect(
        (
          await http
            .post('/api-keys')
            .set(admin)
            .send({ name: 'x', scopes: ['root'] })
            .expect(400)
        ).body.code,
      ).toBe('VALIDATION_FAILED');
      expect((await http.post('/api-keys').set(admin).send({ name: 'x', scopes: [] }).expect(400)).body.code).toBe('VALIDATION_FAILED');
      expect(
        (
          await http
            .post('/api-keys')
            .set(admin)
            .send({ name: 'x', scopes: ['read'], collections: ['missing'] })
            .expect(404)
        ).body.code,
      ).toBe('COLLECTION_NOT_FOUND');
    });
  });

  describe('lockout after repeated failed verifications', () => {
    it('locks the failing key out of the person after 3 failures, not the other keys; audits it, and recovers after the cool-down', async () => {
      const { http } = app();
      for (let i = 0; i < 3; i++) {
        const res = await http
          .post('/verify')
          .set(as(alphaKey))
          .send({ userId: alphaUser, image: photo(`Colin_Powell/00${i + 1}.jpg`) })
          .expect(200);
        expect(res.body.verified).toBe(false);
      }
      const locked = await http
        .post('/verify')
        .set(as(alphaKey))
        .send({ userId: alphaUser, image: photo('Tony_Blair/004.jpg') })
        .expect(423);
      expect(locked.body.code).toBe('LOCKED_OUT');
      expect(locked.headers['content-type']).toMatch(/problem\+json/);
      // The lock is the failing key's: another key still verifies the person (no key can lock anyone out for all).
      expect(
        (
          await http
            .post('/verify')
            .set(admin)
            .send({ userId: alphaUser, image: photo('Tony_Blair/004.jpg') })
            .expect(200)
        ).body.verified,
      ).toBe(true);
      // ...and the locked key cannot get around it through 1:N: the person is not handed over.
      expect(
        (
          await http
            .post('/recognize')
            .set(as(alphaKey))
            .send({ image: photo('Tony_Blair/004.jpg') })
            .expect(200)
        ).body,
      ).toMatchObject({ match: false, user: null });
      const audit = await http.get('/audit').query({ action: 'lockout', userId: alphaUser }).set(admin).expect(200);
      expect(audit.body.items).toHaveLength(1);
      const lockouts = await http.get('/lockouts').set(admin).expect(200);
      expect(lockouts.body.items).toEqual([
        expect.objectContaining({ userId: alphaUser, collection: 'alpha', keyName: 'tenant-a', lockedUntil: expect.any(String) }),
      ]);
      await new Promise((r) => setTimeout(r, 2300));
      const again = await http
        .post('/verify')
        .set(as(alphaKey))
        .send({ userId: alphaUser, image: photo('Tony_Blair/004.jpg') })
        .expect(200);
      expect(again.body.verified).toBe(true);
      expect((await http.get('/lockouts').set(admin).expect(200)).body.items).toEqual([]);
    });

    it("locks a key that stays under the window's lock out once the day's budget is full; the person's own successes do not empty it", async () => {
      const { http } = app();
      const verify = (image: string) =>
        http
          .post('/verify')
          .set(as(betaKey))
          .send({ userId: betaUser, image: photo(image) });
      // Two failures and a success, three times: never the window's three in a row, six for the day.
      for (let round = 0; round < 3; round++) {
        for (const stranger of ['Colin_Powell/001.jpg', 'Colin_Powell/002.jpg']) expect((await verify(stranger).expect(200)).body.verified).toBe(false);
        if (round < 2) expect((await verify('Hugo_Chavez/003.jpg').expect(200)).body.verified).toBe(true);
      }
      const locked = await verify('Hugo_Chavez/003.jpg').expect(423);
      expect(locked.body.code).toBe('LOCKED_OUT');
      // The slow budget drains 6 a day: one failure's worth every 4 hours, then there is room for one more.
      expect(locked.body.retryAfterSeconds).toBeGreaterThan(14_400 - 120);
      expect(locked.body.retryAfterSeconds).toBeLessThanOrEqual(14_400);
      const audit = await http.get('/audit').query({ action: 'lockout', userId: betaUser }).set(admin).expect(200);
      expect(audit.body.items).toEqual([expect.objectContaining({ details: expect.objectContaining({ failures: 6, horizon: 'day' }) })]);
      // An admin lifts it, and the day's count with it.
      await http.delete(`/lockouts/${betaUser}`).set(admin).expect(204);
      expect((await verify('Hugo_Chavez/003.jpg').expect(200)).body.verified).toBe(true);
      expect((await verify('Colin_Powell/003.jpg').expect(200)).body.verified).toBe(false);
    });
  });

  describe('audit log', () => {
    it('records each action with key, request id and outcome, and never an image or a vector', async () => {
      const { http } = app();
      const temp = (
        await http
          .post('/users')
          .set(admin)
          .send({ name: 'Temp', images: [photo('Jacques_Chirac/002.jpg')] })
          .expect(201)
      ).body.id;
      const added = await http
        .post(`/users/${temp}/faces`)
        .set(admin)
        .send({ images: [photo('Jacques_Chirac/003.jpg')] })
        .expect(201);
      await http.delete(`/users/${temp}/faces/${added.body.faces[0].id}`).set(admin).expect(204);
      await http.patch(`/users/${temp}`).set(admin).send({ name: 'Temp 2' }).expect(200);
      await http.delete(`/users/${temp}`).set(admin).expect(204);
      const res = await http.get('/audit').query({ limit: 200 }).set(admin).expect(200);
      const items = res.body.items as Array<Record<string, unknown>>;
      const actions = new Set(items.map((i) => i.action));
      for (const action of [
        'collection_create',
        'collection_update',
        'collection_delete',
        'key_create',
        'key_revoke',
        'enrol',
        'add_faces',
        'delete_face',
        'update',
        'delete',
        'verify',
        'recognize',
        'lockout',
      ]) {
        expect(actions).toContain(action);
      }
      const verify = items.find((i) => i.action === 'verify' && i.outcome === 'rejected' && i.userId === alphaUser)!;
      expect(verify).toMatchObject({
        collection: 'alpha',
        userId: alphaUser,
        keyId: expect.any(String),
        requestId: expect.any(String),
        clientIp: expect.any(String),
      });
      expect(typeof verify.similarity).toBe('number');
      expect(typeof verify.liveness).toBe('number');
      const text = JSON.stringify(items);
      expect(text).not.toContain(photo('Tony_Blair/002.jpg').slice(30, 90));
      expect(text).not.toMatch(/\[(-?\d\.\d+,){50}/);
      expect(text.length / items.length).toBeLessThan(1000);
    });

    it('filters by collection, user, outcome and time, and pages with a cursor', async () => {
      const { http } = app();
      const rejected = await http.get('/audit').query({ outcome: 'rejected', userId: alphaUser }).set(admin).expect(200);
      expect(rejected.body.items.length).toBe(3);
      const beta = await http.get('/audit').query({ collection: 'beta' }).set(admin).expect(200);
      expect(beta.body.items.every((i: { collection: string }) => i.collection === 'beta')).toBe(true);
      const future = await http
        .get('/audit')
        .query({ from: new Date(Date.now() + 3_600_000).toISOString() })
        .set(admin)
        .expect(200);
      expect(future.body.items).toEqual([]);
      const seen = new Set<string>();
      let cursor: string | null = null;
      do {
        const page: { body: { items: Array<{ id: string }>; nextCursor: string | null } } = await http
          .get('/audit')
          .query({ limit: 5, ...(cursor ? { cursor } : {}) })
          .set(admin)
          .expect(200);
        page.body.items.forEach((i) => seen.add(i.id));
        cursor = page.body.nextCursor;
      } while (cursor);
      const all = await http.get('/audit').query({ limit: 200 }).set(admin).expect(200);
      expect(seen.size).toBe(all.body.items.length);
    });

    it('purges rows older than the retention period', async () => {
      const retention = app().app.get(AuditRetentionService);
      expect(await retention.purge(new Date())).toBe(0);
      const inNinetyOneDays = new Date(Date.now() + 91 * 24 * 3_600_000);
      expect(await retention.purge(inNinetyOneDays)).toBeGreaterThan(0);
      expect((await app().http.get('/audit').set(admin).expect(200)).body.items).toEqual([]);
    });

    it("a key bound to a collection sees only its collection's events", async () => {
      const boundAdmin = (await createKey(app(), { name: 'beta-admin', scopes: ['admin'], collections: ['beta'] })).key;
      const res = await app().http.get('/audit').set(as(boundAdmin)).expect(200);
      expect(res.body.items.length).toBeGreaterThan(0);
      expect(res.body.items.every((i: { collection: string }) => i.collection === 'beta')).toBe(true);
    });
  });

  describe('hardening', () => {
    it('sends security headers and a request id, and keeps CORS closed by default', async () => {
      const res = await app().http.get('/health').set('Origin', 'https://evil.example').expect(200);
      expect(res.headers['x-content-type-options']).toBe('nosniff');
      expect(res.headers['x-frame-options']).toBeDefined();
      expect(res.headers['strict-transport-security']).toBeDefined();
      expect(res.headers['x-request-id']).toBeTruthy();
      expect(res.headers['access-control-allow-origin']).toBeUndefined();
      expect((await app().http.get('/health').set('X-Request-Id', 'client-abc-123')).headers['x-request-id']).toBe('client-abc-123');
    });
  });
});

describe(`rate limits (${kind})`, () => {
  const app = useTestApp({ ...NO_LIMITS, FACEGATE_RATE_LIMIT_READ: '3', FACEGATE_CORS_ORIGINS: 'https://app.example', FACEGATE_TRUST_PROXY: 'loopback' });

  it('records the client address from a trusted proxy', async () => {
    await app()
      .http.post('/recognize')
      .set(admin)
      .set('X-Forwarded-For', '203.0.113.7')
      .send({ image: photo('Tony_Blair/002.jpg') })
      .expect(200);
    const audit = await app().http.get('/audit').query({ action: 'recognize' }).set(admin).expect(200);
    expect(audit.body.items[0].clientIp).toBe('203.0.113.7');
  });

  it('allows CORS for the configured origin only', async () => {
    const preflight = await app().http.options('/recognize').set('Origin', 'https://app.example').set('Access-Control-Request-Method', 'POST');
    expect(preflight.headers['access-control-allow-origin']).toBe('https://app.example');
    const other = await app().http.options('/recognize').set('Origin', 'https://evil.example').set('Access-Control-Request-Method', 'POST');
    expect(other.headers['access-control-allow-origin']).toBeUndefined();
  });

  it('refuses the 4th read in a window with 429, Retry-After and RATE_LIMITED; other keys and classes keep their budgets', async () => {
    const { http } = app();
    const other = (await createKey(app(), { name: 'other', scopes: ['read', 'recognize'] })).key;
    for (let i = 0; i < 3; i++) await http.get('/users').set(admin).expect(200);
    const refused = await http.get('/users').set(admin).expect(429);
    expect(refused.body.code).toBe('RATE_LIMITED');
    expect(Number(refused.headers['retry-after'])).toBeGreaterThan(0);
    await http.get('/users').set(as(other)).expect(200);
    await http
      .post('/recognize')
      .set(admin)
      .send({ image: photo('Tony_Blair/002.jpg') })
      .expect(200);
  });
});

// Instances share a database and, with REDIS_URL, one rate-limit budget. The embedded database belongs to one
// process (its data directory is locked), so this runs against native PostgreSQL.
(kind === 'postgres' ? describe : describe.skip)('rate limits shared through Redis by two instances', () => {
  it('two app instances draw on one budget per key', async () => {
    const db = await createTestDatabase('postgres');
    const env = { ...db.env, ...NO_LIMITS, FACEGATE_RATE_LIMIT_READ: '4', REDIS_URL: 'redis://127.0.0.1:6379' };
    const one = await startTestApp(env);
    const two = await startTestApp(env);
    try {
      await one.http.get('/users').set(admin).expect(200);
      await two.http.get('/users').set(admin).expect(200);
      await one.http.get('/users').set(admin).expect(200);
      await two.http.get('/users').set(admin).expect(200);
      expect((await one.http.get('/users').set(admin).expect(429)).body.code).toBe('RATE_LIMITED');
      expect((await two.http.get('/users').set(admin).expect(429)).body.code).toBe('RATE_LIMITED');
    } finally {
      await one.close();
      await two.close();
      await db.drop();
    }
  });
});

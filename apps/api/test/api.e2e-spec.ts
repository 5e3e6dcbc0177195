import sharp from 'sharp';
import { ADMIN_KEY, testDatabase, useTestApp } from '../../../test/e2e-app';
import { PEOPLE, photo, photoBytes, STRANGERS } from '../../../test/photos';
import { DEFAULT_MATCH_THRESHOLD } from '@facegate/face-engine';

const kind = testDatabase();
// LFW photos 002, 003 and 006 of these people show one face; 004, 005 and 007 are kept for probes.
const ENROL = ['002', '003', '006'];

describe(`facegate API end to end (${kind})`, () => {
  const app = useTestApp();
  const ids = new Map<string, string>();
  const auth = { 'X-API-Key': ADMIN_KEY };

  it('enrols people with several photos each', async () => {
    for (const person of PEOPLE) {
      const res = await app()
        .http.post('/users')
        .set(auth)
        .send({
          name: person.replace('_', ' '),
          externalId: person.toLowerCase(),
          images: ENROL.map((n) => photo(`${person}/${n}.jpg`)),
          metadata: { source: 'lfw' },
        })
        .expect(201);
      expect(res.body).toMatchObject({ name: person.replace('_', ' '), externalId: person.toLowerCase(), collection: 'default', metadata: { source: 'lfw' } });
      expect(res.body.faces).toHaveLength(3);
      expect(res.body.faces[0]).toEqual(
        expect.objectContaining({
          id: expect.any(String),
          score: expect.any(Number),
          box: expect.any(Object),
          quality: expect.objectContaining({ sizePx: expect.any(Number) }),
        }),
      );
      expect(JSON.stringify(res.body)).not.toMatch(/embedding/);
      ids.set(person, res.body.id);
    }
  });

  it('verifies the genuine person and rejects an impostor', async () => {
    const genuine = await app()
      .http.post('/verify')
      .set(auth)
      .send({ userId: ids.get('Tony_Blair'), image: photo('Tony_Blair/004.jpg') })
      .expect(200);
    expect(genuine.body).toMatchObject({ verified: true, threshold: DEFAULT_MATCH_THRESHOLD, user: { id: ids.get('Tony_Blair'), name: 'Tony Blair' } });
    expect(genuine.body.similarity).toBeGreaterThan(DEFAULT_MATCH_THRESHOLD);
    expect(['high', 'medium', 'low']).toContain(genuine.body.confidence);

    const impostor = await app()
      .http.post('/verify')
      .set(auth)
      .send({ userId: ids.get('Tony_Blair'), image: photo('Colin_Powell/004.jpg') })
      .expect(200);
    // A rejection's score is withheld unless the collection exposes scores (see the topK test).
    expect(impostor.body).toMatchObject({ verified: false, similarity: null, confidence: null, threshold: DEFAULT_MATCH_THRESHOLD });
    // Nor does a rejection name the claimed person: a recognize key would learn names behind ids for one photo each.
    expect(impostor.body.user).toBeNull();
    expect(JSON.stringify(impostor.body)).not.toContain('Tony Blair');
  });

  it('verifies by externalId, and a stricter threshold can refuse', async () => {
    const res = await app()
      .http.post('/verify')
      .set(auth)
      .send({ externalId: 'george_w_bush', image: photo('George_W_Bush/007.jpg') })
      .expect(200);
    expect(res.body.verified).toBe(true);
    const strict = await app()
      .http.post('/verify')
      .set(auth)
      .send({ externalId: 'george_w_bush', image: photo('George_W_Bush/007.jpg'), threshold: 0.999 })
      .expect(200);
    expect(strict.body).toMatchObject({ verified: false, threshold: 0.999 });
  });

  it('recognises enrolled people from new photos', async () => {
    for (const person of PEOPLE) {
      const res = await app()
        .http.post('/recognize')
        .set(auth)
        .send({ image: photo(`${person}/004.jpg`) })
        .expect(200);
      expect({ person, match: res.body.match, user: res.body.user?.id }).toEqual({ person, match: true, user: ids.get(person) });
      expect(res.body.face.box.width).toBeGreaterThan(0);
    }
  });

  it('answers "no match" for strangers instead of the nearest person', async () => {
    for (const stranger of STRANGERS) {
      const res = await app()
        .http.post('/recognize')
        .set(auth)
        .send({ image: photo(stranger), topK: 3 })
        .expect(200);
      // No candidate below the threshold and no score: nothing to hill-climb on.
      expect(res.body).toMatchObject({ match: false, user: null, candidates: [], similarity: null, confidence: null });
    }
  });

  it('returns topK distinct candidates, best first, below the threshold only where the collection exposes scores', async () => {
    const hidden = await app()
      .http.post('/recognize')
      .set(auth)
      .send({ image: photo('Hugo_Chavez/005.jpg'), topK: 5 })
      .expect(200);
    expect(hidden.body.candidates.map((c: { user: { id: string } }) => c.user.id)).toEqual([ids.get('Hugo_Chavez')]);
    await app()
      .http.patch('/collections/default')
      .set(auth)
      .send({ settings: { exposeScores: true } })
      .expect(200);
    try {
      const res = await app()
        .http.post('/recognize')
        .set(auth)
        .send({ image: photo('Hugo_Chavez/005.jpg'), topK: 5 })
        .expect(200);
      const candidates = res.body.candidates as Array<{ user: { id: string }; similarity: number }>;
      expect(candidates).toHaveLength(5);
      expect(new Set(candidates.map((c) => c.user.id)).size).toBe(5);
      expect(candidates[0].user.id).toBe(ids.get('Hugo_Chavez'));
      for (let i = 1; i < candidates.length; i++) expect(candidates[i].similarity).toBeLessThanOrEqual(candidates[i - 1].similarity);
      const stranger = await app()
        .http.post('/recognize')
        .set(auth)
        .send({ image: photo(STRANGERS[0]), topK: 3 })
        .expect(200);
      expect(stranger.body.match).toBe(false);
      expect(stranger.body.candidates.length).toBeGreaterThan(0);
      expect(stranger.body.similarity).toBeLessThan(DEFAULT_MATCH_THRESHOLD);
      const impostor = await app()
        .http.post('/verify')
        .set(auth)
        .send({ userId: ids.get('Hugo_Chavez'), image: photo('Colin_Powell/004.jpg') })
        .expect(200);
      expect(impostor.body.similarity).toBeLessThan(DEFAULT_MATCH_THRESHOLD);
      expect(impostor.body.confidence).toBe('high');
    } finally {
      await app().http.patch('/collections/default').set(auth).send({ settings: {} }).expect(200);
    }
  });

  it('accepts multipart uploads for enrolment and recognition', async () => {
    await app().http.post('/collections').set(auth).send({ name: 'multipart' }).expect(201);
    const enrol = await app()
      .http.post('/users')
      .set(auth)
      .field('name', 'Jacques Multipart')
      .field('collection', 'multipart')
      .attach('files', photoBytes('Jacques_Chirac/001.jpg'), 'a.jpg')
      .attach('files', photoBytes('Jacques_Chirac/002.jpg'), 'b.jpg')
      .expect(201);
    expect(enrol.body.faces).toHaveLength(2);
    const res = await app()
      .http.post('/recognize')
      .set(auth)
      .field('collection', 'multipart')
      .field('topK', '2')
      .attach('file', photoBytes('Jacques_Chirac/005.jpg'), 'p.jpg')
      .expect(200);
    expect(res.body.user.id).toBe(enrol.body.id);
  });

  it('keeps collections apart', async () => {
    const res = await app()
      .http.post('/recognize')
      .set(auth)
      .send({ image: photo('Jacques_Chirac/005.jpg'), collection: 'multipart', topK: 10 })
      .expect(200);
    expect(res.body.candidates.every((c: { user: { name: string } }) => c.user.name === 'Jacques Multipart')).toBe(true);
  });

  it('detects every face of a group photo with landmarks and quality', async () => {
    const res = await app()
      .http.post('/detect')
      .set(auth)
      .send({ image: photo('groups/006.jpg') })
      .expect(200);
    expect(res.body.faces).toHaveLength(6);
    expect(res.body.faces[0]).toEqual(expect.objectContaining({ landmarks: expect.any(Object), quality: expect.any(Object), score: expect.any(Number) }));
    expect(res.body.width).toBeGreaterThan(0);
    // The enrolment hint applies the server's gates: faces under the minimum size say so.
    for (const face of res.body.faces) {
      expect(face.enrolment.issues.includes('size')).toBe(face.quality.sizePx < 40);
      expect(face.enrolment.ok).toBe(face.enrolment.issues.length === 0);
    }
    // Six people of similar size: every face has a rival, as enrolment would say (MULTIPLE_FACES).
    expect(res.body.faces.every((f: { enrolment: { issues: string[] } }) => f.enrolment.issues.includes('second_face'))).toBe(true);
    const single = await app()
      .http.post('/detect')
      .set(auth)
      .send({ image: photo('Tony_Blair/004.jpg') })
      .expect(200);
    expect(single.body.faces[0].enrolment).toEqual({ ok: true, issues: [] });
  });

  it('detects small faces with the tiled pass unless smallFaces is false (one pass, for live previews)', async () => {
    // The group photo shrunk into a corner of a large canvas: its faces are too small for the one whole-image pass.
    const group = await sharp(photoBytes('groups/006.jpg')).resize({ width: 700 }).toBuffer();
    const canvas = await sharp({ create: { width: 2800, height: 2100, channels: 3, background: '#808080' } })
      .composite([{ input: group, left: 0, top: 0 }])
      .jpeg()
      .toBuffer();
    const tiled = await app().http.post('/detect').set(auth).attach('file', canvas, 'canvas.jpg').expect(200);
    const single = await app().http.post('/detect').set(auth).attach('file', canvas, 'canvas.jpg').field('smallFaces', 'false').expect(200);
    expect(tiled.body.faces.length).toBeGreaterThan(single.body.faces.length);
    // A large face is found either way.
    const portrait = await app()
      .http.post('/detect')
      .set(auth)
      .send({ image: photo('Tony_Blair/004.jpg'), smallFaces: false })
      .expect(200);
    expect(portrait.body.faces).toHaveLength(1);
    expect(
      (
        await app()
          .http.post('/detect')
          .set(auth)
          .send({ image: photo('Tony_Blair/004.jpg'), smallFaces: 'maybe' })
          .expect(400)
      ).body.code,
    ).toBe('VALIDATION_FAILED');
  });

  it('compares two photos', async () => {
    const same = await app()
      .http.post('/compare')
      .set(auth)
      .send({ imageA: photo('Ariel_Sharon/004.jpg'), imageB: photo('Ariel_Sharon/005.jpg') })
      .expect(200);
    expect(same.body.match).toBe(true);
    const different = await app()
      .http.post('/compare')
      .set(auth)
      .send({ imageA: photo('Ariel_Sharon/004.jpg'), imageB: photo('Tony_Blair/005.jpg') })
      .expect(200);
    expect(different.body).toMatchObject({ match: false, threshold: DEFAULT_MATCH_THRESHOLD });
  });

  it('updates a person', async () => {
    const id = ids.get('Donald_Rumsfeld');
    const res = await app()
      .http.patch(`/users/${id}`)
      .set(auth)
      .send({ name: 'Don Rumsfeld', metadata: { role: 'secretary' } })
      .expect(200);
    expect(res.body).toMatchObject({ name: 'Don Rumsfeld', metadata: { role: 'secretary' } });
    expect((await app().http.get(`/users/${id}`).set(auth).expect(200)).body.name).toBe('Don Rumsfeld');
  });

  it('keeps metadata keys that name methods of plain objects (toString, valueOf, ...) at every depth, and refuses constructor', async () => {
    const id = ids.get('Donald_Rumsfeld');
    const metadata = { toString: 't', valueOf: 'v', hasOwnProperty: 'h', nested: { isPrototypeOf: [2], toLocaleString: 'l' } };
    const patched = await app().http.patch(`/users/${id}`).set(auth).send({ metadata }).expect(200);
    expect(patched.body.metadata).toEqual(metadata);
    expect((await app().http.get(`/users/${id}`).set(auth).expect(200)).body.metadata).toEqual(metadata);
    const refused = await app()
      .http.patch(`/users/${id}`)
      .set(auth)
      .send({ metadata: { nested: { constructor: 1 } } })
      .expect(400);
    expect(refused.body.code).toBe('VALIDATION_FAILED');
    expect((await app().http.get(`/users/${id}`).set(auth).expect(200)).body.metadata).toEqual(metadata);
    await app()
      .http.patch(`/users/${id}`)
      .set(auth)
      .send({ metadata: { role: 'secretary' } })
      .expect(200);
  });

  it('adds and removes faces', async () => {
    const id = ids.get('Gerhard_Schroeder');
    const added = await app()
      .http.post(`/users/${id}/faces`)
      .set(auth)
      .send({ images: [photo('Gerhard_Schroeder/008.jpg')] })
      .expect(201);
    expect(added.body.faces).toHaveLength(1);
    expect((await app().http.get(`/users/${id}`).set(auth)).body.faces).toHaveLength(4);
    await app().http.delete(`/users/${id}/faces/${added.body.faces[0].id}`).set(auth).expect(204);
    expect((await app().http.get(`/users/${id}`).set(auth)).body.faces).toHaveLength(3);
  });

  it('deletes a person, who is then no longer recognised', async () => {
    const id = ids.get('Colin_Powell');
    await app().http.delete(`/users/${id}`).set(auth).expect(204);
    await app().http.get(`/users/${id}`).set(auth).expect(404);
    const res = await app()
      .http.post('/recognize')
      .set(auth)
      .send({ image: photo('Colin_Powell/004.jpg'), topK: 10 })
      .expect(200);
    expect(res.body.match).toBe(false);
    expect(res.body.candidates.map((c: { user: { id: string } }) => c.user.id)).not.toContain(id);
    const stats = await app().http.get('/stats').set(auth).expect(200);
    expect(stats.body.counts.faces).toBe((PEOPLE.length - 1) * 3 + 2);
  });

  it('pages through users with a cursor', async () => {
    const seen: string[] = [];
    let cursor: string | null = null;
    let pages = 0;
    do {
      const res: { body: { items: Array<{ id: string; faceCount: number }>; nextCursor: string | null } } = await app()
        .http.get('/users')
        .query({ limit: 3, ...(cursor ? { cursor } : {}) })
        .set(auth)
        .expect(200);
      seen.push(...res.body.items.map((i) => i.id));
      expect(res.body.items.every((i) => i.faceCount === 3)).toBe(true);
      cursor = res.body.nextCursor;
      pages++;
    } while (cursor && pages < 10);
    expect(seen).toHaveLength(PEOPLE.length - 1);
    expect(new Set(seen).size).toBe(seen.length);
    expect(pages).toBe(Math.ceil((PEOPLE.length - 1) / 3));
  });

  it('searches people by name or externalId, case-insensitively, with pagination', async () => {
    const byName = await app().http.get('/users').query({ search: 'BLAIR' }).set(auth).expect(200);
    expect(byName.body.items.map((i: { id: string }) => i.id)).toEqual([ids.get('Tony_Blair')]);
    const byExternalId = await app().http.get('/users').query({ search: 'george_w' }).set(auth).expect(200);
    expect(byExternalId.body.items.map((i: { id: string }) => i.id)).toEqual([ids.get('George_W_Bush')]);
    expect((await app().http.get('/users').query({ search: 'nobody-has-this' }).set(auth).expect(200)).body).toEqual({ items: [], nextCursor: null });
    // LIKE wildcards match themselves: '%' is in nobody's name, 'george%w' and 'george_bush' in nobody's externalId.
    for (const literal of ['%', 'george%w', 'george_bush', '\\']) {
      expect({ literal, items: (await app().http.get('/users').query({ search: literal }).set(auth).expect(200)).body.items }).toEqual({ literal, items: [] });
    }
    // A search and a cursor combine: every page holds only matches.
    const matches = PEOPLE.filter((p) => p !== 'Colin_Powell' && /r/i.test(p));
    const first = await app().http.get('/users').query({ search: 'r', limit: 2 }).set(auth).expect(200);
    const rest = await app().http.get('/users').query({ search: 'r', limit: 100, cursor: first.body.nextCursor }).set(auth).expect(200);
    expect([...first.body.items, ...rest.body.items].map((i: { id: string }) => i.id).sort()).toEqual(matches.map((p) => ids.get(p)).sort());
    expect((await app().http.get('/users').query({ search: '' }).set(auth).expect(400)).body.code).toBe('VALIDATION_FAILED');
  });

  it('reports health, readiness, stats and docs', async () => {
    await app().http.get('/health').expect(200);
    const ready = await app().http.get('/health/ready').expect(200);
    expect(ready.body).toMatchObject({ ready: true, checks: { database: true, migrationsPending: 0, models: true, databaseMode: kind } });
    const stats = await app().http.get('/stats').set(auth).expect(200);
    expect(stats.body).toMatchObject({ model: { dimensions: 512, threshold: DEFAULT_MATCH_THRESHOLD }, database: { mode: kind } });
    // The gallery here is below FACEGATE_MIN_ROWS_FOR_INDEX: no index yet, and the settings say how search will run.
    expect(stats.body.index).toMatchObject({
      exists: false,
      kind: null,
      lists: null,
      probesSource: 'auto',
      exactScanMaxFaces: 20000,
      rebuildAtRows: null,
      earlierIndexes: [],
    });
    const docs = await app().http.get('/docs/openapi.json').expect(200);
    for (const path of [
      '/users',
      '/users/{id}',
      '/users/{id}/faces',
      '/users/{id}/faces/{faceId}',
      '/verify',
      '/recognize',
      '/detect',
      '/compare',
      '/stats',
      '/health',
      '/health/ready',
    ]) {
      expect(Object.keys(docs.body.paths)).toContain(path);
    }
    expect(JSON.stringify(docs.body.paths['/users'].post.responses)).toContain('MULTIPLE_FACES');
  });
});

import { randomUUID } from 'node:crypto';
import { ADMIN_KEY, createKey, testDatabase, useTestApp } from '../../../test/e2e-app';
import { expectProblem } from '../../../test/error-code';
import { photo } from '../../../test/photos';

/**
 * Face-level operations (issue 20): /recognize and /verify with a stored face as the probe (faceId instead of an
 * image; admin only, never a live capture), and deleting several faces of a person in one call, all or nothing.
 */
const kind = testDatabase();
const admin = { 'X-API-Key': ADMIN_KEY };
const ENROL = ['002', '003', '006'];

interface Face {
  id: string;
}

describe(`face-level operations (${kind})`, () => {
  const app = useTestApp();
  const people = new Map<string, { id: string; faces: Face[] }>();

  async function enrol(person: string, collection?: string) {
    const res = await app()
      .http.post('/users')
      .set(admin)
      .send({ name: person, collection, images: ENROL.map((n) => photo(`${person}/${n}.jpg`)) })
      .expect(201);
    const entry = { id: res.body.id as string, faces: res.body.faces as Face[] };
    people.set(collection ? `${collection}/${person}` : person, entry);
    return entry;
  }

  const faceCount = async (userId: string) => ((await app().http.get(`/users/${userId}`).set(admin).expect(200)).body.faces as Face[]).length;

  beforeAll(async () => {
    await app().http.post('/collections').set(admin).send({ name: 'other' }).expect(201);
    await app()
      .http.post('/collections')
      .set(admin)
      .send({ name: 'sign-in', settings: { purpose: 'sign_in' } })
      .expect(201);
    for (const person of ['Tony_Blair', 'Colin_Powell', 'George_W_Bush']) await enrol(person);
    await enrol('Donald_Rumsfeld', 'other');
    await enrol('Jacques_Chirac', 'sign-in');
  });

  describe('recognition by a stored face', () => {
    it('answers /recognize by face id as it answers the photo the face came from', async () => {
      const blair = people.get('Tony_Blair')!;
      // The first enrolled photo is ENROL[0]; its stored face is the probe.
      const byPhoto = await app()
        .http.post('/recognize')
        .set(admin)
        .send({ image: photo(`Tony_Blair/${ENROL[0]}.jpg`), topK: 3 })
        .expect(200);
      const byFace = await app().http.post('/recognize').set(admin).send({ faceId: blair.faces[0].id, topK: 3 }).expect(200);
      expect(byFace.body).toMatchObject({ match: true, user: { id: blair.id } });
      expect(byFace.body.user).toEqual(byPhoto.body.user);
      expect(byFace.body.similarity).toBeCloseTo(byPhoto.body.similarity, 3);
      expect(byFace.body.candidates.map((c: { user: { id: string } }) => c.user.id)).toEqual(
        byPhoto.body.candidates.map((c: { user: { id: string } }) => c.user.id),
      );
      byFace.body.candidates.forEach((c: { similarity: number }, i: number) => expect(c.similarity).toBeCloseTo(byPhoto.body.candidates[i].similarity, 3));
      // No capture, so no liveness: no score, no challenge.
      expect(byFace.body.liveness).toMatchObject({ score: null, live: null, challengePassed: false });
      expect(byFace.body.face).toEqual(expect.objectContaining({ box: expect.any(Object), quality: expect.any(Object) }));
    });

    it('answers /verify by face id: the face of the claimed person verifies, another person does not', async () => {
      const blair = people.get('Tony_Blair')!;
      const powell = people.get('Colin_Powell')!;
      const same = await app().http.post('/verify').set(admin).send({ userId: blair.id, faceId: blair.faces[1].id }).expect(200);
      const samePhoto = await app()
        .http.post('/verify')
        .set(admin)
        .send({ userId: blair.id, image: photo(`Tony_Blair/${ENROL[1]}.jpg`) })
        .expect(200);
      expect(same.body).toMatchObject({ verified: true, user: { id: blair.id }, liveness: { score: null, challengePassed: false } });
      expect(same.body.similarity).toBeCloseTo(samePhoto.body.similarity, 3);
      const other = await app().http.post('/verify').set(admin).send({ userId: blair.id, faceId: powell.faces[0].id }).expect(200);
      expect(other.body).toMatchObject({ verified: false, similarity: null });
    });

    it('a face of another collection is FACE_NOT_FOUND (404), as is one that does not exist', async () => {
      const rumsfeld = people.get('other/Donald_Rumsfeld')!;
      const blair = people.get('Tony_Blair')!;
      expectProblem(await app().http.post('/recognize').set(admin).send({ faceId: rumsfeld.faces[0].id }), 404, 'FACE_NOT_FOUND');
      expectProblem(await app().http.post('/verify').set(admin).send({ userId: blair.id, faceId: rumsfeld.faces[0].id }), 404, 'FACE_NOT_FOUND');
      expectProblem(await app().http.post('/recognize').set(admin).send({ faceId: randomUUID() }), 404, 'FACE_NOT_FOUND');
      // In its own collection the same face is found.
      const own = await app().http.post('/recognize').set(admin).send({ faceId: rumsfeld.faces[0].id, collection: 'other' }).expect(200);
      expect(own.body).toMatchObject({ match: true, user: { id: rumsfeld.id } });
    });

    it('is for admin keys only: a recognize key gets FORBIDDEN and learns nothing', async () => {
      const { key } = await createKey(app(), { name: 'probe', scopes: ['recognize', 'read'] });
      const blair = people.get('Tony_Blair')!;
      expectProblem(await app().http.post('/recognize').set({ 'X-API-Key': key }).send({ faceId: blair.faces[0].id }), 403, 'FORBIDDEN');
      expectProblem(await app().http.post('/verify').set({ 'X-API-Key': key }).send({ userId: blair.id, faceId: blair.faces[0].id }), 403, 'FORBIDDEN');
      // A face id that does not exist answers the same: no existence oracle for a key that may not probe.
      expectProblem(await app().http.post('/recognize').set({ 'X-API-Key': key }).send({ faceId: randomUUID() }), 403, 'FORBIDDEN');
    });

    it('never stands for a live capture: no liveness token with it, and a sign-in collection says challengePassed false', async () => {
      const chirac = people.get('sign-in/Jacques_Chirac')!;
      // A photo needs a passed challenge in a sign-in collection ...
      expectProblem(
        await app()
          .http.post('/recognize')
          .set(admin)
          .send({ image: photo(`Jacques_Chirac/${ENROL[0]}.jpg`), collection: 'sign-in' }),
        403,
        'LIVENESS_REQUIRED',
      );
      // ... an admin's search by stored face is answered, and says plainly that no challenge was passed.
      const res = await app().http.post('/recognize').set(admin).send({ faceId: chirac.faces[0].id, collection: 'sign-in' }).expect(200);
      expect(res.body).toMatchObject({ match: true, liveness: { score: null, live: null, challengePassed: false } });
      expectProblem(
        await app().http.post('/recognize').set(admin).send({ faceId: chirac.faces[0].id, collection: 'sign-in', livenessToken: 'lt_abcdefghijklmnop' }),
        400,
        'VALIDATION_FAILED',
      );
    });

    it('refuses a key that may not search by face before anything is looked up (no person, collection or budget)', async () => {
      const { key } = await createKey(app(), { name: 'probe-order', scopes: ['recognize'] });
      const blair = people.get('Tony_Blair')!;
      const as = { 'X-API-Key': key };
      expectProblem(await app().http.post('/verify').set(as).send({ userId: randomUUID(), faceId: blair.faces[0].id }), 403, 'FORBIDDEN');
      expectProblem(await app().http.post('/recognize').set(as).send({ faceId: blair.faces[0].id, collection: 'nope' }), 403, 'FORBIDDEN');
      expectProblem(await app().http.post('/recognize').set(as).send({ faceId: blair.faces[0].id, all: true }), 403, 'FORBIDDEN');
    });

    it('keeps a bound admin key to its own collections', async () => {
      const { key } = await createKey(app(), { name: 'other-admin', scopes: ['admin'], collections: ['other'] });
      const rumsfeld = people.get('other/Donald_Rumsfeld')!;
      const blair = people.get('Tony_Blair')!;
      const as = { 'X-API-Key': key };
      expectProblem(await app().http.post('/verify').set(as).send({ userId: rumsfeld.id, faceId: blair.faces[0].id }), 404, 'FACE_NOT_FOUND');
      expectProblem(await app().http.post('/recognize').set(as).send({ faceId: blair.faces[0].id }), 404, 'FACE_NOT_FOUND');
      const own = await app().http.post('/recognize').set(as).send({ faceId: rumsfeld.faces[1].id }).expect(200);
      expect(own.body.user.id).toBe(rumsfeld.id);
    });

    it("is no attempt on the person: its certain success does not wipe the key's failed verifications", async () => {
      const bush = people.get('George_W_Bush')!;
      const impostor = () =>
        app()
          .http.post('/verify')
          .set(admin)
          .send({ userId: bush.id, image: photo('Colin_Powell/004.jpg') });
      // FACEGATE_LOCKOUT_FAILURES is 5: four failures, a search by the person's own face, then the fifth failure locks.
      for (let i = 0; i < 4; i++) expect((await impostor().expect(200)).body.verified).toBe(false);
      expect((await app().http.post('/verify').set(admin).send({ userId: bush.id, faceId: bush.faces[0].id }).expect(200)).body.verified).toBe(true);
      expect((await impostor().expect(200)).body.verified).toBe(false);
      expectProblem(await impostor(), 423, 'LOCKED_OUT');
      await app().http.delete(`/lockouts/${bush.id}`).set(admin).expect(204);
    });

    it('answers a stored face without a liveness check even where passive liveness is enforced (no capture to judge)', async () => {
      await app()
        .http.post('/collections')
        .set(admin)
        .send({ name: 'enforced', settings: { purpose: 'photo_search', livenessMode: 'enforce' } })
        .expect(201);
      const schroeder = await enrol('Gerhard_Schroeder', 'enforced');
      const res = await app().http.post('/recognize').set(admin).send({ faceId: schroeder.faces[0].id, collection: 'enforced' }).expect(200);
      expect(res.body).toMatchObject({ match: true, liveness: { mode: 'enforce', score: null, live: null, challengePassed: false } });
    });

    it('takes faceId as a multipart field too, and refuses it beside a file', async () => {
      const blair = people.get('Tony_Blair')!;
      const res = await app().http.post('/recognize').set(admin).field('faceId', blair.faces[0].id).expect(200);
      expect(res.body.user.id).toBe(blair.id);
      const both = await app()
        .http.post('/recognize')
        .set(admin)
        .field('faceId', blair.faces[0].id)
        .attach('file', Buffer.from(photo('Tony_Blair/004.jpg').split(',')[1], 'base64'), 'probe.jpg');
      expectProblem(both, 400, 'VALIDATION_FAILED');
    });

    it('refuses a request with both probes, neither, a bad id, or faceId with all: true', async () => {
      const blair = people.get('Tony_Blair')!;
      const face = blair.faces[0].id;
      for (const body of [{ faceId: face, image: photo('Tony_Blair/004.jpg') }, {}, { faceId: 'not-a-uuid' }, { faceId: face, all: true }, { faceId: 42 }]) {
        expectProblem(await app().http.post('/recognize').set(admin).send(body), 400, 'VALIDATION_FAILED');
      }
      expectProblem(await app().http.post('/verify').set(admin).send({ userId: blair.id }), 400, 'VALIDATION_FAILED');
      expectProblem(
        await app()
          .http.post('/verify')
          .set(admin)
          .send({ userId: blair.id, faceId: face, image: photo('Tony_Blair/004.jpg') }),
        400,
        'VALIDATION_FAILED',
      );
    });

    it('is audited with the stored face it used', async () => {
      const bush = people.get('George_W_Bush')!;
      await app().http.post('/recognize').set(admin).send({ faceId: bush.faces[2].id }).expect(200);
      const audit = await app().http.get('/audit').query({ action: 'recognize', userId: bush.id, limit: 1 }).set(admin).expect(200);
      expect(audit.body.items[0]).toMatchObject({ outcome: 'match', details: expect.objectContaining({ probeFaceId: bush.faces[2].id }) });
    });
  });

  describe('deleting several faces at once', () => {
    it('deletes nothing when one id is not a face of this person, and names the missing ones', async () => {
      const powell = people.get('Colin_Powell')!;
      const blair = people.get('Tony_Blair')!;
      const stranger = randomUUID();
      const missing = await app()
        .http.post(`/users/${powell.id}/faces/delete`)
        .set(admin)
        .send({ faceIds: [powell.faces[0].id, powell.faces[1].id, stranger] });
      expectProblem(missing, 404, 'FACE_NOT_FOUND');
      expect(missing.body.missing).toEqual([stranger]);
      // Another person's face is not this person's either.
      expectProblem(
        await app()
          .http.post(`/users/${powell.id}/faces/delete`)
          .set(admin)
          .send({ faceIds: [powell.faces[0].id, blair.faces[0].id] }),
        404,
        'FACE_NOT_FOUND',
      );
      expect(await faceCount(powell.id)).toBe(3);
      expect(await faceCount(blair.id)).toBe(3);
      // The faces are still searchable.
      const still = await app().http.post('/recognize').set(admin).send({ faceId: powell.faces[0].id }).expect(200);
      expect(still.body.user.id).toBe(powell.id);
    });

    it('deletes all the listed faces in one call, audited', async () => {
      const powell = people.get('Colin_Powell')!;
      const res = await app()
        .http.post(`/users/${powell.id}/faces/delete`)
        .set(admin)
        .send({ faceIds: [powell.faces[0].id, powell.faces[1].id] })
        .expect(200);
      expect(res.body).toEqual({ deleted: 2, remaining: 1 });
      const left = (await app().http.get(`/users/${powell.id}`).set(admin).expect(200)).body.faces as Face[];
      expect(left.map((f) => f.id)).toEqual([powell.faces[2].id]);
      expectProblem(await app().http.post('/recognize').set(admin).send({ faceId: powell.faces[0].id }), 404, 'FACE_NOT_FOUND');
      const audit = await app().http.get('/audit').query({ action: 'delete_faces', userId: powell.id }).set(admin).expect(200);
      expect(audit.body.items[0]).toMatchObject({ outcome: 'success', details: { faces: 2, faceIds: [powell.faces[0].id, powell.faces[1].id] } });
    });

    it('takes ids in either case, and an id spelt twice is a repeat', async () => {
      const blair = people.get('Tony_Blair')!;
      const id = blair.faces[2].id;
      expectProblem(
        await app()
          .http.post(`/users/${blair.id}/faces/delete`)
          .set(admin)
          .send({ faceIds: [id, id.toUpperCase()] }),
        400,
        'VALIDATION_FAILED',
      );
      const res = await app()
        .http.post(`/users/${blair.id}/faces/delete`)
        .set(admin)
        .send({ faceIds: [id.toUpperCase()] })
        .expect(200);
      expect(res.body).toEqual({ deleted: 1, remaining: 2 });
    });

    it('refuses bad lists (empty, repeated ids, not uuids) and keys that are not admin', async () => {
      const bush = people.get('George_W_Bush')!;
      for (const faceIds of [[], [bush.faces[0].id, bush.faces[0].id], ['x'], 'abc', null, [null]]) {
        expectProblem(await app().http.post(`/users/${bush.id}/faces/delete`).set(admin).send({ faceIds }), 400, 'VALIDATION_FAILED');
      }
      const { key } = await createKey(app(), { name: 'enrol-only', scopes: ['enrol', 'read'] });
      expectProblem(
        await app()
          .http.post(`/users/${bush.id}/faces/delete`)
          .set({ 'X-API-Key': key })
          .send({ faceIds: [bush.faces[0].id] }),
        403,
        'FORBIDDEN',
      );
      expectProblem(
        await app()
          .http.post(`/users/${randomUUID()}/faces/delete`)
          .set(admin)
          .send({ faceIds: [bush.faces[0].id] }),
        404,
        'USER_NOT_FOUND',
      );
      expect(await faceCount(bush.id)).toBe(3);
    });
  });
});

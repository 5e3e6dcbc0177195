import sharp from 'sharp';
import { pngDeclaring, pseudoRandomBytes } from '../../../test/crafted-images';
import { ADMIN_KEY, testDatabase, useTestApp } from '../../../test/e2e-app';
import { photo, photoBytes } from '../../../test/photos';

const kind = testDatabase();
const auth = { 'X-API-Key': ADMIN_KEY };
const b64 = (b: Buffer) => b.toString('base64');

describe(`every error is a coded problem (${kind})`, () => {
  const app = useTestApp({ FACEGATE_MAX_BODY_BYTES: String(2 * 1024 * 1024), FACEGATE_MAX_IMAGE_BYTES: String(600 * 1024), FACEGATE_MAX_FACES_PER_USER: '2' });
  let bushId: string;

  beforeAll(async () => {
    const res = await app()
      .http.post('/users')
      .set(auth)
      .send({ name: 'George', externalId: 'gwb', images: [photo('George_W_Bush/001.jpg')] })
      .expect(201);
    bushId = res.body.id;
  });

  const expectProblem = (
    res: { status: number; body: Record<string, unknown>; headers: Record<string, string>; text: string },
    status: number,
    code: string,
  ) => {
    expect({ status: res.status, code: res.body.code }).toEqual({ status, code });
    expect(res.headers['content-type']).toMatch(/^application\/problem\+json/);
    expect(res.body).toEqual(expect.objectContaining({ type: expect.any(String), title: expect.any(String), status, detail: expect.any(String) }));
    expect(res.text).not.toMatch(/at \w+ \(|node_modules|SELECT |prisma/i);
    expect(res.headers['x-request-id']).toBeTruthy();
  };

  it('UNAUTHORIZED without a key or with a wrong one', async () => {
    expectProblem(await app().http.get('/users'), 401, 'UNAUTHORIZED');
    expectProblem(await app().http.get('/users').set('X-API-Key', 'wrong-key-wrong-key'), 401, 'UNAUTHORIZED');
    await app().http.get('/health').expect(200);
  });

  it('VALIDATION_FAILED for missing, mistyped and unknown fields and bad ids', async () => {
    expectProblem(
      await app()
        .http.post('/users')
        .set(auth)
        .send({ images: [photo('George_W_Bush/002.jpg')] }),
      400,
      'VALIDATION_FAILED',
    );
    expectProblem(await app().http.post('/users').set(auth).send({ name: 'x', images: [] }), 400, 'VALIDATION_FAILED');
    expectProblem(await app().http.post('/users').set(auth).send({ name: 'x', images: 'nope' }), 400, 'VALIDATION_FAILED');
    expectProblem(
      await app()
        .http.post('/users')
        .set(auth)
        .send({ name: 'x', images: [photo('George_W_Bush/002.jpg')], admin: true }),
      400,
      'VALIDATION_FAILED',
    );
    expectProblem(
      await app()
        .http.post('/recognize')
        .set(auth)
        .send({ image: photo('George_W_Bush/002.jpg'), topK: 51 }),
      400,
      'VALIDATION_FAILED',
    );
    expectProblem(
      await app()
        .http.post('/verify')
        .set(auth)
        .send({ image: photo('George_W_Bush/002.jpg') }),
      400,
      'VALIDATION_FAILED',
    );
    expectProblem(await app().http.get('/users/not-a-uuid').set(auth), 400, 'VALIDATION_FAILED');
    expectProblem(await app().http.get('/users').query({ cursor: 'garbage' }).set(auth), 400, 'VALIDATION_FAILED');
    expectProblem(await app().http.post('/users').set(auth).set('Content-Type', 'application/json').send('{"name": "x", '), 400, 'VALIDATION_FAILED');
  });

  it('VALIDATION_FAILED for a collection purpose that does not exist, and the stored settings stay as they were', async () => {
    await app()
      .http.post('/collections')
      .set(auth)
      .send({ name: 'purposeful', settings: { purpose: 'photo_search' } })
      .expect(201);
    expectProblem(
      await app()
        .http.post('/collections')
        .set(auth)
        .send({ name: 'bad-purpose', settings: { purpose: 'login' } }),
      400,
      'VALIDATION_FAILED',
    );
    expectProblem(
      await app()
        .http.patch('/collections/purposeful')
        .set(auth)
        .send({ settings: { purpose: 'SIGN_IN' } }),
      400,
      'VALIDATION_FAILED',
    );
    const stored = await app().http.get('/collections/purposeful').set(auth).expect(200);
    expect(stored.body).toMatchObject({ settings: { purpose: 'photo_search' }, policy: { purpose: 'photo_search', requireLivenessToken: false } });
    await app().http.get('/collections/bad-purpose').set(auth).expect(404);
  });

  it('VALIDATION_FAILED for a lone UTF-16 surrogate in a value or a key, over JSON and multipart, and nothing changes', async () => {
    const { http } = app();
    const patched = await http.patch(`/users/${bushId}`).set(auth).set('Content-Type', 'application/json').send('{"metadata":{"a":"\\ud800"}}');
    expectProblem(patched, 400, 'VALIDATION_FAILED');
    const renamed = await http.patch(`/users/${bushId}`).set(auth).set('Content-Type', 'application/json').send('{"externalId":"gwb\\udbff"}');
    expectProblem(renamed, 400, 'VALIDATION_FAILED');
    const enrolled = await http
      .post('/users')
      .set(auth)
      .field('name', 'x')
      .field('metadata', '{"\\udc00":1}')
      .attach('file', photoBytes('Hugo_Chavez/001.jpg'), 'a.jpg');
    expectProblem(enrolled, 400, 'VALIDATION_FAILED');
    const bush = await http.get(`/users/${bushId}`).set(auth).expect(200);
    expect(bush.body).toMatchObject({ externalId: 'gwb' });
    expect(bush.body.metadata ?? {}).toEqual({});
  });

  it('UNSUPPORTED_MEDIA_TYPE for bodies that are neither JSON nor multipart', async () => {
    expectProblem(await app().http.post('/recognize').set(auth).set('Content-Type', 'text/plain').send('hello'), 415, 'UNSUPPORTED_MEDIA_TYPE');
  });

  it('INVALID_IMAGE, UNSUPPORTED_FORMAT and IMAGE_TOO_LARGE for bad images', async () => {
    expectProblem(
      await app()
        .http.post('/recognize')
        .set(auth)
        .send({ image: b64(pseudoRandomBytes(4000)) }),
      400,
      'INVALID_IMAGE',
    );
    expectProblem(await app().http.post('/recognize').set(auth).send({ image: 'not base64 at all!' }), 400, 'INVALID_IMAGE');
    const jpeg = photoBytes('George_W_Bush/002.jpg');
    expectProblem(
      await app()
        .http.post('/recognize')
        .set(auth)
        .send({ image: b64(jpeg.subarray(0, jpeg.length >> 1)) }),
      400,
      'INVALID_IMAGE',
    );
    expectProblem(
      await app()
        .http.post('/recognize')
        .set(auth)
        .send({ image: b64(Buffer.from('GIF89a\x01\x00\x01\x00', 'latin1')) }),
      400,
      'UNSUPPORTED_FORMAT',
    );
    expectProblem(
      await app()
        .http.post('/recognize')
        .set(auth)
        .send({ image: b64(pngDeclaring(50000, 50000)) }),
      413,
      'IMAGE_TOO_LARGE',
    );
  });

  it('IMAGE_TOO_LARGE for an uploaded file over the per-image limit', async () => {
    const big = Buffer.concat([photoBytes('George_W_Bush/002.jpg'), Buffer.alloc(700 * 1024)]);
    expectProblem(await app().http.post('/recognize').set(auth).attach('file', big, 'big.jpg'), 413, 'IMAGE_TOO_LARGE');
    expectProblem(
      await app()
        .http.post('/recognize')
        .set(auth)
        .send({ image: b64(big) }),
      413,
      'IMAGE_TOO_LARGE',
    );
  });

  it('TOO_MANY_FACES beyond the per-user limit, with nothing added', async () => {
    const res = await app()
      .http.post(`/users/${bushId}/faces`)
      .set(auth)
      .send({ images: [photo('George_W_Bush/002.jpg'), photo('George_W_Bush/003.jpg')] });
    expectProblem(res, 422, 'TOO_MANY_FACES');
    expect((await app().http.get(`/users/${bushId}`).set(auth)).body.faces).toHaveLength(1);
  });

  it('PAYLOAD_TOO_LARGE for a body over the limit', async () => {
    expectProblem(
      await app()
        .http.post('/recognize')
        .set(auth)
        .send({ image: 'A'.repeat(3 * 1024 * 1024) }),
      413,
      'PAYLOAD_TOO_LARGE',
    );
  });

  it('NO_FACE, MULTIPLE_FACES and FACE_TOO_SMALL, naming the photo that failed', async () => {
    const noFace = await app()
      .http.post('/users')
      .set(auth)
      .send({ name: 'x', images: [photo('George_W_Bush/002.jpg'), photo('noface/001.png')] });
    expectProblem(noFace, 422, 'NO_FACE');
    expect(noFace.body.index).toBe(1);
    const multiple = await app()
      .http.post('/users')
      .set(auth)
      .send({ name: 'x', images: [photo('groups/003.jpg')] });
    expectProblem(multiple, 422, 'MULTIPLE_FACES');
    expect(multiple.body.index).toBe(0);
    const tiny = await sharp(photoBytes('Tony_Blair/002.jpg')).resize(60, 60).jpeg().toBuffer();
    const small = await app()
      .http.post('/users')
      .set(auth)
      .send({ name: 'x', images: [b64(tiny)] });
    expectProblem(small, 422, 'FACE_TOO_SMALL');
    expectProblem(
      await app()
        .http.post('/recognize')
        .set(auth)
        .send({ image: photo('noface/003.png') }),
      422,
      'NO_FACE',
    );
  });

  it('COLLECTION_NOT_FOUND for a collection that does not exist', async () => {
    expectProblem(
      await app()
        .http.post('/users')
        .set(auth)
        .send({ name: 'x', collection: 'nowhere', images: [photo('George_W_Bush/002.jpg')] }),
      404,
      'COLLECTION_NOT_FOUND',
    );
    expectProblem(
      await app()
        .http.post('/recognize')
        .set(auth)
        .send({ collection: 'nowhere', image: photo('George_W_Bush/002.jpg') }),
      404,
      'COLLECTION_NOT_FOUND',
    );
  });

  it('USER_NOT_FOUND and FACE_NOT_FOUND', async () => {
    const missing = '00000000-0000-4000-8000-000000000000';
    expectProblem(await app().http.get(`/users/${missing}`).set(auth), 404, 'USER_NOT_FOUND');
    expectProblem(await app().http.patch(`/users/${missing}`).set(auth).send({ name: 'y' }), 404, 'USER_NOT_FOUND');
    expectProblem(await app().http.delete(`/users/${missing}`).set(auth), 404, 'USER_NOT_FOUND');
    expectProblem(
      await app()
        .http.post('/verify')
        .set(auth)
        .send({ userId: missing, image: photo('George_W_Bush/002.jpg') }),
      404,
      'USER_NOT_FOUND',
    );
    expectProblem(
      await app()
        .http.post('/verify')
        .set(auth)
        .send({ externalId: 'nobody', image: photo('George_W_Bush/002.jpg') }),
      404,
      'USER_NOT_FOUND',
    );
    expectProblem(await app().http.delete(`/users/${bushId}/faces/${missing}`).set(auth), 404, 'FACE_NOT_FOUND');
    expectProblem(await app().http.get('/no-such-route').set(auth), 404, 'NOT_FOUND');
  });

  it('DUPLICATE_EXTERNAL_ID within a collection, allowed in another', async () => {
    expectProblem(
      await app()
        .http.post('/users')
        .set(auth)
        .send({ name: 'again', externalId: 'gwb', images: [photo('George_W_Bush/003.jpg')] }),
      409,
      'DUPLICATE_EXTERNAL_ID',
    );
    await app().http.post('/collections').set(auth).send({ name: 'other' }).expect(201);
    await app()
      .http.post('/users')
      .set(auth)
      .send({ name: 'again', externalId: 'gwb', collection: 'other', images: [photo('George_W_Bush/003.jpg')] })
      .expect(201);
  });

  it('an enrolment that fails on a later photo stores nothing', async () => {
    // (Two photos: this app allows two faces per person, and a third photo is refused before any is analysed.)
    const before = (await app().http.get('/stats').set(auth)).body.counts;
    const res = await app()
      .http.post('/users')
      .set(auth)
      .send({ name: 'partial', externalId: 'partial', images: [photo('Tony_Blair/002.jpg'), b64(pseudoRandomBytes(999))] });
    expectProblem(res, 400, 'INVALID_IMAGE');
    expect(res.body.index).toBe(1);
    const after = (await app().http.get('/stats').set(auth)).body.counts;
    expect(after).toEqual(before);
    const list = await app().http.get('/users').set(auth).expect(200);
    expect(list.body.items.map((u: { externalId: string }) => u.externalId)).not.toContain('partial');
  });

  it('refuses more photos than a person may have before analysing any (FACEGATE_MAX_FACES_PER_USER 2 here)', async () => {
    const before = (await app().http.get('/stats').set(auth)).body.counts;
    const three = [photo('Tony_Blair/002.jpg'), photo('Tony_Blair/003.jpg'), photo('Tony_Blair/004.jpg')];
    const res = await app().http.post('/users').set(auth).send({ name: 'three', externalId: 'three', images: three });
    expectProblem(res, 400, 'VALIDATION_FAILED');
    expect((await app().http.get('/stats').set(auth)).body.counts).toEqual(before);
  });

  it('stored data is unchanged by all of the above: the known person still verifies', async () => {
    const res = await app()
      .http.post('/verify')
      .set(auth)
      .send({ userId: bushId, image: photo('George_W_Bush/004.jpg') })
      .expect(200);
    expect(res.body.verified).toBe(true);
  });
});

import sharp from 'sharp';
import { ADMIN_KEY, testDatabase, useTestApp } from '../../../test/e2e-app';
import { photo, photoBytes } from '../../../test/photos';
import { DEFAULT_MATCH_THRESHOLD } from '@facegate/face-engine';

const kind = testDatabase();
const admin = { 'X-API-Key': ADMIN_KEY };
const b64 = (b: Buffer) => b.toString('base64');

describe(`quality gates, duplicate enrolment and passive liveness (${kind})`, () => {
  const app = useTestApp();

  describe('quality gates at enrolment', () => {
    // George_W_Bush/002.jpg: a 117 px face, sharpness 434, brightness 0.51, roll -2 as an original.
    const original = photoBytes('George_W_Bush/002.jpg');
    const variants: Array<[string, () => Promise<Buffer>, string]> = [
      ['blurred', () => sharp(original).blur(4).jpeg().toBuffer(), 'sharpness'],
      ['dark', () => sharp(original).linear(0.12, 0).jpeg().toBuffer(), 'brightness'],
      ['overexposed', () => sharp(photoBytes('deepface_img1/001.jpg')).linear(1, 200).jpeg().toBuffer(), 'brightness'],
      ['strongly rotated', () => sharp(original).rotate(50, { background: '#808080' }).jpeg().toBuffer(), 'roll'],
    ];

    it.each(variants)('refuses a %s photo with LOW_QUALITY naming %s and its measure', async (_name, make, check) => {
      const res = await app()
        .http.post('/users')
        .set(admin)
        .send({ name: 'x', images: [b64(await make())] })
        .expect(422);
      expect(res.body.code).toBe('LOW_QUALITY');
      expect(res.body.failedChecks).toContain(check);
      expect(typeof res.body[check]).toBe('number');
      expect(res.body.index).toBe(0);
    });

    it('refuses a tiny face with FACE_TOO_SMALL and its size', async () => {
      const tiny = await sharp(original).resize(70, 70).jpeg().toBuffer();
      const res = await app()
        .http.post('/users')
        .set(admin)
        .send({ name: 'x', images: [b64(tiny)] })
        .expect(422);
      expect(res.body).toMatchObject({ code: 'FACE_TOO_SMALL', minFaceSize: 40 });
      expect(res.body.sizePx).toBeLessThan(40);
    });

    it('accepts the originals', async () => {
      await app()
        .http.post('/users')
        .set(admin)
        .send({ name: 'George', externalId: 'gwb', images: [b64(original)] })
        .expect(201);
    });
  });

  describe('duplicate enrolment', () => {
    let tony: string;

    it('refuses a face that already matches another person, naming them', async () => {
      const { http } = app();
      tony = (
        await http
          .post('/users')
          .set(admin)
          .send({ name: 'Tony', images: [photo('Tony_Blair/002.jpg')] })
          .expect(201)
      ).body.id;
      const dup = await http
        .post('/users')
        .set(admin)
        .send({ name: 'Tony again', images: [photo('Tony_Blair/003.jpg')] })
        .expect(409);
      expect(dup.body).toMatchObject({ code: 'DUPLICATE_FACE', userId: tony, index: 0 });
      expect(dup.body.similarity).toBeGreaterThanOrEqual(DEFAULT_MATCH_THRESHOLD);
    });

    it('allows more photos of the same person, and enrols a duplicate anyway with allowDuplicate', async () => {
      const { http } = app();
      await http
        .post(`/users/${tony}/faces`)
        .set(admin)
        .send({ images: [photo('Tony_Blair/004.jpg')] })
        .expect(201);
      await http
        .post('/users')
        .set(admin)
        .send({ name: 'Tony twin', images: [photo('Tony_Blair/003.jpg')], allowDuplicate: true })
        .expect(201);
      // Now a new photo of Tony matches another person (the twin): adding it to Tony is refused unless insisted.
      expect(
        (
          await http
            .post(`/users/${tony}/faces`)
            .set(admin)
            .send({ images: [photo('Tony_Blair/006.jpg')] })
            .expect(409)
        ).body.code,
      ).toBe('DUPLICATE_FACE');
      await http
        .post(`/users/${tony}/faces`)
        .set(admin)
        .send({ images: [photo('Tony_Blair/006.jpg')], allowDuplicate: true })
        .expect(201);
    });

    it("refuses adding another person's face to someone: not this person, and someone else's", async () => {
      const { http } = app();
      const colin = (
        await http
          .post('/users')
          .set(admin)
          .send({ name: 'Colin', images: [photo('Colin_Powell/001.jpg')] })
          .expect(201)
      ).body.id;
      const mismatch = await http
        .post(`/users/${colin}/faces`)
        .set(admin)
        .send({ images: [photo('Tony_Blair/005.jpg')] })
        .expect(422);
      expect(mismatch.body).toMatchObject({ code: 'FACE_MISMATCH', index: 0 });
      // Even an admin overriding the one-person rule still meets the duplicate check.
      const res = await http
        .post(`/users/${colin}/faces`)
        .set(admin)
        .send({ images: [photo('Tony_Blair/005.jpg')], allowMismatch: true })
        .expect(409);
      expect(res.body.code).toBe('DUPLICATE_FACE');
    });
  });

  describe('passive liveness policy', () => {
    it('reports the score on verify and recognize (advisory by default), with the probe quality', async () => {
      const { http } = app();
      const verify = await http
        .post('/verify')
        .set(admin)
        .send({ externalId: 'gwb', image: photo('George_W_Bush/004.jpg') })
        .expect(200);
      expect(verify.body.liveness).toEqual({ score: expect.any(Number), live: expect.any(Boolean), mode: 'advisory', challengePassed: false });
      expect(verify.body.face.quality).toEqual(expect.objectContaining({ sharpness: expect.any(Number), yaw: expect.any(Number) }));
      const recognize = await http
        .post('/recognize')
        .set(admin)
        .send({ image: photo('George_W_Bush/004.jpg') })
        .expect(200);
      expect(recognize.body.liveness.mode).toBe('advisory');
      expect(recognize.body.face.quality.sizePx).toBeGreaterThan(40);
    });

    it('enforces a collection policy with SPOOF_SUSPECTED (403), audited; off reports nothing', async () => {
      const { http } = app();
      await http
        .post('/collections')
        .set(admin)
        .send({ name: 'strict', settings: { livenessMode: 'enforce', livenessThreshold: 1 } })
        .expect(201);
      await http
        .post('/users')
        .set(admin)
        .send({ name: 'George', externalId: 'gwb', collection: 'strict', images: [photo('George_W_Bush/002.jpg')] })
        .expect(201);
      // No passive score reaches 1.0 exactly: with the threshold at 1, every probe is refused.
      const refused = await http
        .post('/verify')
        .set(admin)
        .send({ externalId: 'gwb', collection: 'strict', image: photo('George_W_Bush/004.jpg') })
        .expect(403);
      expect(refused.body).toMatchObject({ code: 'SPOOF_SUSPECTED', livenessThreshold: 1 });
      // No score in the refusal: it would help tune a spoof until it passes.
      expect(refused.body).not.toHaveProperty('livenessScore');
      expect(refused.body.detail).not.toMatch(/\d\.\d{3}/);
      const audit = await http.get('/audit').query({ collection: 'strict', outcome: 'SPOOF_SUSPECTED' }).set(admin).expect(200);
      expect(audit.body.items).toHaveLength(1);
      await http
        .patch('/collections/strict')
        .set(admin)
        .send({ settings: { livenessMode: 'off' } })
        .expect(200);
      const off = await http
        .post('/verify')
        .set(admin)
        .send({ externalId: 'gwb', collection: 'strict', image: photo('George_W_Bush/004.jpg') })
        .expect(200);
      expect(off.body).toMatchObject({ verified: true, liveness: { score: null, live: null, mode: 'off' } });
    });
  });
});

describe(`recognize every face of a group photo (${kind})`, () => {
  const app = useTestApp();
  const characters = ['amy', 'bernadette', 'howard', 'leonard', 'penny', 'raj', 'sheldon', 'stuart'];

  beforeAll(async () => {
    const { http } = app();
    await http.post('/collections').set(admin).send({ name: 'bbt' }).expect(201);
    for (const c of characters) {
      await http
        .post('/users')
        .set(admin)
        .send({ name: c, collection: 'bbt', images: [photo(`bbt_${c}/001.png`)], allowDuplicate: true })
        .expect(201);
    }
  });

  it('answers for each of the six people in groups/006.jpg', async () => {
    const res = await app()
      .http.post('/recognize')
      .set(admin)
      .send({ image: photo('groups/006.jpg'), collection: 'bbt', all: true })
      .expect(200);
    const faces = res.body.faces as Array<{ match: boolean; user: { name: string } | null; face: { box: object; quality: object }; liveness: object }>;
    expect(faces).toHaveLength(6);
    expect(faces.every((f) => f.match && f.face.box && f.face.quality && f.liveness)).toBe(true);
    expect(faces.map((f) => f.user!.name).sort()).toEqual(['amy', 'bernadette', 'leonard', 'penny', 'raj', 'sheldon']);
    expect(res.body.threshold).toBe(DEFAULT_MATCH_THRESHOLD);
  });

  it('matches nobody in a group of strangers', async () => {
    const res = await app()
      .http.post('/recognize')
      .set(admin)
      .send({ image: photo('groups/002.jpg'), collection: 'bbt', all: true })
      .expect(200);
    expect(res.body.faces.length).toBeGreaterThan(0);
    expect(res.body.faces.every((f: { match: boolean }) => !f.match)).toBe(true);
  });
});

describe(`quality gates on probes when configured (${kind})`, () => {
  const app = useTestApp({ FACEGATE_PROBE_QUALITY_GATES: 'true' });

  it('refuses a blurred probe with LOW_QUALITY', async () => {
    const blurred = await sharp(photoBytes('George_W_Bush/002.jpg')).blur(4).jpeg().toBuffer();
    const res = await app()
      .http.post('/recognize')
      .set(admin)
      .send({ image: b64(blurred) })
      .expect(422);
    expect(res.body.failedChecks).toContain('sharpness');
    await app()
      .http.post('/recognize')
      .set(admin)
      .send({ image: photo('George_W_Bush/002.jpg') })
      .expect(200);
  });
});

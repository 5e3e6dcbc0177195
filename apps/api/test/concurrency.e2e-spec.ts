import { ADMIN_KEY, testDatabase, useTestApp } from '../../../test/e2e-app';
import { loadFaceDataset } from '../../../libs/face-engine/src/eval/face-dataset';
import { FACES_DIR } from '../../../test/shared-faces';
import { MULTI_FACE_PHOTOS, photo } from '../../../test/photos';

const kind = testDatabase();
const auth = { 'X-API-Key': ADMIN_KEY };

// 20 identities with at least 2 photos (the tight bbt crops excluded): enrol with the first, probe with the second.
const identities = (() => {
  const byId = new Map<string, string[]>();
  for (const { identity, file } of loadFaceDataset(FACES_DIR).identities) {
    if (identity.startsWith('bbt_') || MULTI_FACE_PHOTOS.has(file)) continue;
    byId.set(identity, [...(byId.get(identity) ?? []), file]);
  }
  return [...byId.entries()].filter(([, files]) => files.length >= 2).slice(0, 20);
})();

describe(`concurrency (${kind})`, () => {
  const app = useTestApp();
  const ids = new Map<string, string>();

  it('20 parallel enrolments all succeed', async () => {
    expect(identities).toHaveLength(20);
    const results = await Promise.all(
      identities.map(([identity, files]) =>
        app()
          .http.post('/users')
          .set(auth)
          .send({ name: identity, externalId: identity, images: [photo(files[0])] }),
      ),
    );
    expect(results.map((r) => r.status)).toEqual(Array(20).fill(201));
    results.forEach((r, i) => ids.set(identities[i][0], r.body.id));
    expect((await app().http.get('/stats').set(auth)).body.counts.users).toBe(20);
  });

  it('50 parallel recognitions each find the right person', async () => {
    const probes = Array.from({ length: 50 }, (_, i) => identities[i % identities.length]);
    const results = await Promise.all(
      probes.map(([, files]) =>
        app()
          .http.post('/recognize')
          .set(auth)
          .send({ image: photo(files[1]) }),
      ),
    );
    const wrong = results
      .map((r, i) => ({ expected: ids.get(probes[i][0]), got: r.body.user?.id, status: r.status }))
      .filter((r) => r.status !== 200 || r.got !== r.expected);
    // The genuine TAR at the threshold is 99.85%: allow a single borderline miss, never a wrong person.
    expect(wrong.length).toBeLessThanOrEqual(1);
    expect(wrong.filter((w) => w.got !== undefined)).toEqual([]);
  });

  it('two parallel enrolments with the same externalId give one 201 and one 409', async () => {
    // allowDuplicate: this test is about the externalId race, not about the face matching an earlier enrolment.
    const body = { name: 'twin', externalId: 'same-id', images: [photo('Tony_Blair/002.jpg')], allowDuplicate: true };
    const [a, b] = await Promise.all([app().http.post('/users').set(auth).send(body), app().http.post('/users').set(auth).send(body)]);
    expect([a.status, b.status].sort()).toEqual([201, 409]);
    expect([a.body.code, b.body.code]).toContain('DUPLICATE_EXTERNAL_ID');
  });
});

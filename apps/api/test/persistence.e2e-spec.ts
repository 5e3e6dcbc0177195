import { ADMIN_KEY, createTestDatabase, startTestApp, testDatabase } from '../../../test/e2e-app';
import { photo } from '../../../test/photos';

const kind = testDatabase();
const auth = { 'X-API-Key': ADMIN_KEY };

describe(`persistence across a restart (${kind})`, () => {
  it('keeps every person and still matches them after the app restarts on the same data', async () => {
    const db = await createTestDatabase(kind);
    let t = await startTestApp(db.env);
    try {
      const enrolled = await t.http
        .post('/users')
        .set(auth)
        .send({ name: 'Hugo', externalId: 'hugo', images: [photo('Hugo_Chavez/001.jpg'), photo('Hugo_Chavez/002.jpg')] })
        .expect(201);
      t = await t.restart();
      const user = await t.http.get(`/users/${enrolled.body.id}`).set(auth).expect(200);
      expect(user.body).toMatchObject({ name: 'Hugo', externalId: 'hugo' });
      expect(user.body.faces).toHaveLength(2);
      const res = await t.http
        .post('/recognize')
        .set(auth)
        .send({ image: photo('Hugo_Chavez/003.jpg') })
        .expect(200);
      expect(res.body).toMatchObject({ match: true, user: { id: enrolled.body.id } });
    } finally {
      await t.close();
      await db.drop();
    }
  });
});

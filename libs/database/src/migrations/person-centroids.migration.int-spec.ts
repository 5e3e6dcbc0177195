import { TestDatabase, withClient } from '../testing/test-database';
import { upgradedDatabase } from '../testing/upgrade-test';
import { EmbeddingGenerator, cosine } from '../testing/random-embeddings';
import { toVectorSql } from '../faces/vector-sql';

const MIGRATION = '20261207210000_person_centroids';

/**
 * Upgrading to one centroid a person: everyone enrolled before has theirs at once (the search walks the centroids as
 * soon as their index exists), computed as the triggers compute it for later writes.
 */
describe(`migration ${MIGRATION}`, () => {
  const random = new EmbeddingGenerator(7);
  const faces = { ann: [random.unitVector(), random.unitVector(), random.unitVector()], bob: [random.unitVector()] };
  let db: TestDatabase;

  beforeAll(async () => {
    db = await upgradedDatabase(MIGRATION, async (c) => {
      await c.query(`INSERT INTO users (collection_id, name, updated_at) SELECT id, n, now() FROM collections, unnest(ARRAY['ann', 'bob', 'faceless']) n`);
      for (const [name, embeddings] of Object.entries(faces)) {
        for (const embedding of embeddings) {
          await c.query(
            `INSERT INTO faces (user_id, collection_id, embedding, model_id, box, score, quality)
             SELECT id, collection_id, $2::vector, 'm', '{}', 0.9, '{}' FROM users WHERE name = $1`,
            [name, toVectorSql(embedding)],
          );
        }
      }
    });
  });

  afterAll(async () => {
    await db?.drop();
  });

  const centroid = (name: string) =>
    withClient(db.url, async (c) => {
      const { rows } = await c.query<{ centroid: string; faces: number }>(
        'SELECT c.centroid::text AS centroid, c.faces FROM user_centroids c JOIN users u ON u.id = c.user_id WHERE u.name = $1',
        [name],
      );
      return rows[0] ? { centroid: Float32Array.from(JSON.parse(rows[0].centroid) as number[]), faces: rows[0].faces } : undefined;
    });

  it('gives every person enrolled before it the normalised mean of their faces', async () => {
    const mean = new Float32Array(512).map((_, i) => faces.ann.reduce((sum, e) => sum + e[i], 0));
    const ann = await centroid('ann');
    expect(ann?.faces).toBe(3);
    expect(cosine(ann!.centroid, mean)).toBeGreaterThan(0.9999);
    const bob = await centroid('bob');
    expect(bob?.faces).toBe(1);
    expect(cosine(bob!.centroid, faces.bob[0])).toBeGreaterThan(0.9999);
  });

  it('gives none to a person without faces', async () => {
    await expect(centroid('faceless')).resolves.toBeUndefined();
  });

  it('keeps them current from then on', async () => {
    await withClient(db.url, (c) => c.query(`DELETE FROM faces WHERE user_id = (SELECT id FROM users WHERE name = 'bob')`));
    await expect(centroid('bob')).resolves.toBeUndefined();
    // A face moved from one person to another changes both.
    await withClient(db.url, (c) =>
      c.query(`UPDATE faces SET user_id = (SELECT id FROM users WHERE name = 'bob')
               WHERE id = (SELECT f.id FROM faces f JOIN users u ON u.id = f.user_id WHERE u.name = 'ann' LIMIT 1)`),
    );
    expect((await centroid('ann'))?.faces).toBe(2);
    expect((await centroid('bob'))?.faces).toBe(1);
  });

  it('leaves no centroid when the faces are truncated', async () => {
    await withClient(db.url, (c) => c.query('TRUNCATE faces'));
    await expect(centroid('ann')).resolves.toBeUndefined();
    await expect(centroid('bob')).resolves.toBeUndefined();
  });
});

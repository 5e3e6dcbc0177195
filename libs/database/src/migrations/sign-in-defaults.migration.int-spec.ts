import { TestDatabase, withClient } from '../testing/test-database';
import { upgradedDatabase } from '../testing/upgrade-test';

const MIGRATION = '20261203150000_secure_sign_in_defaults';

/**
 * Upgrading to secure sign-in defaults must not change what a collection in use does: its former defaults are
 * written into its settings, and what it set itself is kept. An unused collection gets the new defaults.
 */
describe(`migration ${MIGRATION}`, () => {
  let db: TestDatabase;

  beforeAll(async () => {
    db = await upgradedDatabase(MIGRATION, async (c) => {
      await c.query(`INSERT INTO collections (name, settings, updated_at) VALUES
        ('in-use', '{}', now()), ('tuned', '{"livenessMode": "enforce", "livenessThreshold": 0.7, "matchThreshold": 0.5}', now()), ('empty', '{}', now())`);
      await c.query(
        `INSERT INTO users (collection_id, name, updated_at) SELECT id, 'someone', now() FROM collections WHERE name IN ('in-use', 'tuned', 'default')`,
      );
    });
  });

  afterAll(async () => {
    await db?.drop();
  });

  const settings = (name: string) =>
    withClient(db.url, async (c) => (await c.query('SELECT settings FROM collections WHERE name = $1', [name])).rows[0].settings as Record<string, unknown>);

  it('writes the former defaults into a collection in use', async () => {
    expect(await settings('in-use')).toEqual({ livenessMode: 'advisory', requireLivenessToken: false, livenessThreshold: 0.5 });
    expect(await settings('default')).toEqual({ livenessMode: 'advisory', requireLivenessToken: false, livenessThreshold: 0.5 });
  });

  it('keeps what a collection set itself', async () => {
    expect(await settings('tuned')).toEqual({ livenessMode: 'enforce', livenessThreshold: 0.7, matchThreshold: 0.5, requireLivenessToken: false });
  });

  it('leaves a collection nobody uses to the new defaults', async () => {
    expect(await settings('empty')).toEqual({});
  });
});

import { TestDatabase, withClient } from '../testing/test-database';
import { upgradedDatabase } from '../testing/upgrade-test';

const MIGRATION = '20261206030000_key_bindings_by_collection_id';

/**
 * Keys bound by name become keys bound by id. A binding means the collection of that name that existed when the key
 * was created; one created later under a reused name (another tenant's) must not inherit it, and a key left with no
 * binding must not become unbound (every collection).
 */
describe(`migration ${MIGRATION}`, () => {
  let db: TestDatabase;
  const ids: Record<string, string> = {};

  beforeAll(async () => {
    db = await upgradedDatabase(MIGRATION, async (c) => {
      const at = (minutes: number) => `now() - interval '${60 - minutes} minutes'`;
      // "reused" was deleted after the old keys were made and created again later by someone else.
      await c.query(`INSERT INTO collections (name, created_at, updated_at) VALUES
        ('kept', ${at(0)}, now()), ('other', ${at(0)}, now()), ('reused', ${at(30)}, now())`);
      const key = async (name: string, collections: string[], minutes: number, revoked = false) => {
        const { rows } = await c.query<{ id: string }>(
          `INSERT INTO api_keys (name, prefix, hash, scopes, collections, created_at, revoked_at)
           VALUES ($1, $1, 'h', '{read}', $2, ${at(minutes)}, ${revoked ? 'now()' : 'NULL'}) RETURNING id`,
          [name, collections],
        );
        ids[name] = rows[0].id;
      };
      await key('unbound', [], 10);
      await key('kept-only', ['kept'], 10);
      await key('two-in-order', ['other', 'kept'], 10);
      await key('old-reused', ['reused'], 10);
      await key('old-reused-and-kept', ['reused', 'kept'], 10);
      await key('new-reused', ['reused'], 40);
      await key('revoked-old', ['reused'], 10, true);
    });
  });

  afterAll(async () => {
    await db?.drop();
  });

  const key = (name: string) =>
    withClient(db.url, async (c) => {
      const { rows } = await c.query<{ names: string[]; revoked: boolean }>(
        `SELECT ARRAY(SELECT c.name FROM collections c WHERE c.id = ANY (k.collection_ids) ORDER BY array_position(k.collection_ids, c.id)) AS names,
                k.revoked_at IS NOT NULL AS revoked
         FROM api_keys k WHERE k.id = $1`,
        [ids[name]],
      );
      return rows[0];
    });

  it('binds each key to the ids of the collections it named, in its order', async () => {
    expect(await key('kept-only')).toEqual({ names: ['kept'], revoked: false });
    expect(await key('two-in-order')).toEqual({ names: ['other', 'kept'], revoked: false });
    expect(await key('new-reused')).toEqual({ names: ['reused'], revoked: false });
  });

  it('keeps an unbound key unbound', async () => {
    expect(await key('unbound')).toEqual({ names: [], revoked: false });
  });

  it('drops a binding to a collection created after the key under a reused name', async () => {
    expect(await key('old-reused-and-kept')).toEqual({ names: ['kept'], revoked: false });
  });

  it('revokes a bound key left with no binding instead of unbinding it', async () => {
    expect(await key('old-reused')).toEqual({ names: [], revoked: true });
    expect(await key('revoked-old')).toEqual({ names: [], revoked: true });
  });

  it('logs each revocation it makes', async () => {
    const rows = await withClient(
      db.url,
      async (c) => (await c.query(`SELECT details FROM audit_log WHERE action = 'key_revoke' ORDER BY details->>'prefix'`)).rows,
    );
    expect(rows.map((r) => r.details)).toEqual([
      expect.objectContaining({ keyRevoked: ids['old-reused'], prefix: 'old-reused', reason: expect.stringMatching(/upgrade/) }),
    ]);
  });

  it("keeps the names in step with the ids for the previous release's instances, and refuses their names-only bound keys", async () => {
    const names = async (name: string) =>
      withClient(db.url, async (c) => (await c.query('SELECT collections FROM api_keys WHERE id = $1', [ids[name]])).rows[0].collections as string[]);
    expect(await names('old-reused-and-kept')).toEqual(['kept']);
    expect(await names('old-reused')).toEqual([]);
    expect(await names('two-in-order')).toEqual(['other', 'kept']);
    // What an instance of the previous release writes for a bound key: names only, which this release would read as unbound.
    await expect(
      withClient(db.url, (c) =>
        c.query(`INSERT INTO api_keys (name, prefix, hash, scopes, collections) VALUES ('old', 'old-instance', 'h', '{read}', '{kept}')`),
      ),
    ).rejects.toThrow(/api_keys_bound_by_id/);
  });
});

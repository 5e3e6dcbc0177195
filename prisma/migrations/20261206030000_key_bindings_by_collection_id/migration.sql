-- API keys bind collections by id instead of by name. A name outlives its collection: once a collection was deleted,
-- one created later under the same name (another tenant's) was open to every key still naming it.
-- Never edit this file once applied: the runner refuses to start when its checksum changes.
ALTER TABLE "api_keys" ADD COLUMN "collection_ids" uuid[] NOT NULL DEFAULT '{}';

-- Keys are never re-bound after creation, and creation required every named collection to exist. So a binding names
-- the collection of that name that existed when the key was created; a collection created after the key is a later
-- one under a reused name, and that binding is dropped, not carried over.
UPDATE "api_keys" k
SET "collection_ids" = COALESCE(
  (SELECT array_agg(c."id" ORDER BY array_position(k."collections", c."name"))
   FROM "collections" c
   WHERE c."name" = ANY (k."collections") AND c."created_at" <= k."created_at"),
  '{}');

-- A bound key left with no binding is revoked (an empty list would mean every collection), and the log says so.
WITH revoked AS (
  UPDATE "api_keys"
  SET "revoked_at" = now()
  WHERE "revoked_at" IS NULL AND cardinality("collections") > 0 AND cardinality("collection_ids") = 0
  RETURNING "id", "prefix"
)
INSERT INTO "audit_log" ("action", "outcome", "details")
SELECT 'key_revoke', 'success',
       jsonb_build_object('keyRevoked', "id", 'prefix', "prefix", 'reason', 'upgrade: every collection it was bound to had been deleted')
FROM revoked;

-- The names stay, for one release, for instances of the previous release during a rolling upgrade: they read
-- "collections" and must see no binding the ids do not have. This release writes both and reads only the ids; a
-- later release drops the column.
UPDATE "api_keys" k
SET "collections" = ARRAY(
  SELECT c."name" FROM "collections" c WHERE c."id" = ANY (k."collection_ids") ORDER BY array_position(k."collection_ids", c."id"))
WHERE cardinality(k."collections") > 0;

-- An instance of the previous release creating a bound key writes names only; stored as is, this release would read
-- it as unbound (every collection). Refused instead: that instance answers an error until it is replaced.
ALTER TABLE "api_keys" ADD CONSTRAINT "api_keys_bound_by_id"
  CHECK (cardinality("collections") = 0 OR cardinality("collection_ids") > 0);

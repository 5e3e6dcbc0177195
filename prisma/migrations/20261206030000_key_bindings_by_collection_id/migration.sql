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

-- A bound key left with no binding is revoked: an empty list would mean every collection.
UPDATE "api_keys"
SET "revoked_at" = now()
WHERE "revoked_at" IS NULL AND cardinality("collections") > 0 AND cardinality("collection_ids") = 0;

ALTER TABLE "api_keys" DROP COLUMN "collections";

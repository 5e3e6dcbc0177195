-- Active liveness challenge sessions and the single-use tokens they mint. Hand-written to match what Prisma generates
-- for the schema. Never edit this file once applied: the runner refuses to start when its checksum changes.
-- A session holds measures, hashes and the anchor face's embedding, never a frame.

-- CreateTable
CREATE TABLE "liveness_sessions" (
    "id" UUID NOT NULL DEFAULT gen_random_uuid(),
    "key_id" UUID NOT NULL,
    "collection_id" UUID NOT NULL,
    "challenge" TEXT[],
    "status" TEXT NOT NULL DEFAULT 'pending',
    "state" JSONB NOT NULL DEFAULT '{}',
    "anchor_embedding" BYTEA,
    "failure" JSONB,
    "token_hash" TEXT,
    "token_expires_at" TIMESTAMPTZ(3),
    "token_used_at" TIMESTAMPTZ(3),
    "version" INTEGER NOT NULL DEFAULT 0,
    "created_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "expires_at" TIMESTAMPTZ(3) NOT NULL,

    CONSTRAINT "liveness_sessions_pkey" PRIMARY KEY ("id")
);

-- CreateIndex
CREATE UNIQUE INDEX "liveness_sessions_token_hash_key" ON "liveness_sessions"("token_hash");

-- CreateIndex
CREATE INDEX "liveness_sessions_expires_at_idx" ON "liveness_sessions"("expires_at");

-- AddForeignKey
ALTER TABLE "liveness_sessions" ADD CONSTRAINT "liveness_sessions_key_id_fkey" FOREIGN KEY ("key_id") REFERENCES "api_keys"("id") ON DELETE CASCADE ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "liveness_sessions" ADD CONSTRAINT "liveness_sessions_collection_id_fkey" FOREIGN KEY ("collection_id") REFERENCES "collections"("id") ON DELETE CASCADE ON UPDATE CASCADE;

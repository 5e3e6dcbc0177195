-- Audit log and verification lockouts. Hand-written to match what Prisma generates for the schema.
-- Never edit this file once applied: the runner refuses to start when its checksum changes.

-- CreateTable
-- No foreign keys on purpose: audit rows outlive the users, keys and collections they mention.
CREATE TABLE "audit_log" (
    "id" UUID NOT NULL DEFAULT gen_random_uuid(),
    "at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "action" TEXT NOT NULL,
    "outcome" TEXT NOT NULL,
    "key_id" UUID,
    "collection" TEXT,
    "user_id" UUID,
    "similarity" DOUBLE PRECISION,
    "liveness" DOUBLE PRECISION,
    "client_ip" TEXT,
    "request_id" TEXT,
    "details" JSONB NOT NULL DEFAULT '{}',

    CONSTRAINT "audit_log_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "verification_lockouts" (
    "user_id" UUID NOT NULL,
    "failures" INTEGER NOT NULL DEFAULT 0,
    "window_started_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "locked_until" TIMESTAMPTZ(3),

    CONSTRAINT "verification_lockouts_pkey" PRIMARY KEY ("user_id")
);

-- CreateIndex
CREATE INDEX "audit_log_at_id_idx" ON "audit_log"("at", "id");

-- CreateIndex
CREATE INDEX "audit_log_collection_at_idx" ON "audit_log"("collection", "at");

-- CreateIndex
CREATE INDEX "audit_log_user_id_at_idx" ON "audit_log"("user_id", "at");

-- AddForeignKey
ALTER TABLE "verification_lockouts" ADD CONSTRAINT "verification_lockouts_user_id_fkey" FOREIGN KEY ("user_id") REFERENCES "users"("id") ON DELETE CASCADE ON UPDATE CASCADE;

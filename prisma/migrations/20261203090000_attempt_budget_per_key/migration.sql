-- Verification attempts are budgeted per person AND per API key, with attempts in flight counted, so that one key
-- cannot lock a person out for every other key and a concurrent burst cannot exceed the budget.
-- Never edit this file once applied: the runner refuses to start when its checksum changes.

-- The old rows counted failures per person without the key that caused them: they cannot be attributed, so they are
-- dropped. At worst a lock in force during the upgrade ends early.
DELETE FROM "verification_lockouts";

-- AlterTable
ALTER TABLE "verification_lockouts" DROP CONSTRAINT "verification_lockouts_pkey",
ADD COLUMN     "key_id" UUID NOT NULL,
ADD COLUMN     "in_flight" INTEGER NOT NULL DEFAULT 0,
ADD COLUMN     "in_flight_until" TIMESTAMPTZ(3),
ADD CONSTRAINT "verification_lockouts_pkey" PRIMARY KEY ("user_id", "key_id");

-- CreateIndex
CREATE INDEX "verification_lockouts_locked_until_idx" ON "verification_lockouts"("locked_until");

-- AddForeignKey
ALTER TABLE "verification_lockouts" ADD CONSTRAINT "verification_lockouts_key_id_fkey" FOREIGN KEY ("key_id") REFERENCES "api_keys"("id") ON DELETE CASCADE ON UPDATE CASCADE;

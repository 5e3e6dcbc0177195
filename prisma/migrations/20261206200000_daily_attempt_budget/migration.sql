-- A second, longer horizon for the attempt budget: failures of one person by one key over a day (by default), on top
-- of the short window. A key that stays under the short window's lock could otherwise fail about 1,900 times a day.
-- A success does not clear this count (an attacker's budget must not grow each time the person signs in).
-- Never edit this file once applied: the runner refuses to start when its checksum changes.
ALTER TABLE "verification_lockouts"
ADD COLUMN "day_failures" INTEGER NOT NULL DEFAULT 0,
ADD COLUMN "day_started_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP;

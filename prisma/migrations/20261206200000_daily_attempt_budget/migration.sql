-- A second, slower attempt budget: failures of one person by one key counted in a leaky bucket that drains
-- FACEGATE_LOCKOUT_DAILY_FAILURES a day. A key that stays under the short window's lock could otherwise fail about
-- 1,900 times a day. A success does not drain it (an attacker's budget must not grow each time the person signs in).
-- Never edit this file once applied: the runner refuses to start when its checksum changes.
ALTER TABLE "verification_lockouts"
ADD COLUMN "day_level" DOUBLE PRECISION NOT NULL DEFAULT 0,
ADD COLUMN "day_level_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP;

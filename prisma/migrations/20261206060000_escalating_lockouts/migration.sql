-- Each lock of a key on one person in a row (no success between) doubles the cool-down, up to a maximum: a fixed
-- cool-down let one key try a person about 900 times a day. Existing rows start at no lock in a row.
-- Never edit this file once applied: the runner refuses to start when its checksum changes.
ALTER TABLE "verification_lockouts" ADD COLUMN "locks" integer NOT NULL DEFAULT 0;

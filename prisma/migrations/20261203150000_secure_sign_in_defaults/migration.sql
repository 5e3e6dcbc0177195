-- Collections are now secure for sign-in by default (settings.purpose, default "sign_in"): /verify and /recognize need
-- a passed liveness challenge and the passive check is enforced, and the server's default passive threshold moves from
-- 0.5 to 0.04 (a session median; see README "Passive liveness").
-- Never edit this file once applied: the runner refuses to start when its checksum changes.

-- A collection already in use keeps the behaviour it had: the former defaults are written into its settings where it
-- set nothing (explicit settings win over the purpose's defaults). Settings it chose itself are kept as they are.
-- A collection nobody has enrolled in yet (the "default" collection of a fresh install) gets the new defaults.
UPDATE "collections" AS c
SET "settings" = jsonb_build_object('livenessMode', 'advisory', 'requireLivenessToken', false, 'livenessThreshold', 0.5) || c."settings",
    "updated_at" = CURRENT_TIMESTAMP
WHERE EXISTS (SELECT 1 FROM "users" AS u WHERE u."collection_id" = c."id");

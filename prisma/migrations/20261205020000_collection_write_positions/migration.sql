-- Read replicas (DATABASE_REPLICA_URLS): the primary's WAL position after the last committed change to a collection's
-- faces (enrolment, added or deleted faces, a deleted person). A search of that collection goes to a replica only
-- once the replica has replayed at least this far, so a person enrolled a moment ago is found and a deleted one is not.
-- NULL: no face written since this migration; a replica that streams from the primary is never older than that.
-- Never edit this file once applied: the runner refuses to start when its checksum changes.
ALTER TABLE "collections" ADD COLUMN "faces_written_lsn" pg_lsn;

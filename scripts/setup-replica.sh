#!/usr/bin/env bash
# A streaming-replication standby of the machine's PostgreSQL 15 on 127.0.0.1:5433, for the read-replica tests
# (DATABASE_REPLICA_URLS). PostgreSQL's own replication: pg_basebackup of the primary, then a hot standby that
# follows it. Idempotent: a standby already answering is left alone; a stopped one is started again.
# Runs as root after scripts/setup-pgvector.sh (the primary must be up); non-interactive (CI=true, no stdin).
set -euo pipefail

PG_MAJOR=15
BIN="/usr/lib/postgresql/${PG_MAJOR}/bin"
PRIMARY_PORT="${FACEGATE_PRIMARY_PORT:-5432}"
PORT="${FACEGATE_REPLICA_PORT:-5433}"
DIR="${FACEGATE_REPLICA_DIR:-/var/lib/postgresql/${PG_MAJOR}/facegate-replica}"
HBA="$(psql -h 127.0.0.1 -p "$PRIMARY_PORT" -U postgres -Atc 'SHOW hba_file')"

log() { echo "[setup-replica] $*"; }
as_postgres() { runuser -u postgres -- "$@"; }
primary_setting() { psql -h 127.0.0.1 -p "$PRIMARY_PORT" -U postgres -Atc "SHOW $1"; }

is_standby() {
  [[ "$(psql -h 127.0.0.1 -p "$PORT" -U postgres -Atc 'SELECT pg_is_in_recovery()' 2>/dev/null)" == "t" ]]
}

allow_replication() {
  # The machine's pg_hba trusts 127.0.0.1 for databases, not for replication connections.
  if ! grep -qE '^host\s+replication\s+all\s+127\.0\.0\.1/32\s+trust' "$HBA"; then
    log "allowing replication connections from 127.0.0.1 in $HBA"
    echo 'host replication all 127.0.0.1/32 trust' >>"$HBA"
    psql -h 127.0.0.1 -p "$PRIMARY_PORT" -U postgres -Atc 'SELECT pg_reload_conf()' >/dev/null
  fi
}

base_backup() {
  log "copying the primary into $DIR (pg_basebackup)"
  rm -rf "$DIR"
  install -d -o postgres -g postgres -m 700 "$DIR"
  # -R writes standby.signal and primary_conninfo; -X stream ships the WAL written meanwhile.
  as_postgres "$BIN/pg_basebackup" -h 127.0.0.1 -p "$PRIMARY_PORT" -U postgres -D "$DIR" -R -X stream -c fast
  # Debian keeps the configuration outside the data directory, so the copy has none: the standby gets its own. A hot
  # standby needs these limits at least as high as the primary's.
  as_postgres tee "$DIR/postgresql.conf" >/dev/null <<CONF
port = $PORT
listen_addresses = '127.0.0.1'
unix_socket_directories = '/var/run/postgresql'
hot_standby = on
hot_standby_feedback = on
max_connections = $(primary_setting max_connections)
max_worker_processes = $(primary_setting max_worker_processes)
max_wal_senders = $(primary_setting max_wal_senders)
max_prepared_transactions = $(primary_setting max_prepared_transactions)
max_locks_per_transaction = $(primary_setting max_locks_per_transaction)
shared_buffers = 128MB
CONF
  as_postgres tee "$DIR/pg_hba.conf" >/dev/null <<'HBA'
local all all trust
host all all 127.0.0.1/32 trust
HBA
}

start_standby() {
  log "starting the standby on port $PORT"
  install -d -o postgres -g postgres /var/run/postgresql
  as_postgres "$BIN/pg_ctl" -D "$DIR" -l "$DIR/standby.log" -w -t 60 start >/dev/null
}

if is_standby; then
  # A test that paused replay and was cut off would leave the standby behind for good.
  psql -h 127.0.0.1 -p "$PORT" -U postgres -Atc 'SELECT pg_wal_replay_resume() WHERE pg_is_wal_replay_paused()' >/dev/null
  log "standby already running on port $PORT"
  exit 0
fi
allow_replication
if [[ ! -f "$DIR/standby.signal" ]]; then
  base_backup
fi
if ! start_standby; then
  # A copy that no longer follows the primary (its WAL was recycled while it was down) is taken again.
  log "the standby did not start; taking a fresh copy"
  as_postgres "$BIN/pg_ctl" -D "$DIR" -m immediate stop >/dev/null 2>&1 || true
  base_backup
  start_standby
fi
for _ in $(seq 1 30); do
  if is_standby; then
    log "standby ready on 127.0.0.1:$PORT, following 127.0.0.1:$PRIMARY_PORT"
    exit 0
  fi
  sleep 1
done
log "the standby on port $PORT is not answering as a standby" >&2
exit 1

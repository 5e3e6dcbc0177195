#!/usr/bin/env bash
# Installs pgvector into the machine's PostgreSQL 15 and makes sure the cluster is running.
# Idempotent: the build is skipped when the extension is already installed.
# Debian 12 ships no pgvector package, but Debian's archive serves trixie's pgvector source (0.8.x), which builds
# against PostgreSQL 15. Runs as root, non-interactively (CI=true, no stdin).
set -euo pipefail

export DEBIAN_FRONTEND=noninteractive
PG_MAJOR=15
PG_CONFIG="/usr/lib/postgresql/${PG_MAJOR}/bin/pg_config"
CONTROL_FILE="/usr/share/postgresql/${PG_MAJOR}/extension/vector.control"
SOURCES_FILE=/etc/apt/sources.list.d/trixie-src.sources
# pgvector compiles with -march=native by default: fastest here, but the binary may not run on an older CPU. When
# building an image to run elsewhere, set PGVECTOR_OPTFLAGS="" (pgvector's documented portable build).
OPTFLAGS="${PGVECTOR_OPTFLAGS--march=native}"

log() { echo "[setup-pgvector] $*"; }

add_trixie_sources() {
  # deb-src only: we build from source, so no trixie binaries can leak into this bookworm system.
  cat > "$SOURCES_FILE" <<'SRC'
Types: deb-src
URIs: http://deb.debian.org/debian
Suites: trixie
Components: main
Signed-By: /usr/share/keyrings/debian-archive-keyring.gpg
SRC
}

build_pgvector() {
  add_trixie_sources
  apt-get update -q
  apt-get install -y -q "postgresql-server-dev-${PG_MAJOR}" make gcc
  WORKDIR="$(mktemp -d)"
  # Remove the build directory whatever happens; the installed files stay.
  trap 'rm -rf "$WORKDIR"' EXIT
  (
    cd "$WORKDIR"
    apt-get source --download-only pgvector
    tar xzf pgvector_*.orig.tar.gz
    cd pgvector-*/
    make PG_CONFIG="$PG_CONFIG" OPTFLAGS="$OPTFLAGS"
    make install PG_CONFIG="$PG_CONFIG" OPTFLAGS="$OPTFLAGS"
  )
}

start_cluster() {
  if ! pg_ctlcluster --skip-systemctl-redirect "$PG_MAJOR" main status >/dev/null 2>&1; then
    log "starting cluster ${PG_MAJOR}/main"
    pg_ctlcluster --skip-systemctl-redirect "$PG_MAJOR" main start
  fi
}

wait_ready() {
  for _ in $(seq 1 60); do
    if pg_isready -q -h 127.0.0.1; then
      log "PostgreSQL is accepting connections"
      return 0
    fi
    sleep 1
  done
  log "PostgreSQL did not become ready within 60 s" >&2
  return 1
}

if [[ -f "$CONTROL_FILE" ]]; then
  log "pgvector already installed ($CONTROL_FILE), skipping build"
else
  log "building pgvector from trixie source"
  build_pgvector
fi
start_cluster
wait_ready

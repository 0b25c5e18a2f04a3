#!/usr/bin/env bash
# Run a command with a throwaway PostgreSQL server for the scale-out test suite.
#
#   bash scripts/with-postgres.sh <command> [args...]
#
# - If ROSTER_TEST_DATABASE_URL is already set, the command just runs (no server).
# - Otherwise a temporary PostgreSQL (15 preferred) is initialised in a temp dir, started on
#   127.0.0.1:54329 (next free port up to 54349 if taken; override with ROSTER_PG_PORT),
#   database `roster_test` is created with trust auth, and
#   ROSTER_TEST_DATABASE_URL=postgres://postgres@127.0.0.1:<port>/roster_test is exported.
#   The server is stopped and the temp dir removed when the command exits.
# - PostgreSQL refuses to run as root, so as root the server runs as the `postgres` user.
# - If the binaries are missing: as root they are apt-get installed; otherwise a warning is
#   printed and the command runs without a database (scale-out tests skip themselves).
#
# The file can also be sourced (as .ci/run does) to get the functions
# roster_pg_ensure_binaries, roster_pg_start and roster_pg_stop without running anything.

ROSTER_PG_DB="${ROSTER_PG_DB:-roster_test}"
ROSTER_PG_DIR=""
ROSTER_PG_BIN=""
ROSTER_PG_PORT_USED=""

_roster_pg_log() { echo "[with-postgres] $*" >&2; }

_roster_pg_find_bin() {
  local d
  if [[ -n "${ROSTER_PG_BINDIR:-}" && -x "${ROSTER_PG_BINDIR}/pg_ctl" ]]; then
    ROSTER_PG_BIN="$ROSTER_PG_BINDIR"
    return 0
  fi
  if [[ -x /usr/lib/postgresql/15/bin/pg_ctl ]]; then
    ROSTER_PG_BIN=/usr/lib/postgresql/15/bin
    return 0
  fi
  # Any other installed major version (highest first).
  for d in $(ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -t/ -k5 -nr); do
    if [[ -x "$d/pg_ctl" && -x "$d/initdb" ]]; then
      ROSTER_PG_BIN="$d"
      return 0
    fi
  done
  if command -v pg_ctl >/dev/null 2>&1 && command -v initdb >/dev/null 2>&1; then
    ROSTER_PG_BIN="$(dirname "$(readlink -f "$(command -v pg_ctl)")")"
    return 0
  fi
  return 1
}

# Locate (and, as root, install) the PostgreSQL server binaries. Returns 1 if unavailable.
roster_pg_ensure_binaries() {
  _roster_pg_find_bin && return 0
  if [[ "$(id -u)" -eq 0 ]] && command -v apt-get >/dev/null 2>&1; then
    _roster_pg_log "PostgreSQL binaries not found; installing with apt-get"
    export DEBIAN_FRONTEND=noninteractive
    apt-get update -qq >&2 || true
    apt-get install -y -qq postgresql-15 >&2 || apt-get install -y -qq postgresql >&2 || true
    _roster_pg_find_bin && return 0
  fi
  return 1
}

# Run a PostgreSQL server binary as the right user (postgres when we are root).
_roster_pg_as_owner() {
  if [[ "$(id -u)" -eq 0 ]]; then
    runuser -u postgres -- "$@"
  else
    "$@"
  fi
}

_roster_pg_port_busy() {
  (exec 3<>"/dev/tcp/127.0.0.1/$1") 2>/dev/null
}

# Start the temporary server and export ROSTER_TEST_DATABASE_URL. Returns non-zero on failure.
roster_pg_start() {
  roster_pg_ensure_binaries || {
    _roster_pg_log "PostgreSQL server binaries not available"
    return 1
  }
  if [[ "$(id -u)" -eq 0 ]] && ! id -u postgres >/dev/null 2>&1; then
    useradd --system --user-group --home-dir /var/lib/postgresql --shell /bin/bash postgres
  fi

  # /tmp explicitly: the postgres user must be able to traverse every parent directory.
  ROSTER_PG_DIR="$(mktemp -d /tmp/roster-pg.XXXXXX)"
  chmod 700 "$ROSTER_PG_DIR"
  if [[ "$(id -u)" -eq 0 ]]; then
    chown postgres: "$ROSTER_PG_DIR"
  fi

  _roster_pg_log "initdb ($ROSTER_PG_BIN) in $ROSTER_PG_DIR"
  if ! _roster_pg_as_owner "$ROSTER_PG_BIN/initdb" -D "$ROSTER_PG_DIR/data" -U postgres \
    --auth=trust --encoding=UTF8 --locale=C --no-sync >"$ROSTER_PG_DIR/initdb.log" 2>&1; then
    cat "$ROSTER_PG_DIR/initdb.log" >&2
    return 1
  fi
  # Loopback only, trust auth (initdb --auth=trust already writes these; be explicit).
  _roster_pg_as_owner bash -c "cat >'$ROSTER_PG_DIR/data/pg_hba.conf'" <<'EOF'
local   all   all                 trust
host    all   all   127.0.0.1/32  trust
host    all   all   ::1/128       trust
EOF

  local first="${ROSTER_PG_PORT:-54329}" last port
  last=$((first + 20))
  [[ -n "${ROSTER_PG_PORT:-}" ]] && last="$first"
  for ((port = first; port <= last; port++)); do
    if _roster_pg_port_busy "$port"; then
      continue
    fi
    if _roster_pg_as_owner "$ROSTER_PG_BIN/pg_ctl" -D "$ROSTER_PG_DIR/data" \
      -l "$ROSTER_PG_DIR/postgres.log" -w -t 60 \
      -o "-p $port -k $ROSTER_PG_DIR -c listen_addresses=127.0.0.1 -c fsync=off -c synchronous_commit=off -c full_page_writes=off -c max_connections=200" \
      start >/dev/null; then
      ROSTER_PG_PORT_USED="$port"
      break
    fi
    _roster_pg_log "could not start on port $port:"
    tail -n 5 "$ROSTER_PG_DIR/postgres.log" >&2 || true
  done
  if [[ -z "$ROSTER_PG_PORT_USED" ]]; then
    _roster_pg_log "failed to start PostgreSQL"
    return 1
  fi

  if ! "$ROSTER_PG_BIN/createdb" -h 127.0.0.1 -p "$ROSTER_PG_PORT_USED" -U postgres \
    "$ROSTER_PG_DB"; then
    _roster_pg_log "createdb $ROSTER_PG_DB failed"
    return 1
  fi
  export ROSTER_TEST_DATABASE_URL="postgres://postgres@127.0.0.1:${ROSTER_PG_PORT_USED}/${ROSTER_PG_DB}"
  _roster_pg_log "PostgreSQL $("$ROSTER_PG_BIN/postgres" --version | awk '{print $3}') ready:" \
    "ROSTER_TEST_DATABASE_URL=$ROSTER_TEST_DATABASE_URL"
}

# Stop the server started by roster_pg_start (idempotent) and remove its data.
roster_pg_stop() {
  if [[ -n "$ROSTER_PG_DIR" && -d "$ROSTER_PG_DIR" ]]; then
    if [[ -n "$ROSTER_PG_PORT_USED" && -f "$ROSTER_PG_DIR/data/postmaster.pid" ]]; then
      _roster_pg_as_owner "$ROSTER_PG_BIN/pg_ctl" -D "$ROSTER_PG_DIR/data" -m fast -w -t 30 \
        stop >/dev/null 2>&1 ||
        _roster_pg_as_owner "$ROSTER_PG_BIN/pg_ctl" -D "$ROSTER_PG_DIR/data" -m immediate \
          stop >/dev/null 2>&1 || true
      _roster_pg_log "PostgreSQL on port $ROSTER_PG_PORT_USED stopped"
    fi
    rm -rf "$ROSTER_PG_DIR"
  fi
  ROSTER_PG_DIR=""
  ROSTER_PG_PORT_USED=""
}

_roster_pg_main() {
  set -uo pipefail
  if [[ $# -eq 0 ]]; then
    echo "usage: $0 <command> [args...]" >&2
    return 2
  fi
  if [[ -n "${ROSTER_TEST_DATABASE_URL:-}" ]]; then
    "$@"
    return $?
  fi
  trap roster_pg_stop EXIT
  trap 'exit 130' INT
  trap 'exit 143' TERM
  if ! roster_pg_start; then
    roster_pg_stop
    echo "[with-postgres] WARNING: no PostgreSQL available; running without" \
      "ROSTER_TEST_DATABASE_URL (scale-out tests will be skipped)" >&2
  fi
  local rc=0
  "$@" || rc=$?
  return "$rc"
}

# Executed (not sourced): run the command.
if [[ "${BASH_SOURCE[0]}" == "$0" ]]; then
  _roster_pg_main "$@"
  exit $?
fi

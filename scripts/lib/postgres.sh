#!/usr/bin/env bash
# Private PostgreSQL servers for ConvoCanvas development and tests.
#
# Source this file, then call:
#   pg_ensure_installed            install Debian's postgresql if the server binaries are missing
#   pg_start DATA_DIR PORT         initdb once into DATA_DIR/pg, start on 127.0.0.1:PORT,
#                                  create database "convocanvas" if missing (idempotent)
#   pg_stop DATA_DIR               fast shutdown of the server that owns DATA_DIR/pg
#   pg_is_ready PORT               exit status 0 when a server accepts connections on PORT
#   pg_connection_string PORT [DB] an Npgsql connection string for that server
#
# Layout under DATA_DIR: pg/ (the cluster), run/ (the unix socket), postgres.log.
# As root, the server runs as the "postgres" user (initdb refuses root); as any other
# user, it runs as that user. Nothing here uses `set -e`, so a caller's shell is unaffected.

PG_DATABASE_NAME="${PG_DATABASE_NAME:-convocanvas}"

_pg_log() {
  printf 'postgres.sh: %s\n' "$*" >&2
}

# The folder with initdb, pg_ctl and postgres. `pg_config --bindir` may name /usr/bin,
# where Debian only puts client wrappers, so check for the server binaries themselves.
pg_bin_dir() {
  local candidate
  if command -v pg_config >/dev/null 2>&1; then
    candidate="$(pg_config --bindir 2>/dev/null)"
    if [[ -x "$candidate/initdb" && -x "$candidate/pg_ctl" ]]; then
      printf '%s\n' "$candidate"
      return 0
    fi
  fi
  # Highest installed Debian server version first.
  for candidate in $(ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -t/ -k4,4 -rn); do
    if [[ -x "$candidate/initdb" && -x "$candidate/pg_ctl" ]]; then
      printf '%s\n' "$candidate"
      return 0
    fi
  done
  return 1
}

pg_ensure_installed() {
  if pg_bin_dir >/dev/null; then
    return 0
  fi
  if [[ "$(id -u)" -ne 0 ]]; then
    _pg_log "PostgreSQL server binaries not found and not running as root: install the 'postgresql' package"
    return 1
  fi
  # Refresh the package lists only when apt does not know a candidate yet.
  if ! apt-cache policy postgresql 2>/dev/null | grep -q 'Candidate: [0-9]'; then
    DEBIAN_FRONTEND=noninteractive apt-get update -q || return 1
  fi
  DEBIAN_FRONTEND=noninteractive apt-get install -y -q postgresql || return 1
  pg_bin_dir >/dev/null || {
    _pg_log "apt-get installed postgresql but no initdb/pg_ctl was found under /usr/lib/postgresql/*/bin"
    return 1
  }
}

# Runs a command as the user that owns the cluster.
_pg_as_owner() {
  if [[ "$(id -u)" -eq 0 ]]; then
    runuser -u postgres -- "$@"
  else
    "$@"
  fi
}

_pg_abs_path() {
  local dir="$1"
  mkdir -p "$dir" || return 1
  (cd "$dir" && pwd -P)
}

# The server user must be able to traverse every parent of DATA_DIR (mktemp folders are
# 0700, /root is 0700). Grant o+x, never read, where it is missing.
_pg_make_traversable() {
  local dir="$1"
  [[ "$(id -u)" -eq 0 ]] || return 0
  while [[ -n "$dir" && "$dir" != "/" ]]; do
    if ! runuser -u postgres -- test -x "$dir"; then
      _pg_log "granting o+x on $dir so that the postgres user can reach its data folder"
      chmod o+x "$dir" || return 1
    fi
    dir="$(dirname "$dir")"
  done
}

# The port a running cluster was started with (line 4 of postmaster.pid), or nothing.
_pg_running_port() {
  local pgdata="$1"
  [[ -f "$pgdata/postmaster.pid" ]] || return 0
  sed -n '4p' "$pgdata/postmaster.pid" 2>/dev/null
}

pg_is_ready() {
  local port="$1" bin
  bin="$(pg_bin_dir)" || return 1
  "$bin/pg_isready" -h 127.0.0.1 -p "$port" -q
}

pg_connection_string() {
  local port="$1" database="${2:-$PG_DATABASE_NAME}"
  printf 'Host=127.0.0.1;Port=%s;Username=postgres;Database=%s\n' "$port" "$database"
}

pg_start() {
  local data_dir="$1" port="$2"
  if [[ -z "$data_dir" || -z "$port" ]]; then
    _pg_log "usage: pg_start DATA_DIR PORT"
    return 2
  fi
  local bin
  bin="$(pg_bin_dir)" || {
    _pg_log "PostgreSQL server binaries not found: call pg_ensure_installed first"
    return 1
  }
  data_dir="$(_pg_abs_path "$data_dir")" || return 1
  local pgdata="$data_dir/pg" sockdir="$data_dir/run" logfile="$data_dir/postgres.log"

  # Unix socket paths are limited to 107 bytes.
  if (( ${#sockdir} + 20 > 107 )); then
    _pg_log "data folder path too long for a unix socket: $sockdir (use a shorter DATA_DIR)"
    return 1
  fi

  mkdir -p "$pgdata" "$sockdir" || return 1
  touch "$logfile" || return 1
  if [[ "$(id -u)" -eq 0 ]]; then
    chown postgres:postgres "$pgdata" "$sockdir" "$logfile" || return 1
    _pg_make_traversable "$data_dir" || return 1
  fi
  chmod 0700 "$pgdata" || return 1

  if [[ ! -f "$pgdata/PG_VERSION" ]]; then
    _pg_as_owner "$bin/initdb" -D "$pgdata" -U postgres -A trust --no-locale -E UTF8 >>"$logfile" 2>&1 || {
      _pg_log "initdb failed for $pgdata; see $logfile"
      return 1
    }
  fi

  if _pg_as_owner "$bin/pg_ctl" -D "$pgdata" status >/dev/null 2>&1; then
    local running_port
    running_port="$(_pg_running_port "$pgdata")"
    if [[ -n "$running_port" && "$running_port" != "$port" ]]; then
      _pg_log "the server for $pgdata already runs on port $running_port, not $port: pg_stop it first"
      return 1
    fi
  else
    _pg_as_owner "$bin/pg_ctl" -D "$pgdata" -l "$logfile" -w -t 60 \
      -o "-p $port -c listen_addresses=127.0.0.1 -k $sockdir" start >/dev/null || {
      _pg_log "pg_ctl start failed for $pgdata on port $port; last lines of $logfile:"
      tail -n 20 "$logfile" >&2
      return 1
    }
  fi

  local exists
  exists="$("$bin/psql" -h 127.0.0.1 -p "$port" -U postgres -d postgres -XtAq \
    -c "SELECT 1 FROM pg_database WHERE datname = '$PG_DATABASE_NAME'")" || return 1
  if [[ "$exists" != "1" ]]; then
    # A concurrent pg_start may win the race; "already exists" is fine then.
    "$bin/createdb" -h 127.0.0.1 -p "$port" -U postgres "$PG_DATABASE_NAME" 2>/dev/null ||
      "$bin/psql" -h 127.0.0.1 -p "$port" -U postgres -d "$PG_DATABASE_NAME" -XtAq -c 'SELECT 1' >/dev/null || {
        _pg_log "could not create database $PG_DATABASE_NAME on port $port"
        return 1
      }
  fi
}

pg_stop() {
  local data_dir="$1"
  if [[ -z "$data_dir" ]]; then
    _pg_log "usage: pg_stop DATA_DIR"
    return 2
  fi
  local pgdata="$data_dir/pg" bin
  [[ -f "$pgdata/PG_VERSION" ]] || return 0
  bin="$(pg_bin_dir)" || return 1
  if _pg_as_owner "$bin/pg_ctl" -D "$pgdata" status >/dev/null 2>&1; then
    _pg_as_owner "$bin/pg_ctl" -D "$pgdata" -m fast -w -t 60 stop >/dev/null || return 1
  fi
}

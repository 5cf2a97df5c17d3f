#!/usr/bin/env bash
# Private ChromaDB servers for ConvoCanvas development and tests (the npm distribution of the
# server; nothing is installed globally).
#
# Source this file (after common.sh, or on its own), then call:
#   chroma_ensure_installed        install node and npm via apt-get if missing, then the pinned
#                                  server packages into $ROOT/.tools/chroma (idempotent, quiet
#                                  when already installed)
#   chroma_start DATA_DIR PORT     start the server on 127.0.0.1:PORT with its data in
#                                  DATA_DIR/chroma; returns once /api/v2/heartbeat answers
#                                  (idempotent while it runs on that data folder)
#   chroma_stop DATA_DIR           stop the server that owns DATA_DIR
#   chroma_url PORT                the server's base URL
#
# Layout under DATA_DIR: chroma/ (the database), chroma.log, chroma.pid, chroma.port.
# The server is started as `node …/cli.mjs`, never through npx: npx leaves the real server
# orphaned when it is killed, and the pid file must name the process that listens.
# Nothing here uses `set -e`, so a caller's shell is unaffected.

if [[ -z "${ROOT:-}" ]]; then
  source "$(dirname "${BASH_SOURCE[0]}")/common.sh"
fi

# Pinned together: newer bindings need glibc 2.38.
CHROMA_VERSION="3.0.14"
CHROMA_BINDINGS_VERSION="1.0.5"
CHROMA_TOOLS_DIR="${CHROMA_TOOLS_DIR:-$ROOT/.tools/chroma}"

_chroma_log() {
  printf 'chroma.sh: %s\n' "$*" >&2
}

# The "version" field of an installed package's package.json, or nothing.
_chroma_installed_version() {
  local package_json="$CHROMA_TOOLS_DIR/node_modules/$1/package.json"
  [[ -f "$package_json" ]] || return 0
  node -e 'process.stdout.write(String(require(process.argv[1]).version || ""))' "$package_json" 2>/dev/null
}

chroma_cli() {
  printf '%s\n' "$CHROMA_TOOLS_DIR/node_modules/chromadb/dist/cli.mjs"
}

chroma_url() {
  printf 'http://127.0.0.1:%s\n' "$1"
}

chroma_ensure_installed() {
  if ! command -v node >/dev/null 2>&1 || ! command -v npm >/dev/null 2>&1; then
    if [[ "$(id -u)" -ne 0 ]]; then
      _chroma_log "node and npm not found and not running as root: install the 'nodejs' and 'npm' packages"
      return 1
    fi
    # Refresh the package lists only when apt does not know a candidate yet.
    if ! apt-cache policy npm 2>/dev/null | grep -q 'Candidate: [0-9]'; then
      DEBIAN_FRONTEND=noninteractive apt-get update -q >&2 || return 1
    fi
    DEBIAN_FRONTEND=noninteractive apt-get install -y -q nodejs npm >&2 || return 1
    command -v node >/dev/null 2>&1 && command -v npm >/dev/null 2>&1 || {
      _chroma_log "apt-get installed nodejs and npm but node or npm is still not on PATH"
      return 1
    }
  fi

  if [[ "$(_chroma_installed_version chromadb)" == "$CHROMA_VERSION" &&
        "$(_chroma_installed_version chromadb-js-bindings-linux-x64-gnu)" == "$CHROMA_BINDINGS_VERSION" &&
        -f "$(chroma_cli)" ]]; then
    return 0
  fi

  _chroma_log "installing chromadb@$CHROMA_VERSION into $CHROMA_TOOLS_DIR (npm, ~420 MB)"
  mkdir -p "$CHROMA_TOOLS_DIR" || return 1
  # A package.json of its own keeps npm from walking up into the repository.
  cat >"$CHROMA_TOOLS_DIR/package.json" <<EOF
{
  "name": "convocanvas-chroma-server",
  "private": true,
  "description": "The ChromaDB server that the ConvoCanvas scripts start; installed by scripts/lib/chroma.sh"
}
EOF
  (cd "$CHROMA_TOOLS_DIR" && npm install --save-exact --no-audit --no-fund --loglevel=error \
      "chromadb@$CHROMA_VERSION" "chromadb-js-bindings-linux-x64-gnu@$CHROMA_BINDINGS_VERSION" >&2) || {
    _chroma_log "npm install failed in $CHROMA_TOOLS_DIR"
    return 1
  }
  [[ -f "$(chroma_cli)" ]] || {
    _chroma_log "npm installed chromadb but $(chroma_cli) is missing"
    return 1
  }
}

_chroma_abs_path() {
  local dir="$1"
  mkdir -p "$dir" || return 1
  (cd "$dir" && pwd -P)
}

# Exit status 0 when the pid file under DATA_DIR names a live process.
_chroma_running() {
  local pidfile="$1/chroma.pid"
  [[ -f "$pidfile" ]] && kill -0 "$(cat "$pidfile")" 2>/dev/null
}

chroma_start() {
  local data_dir="$1" port="$2"
  if [[ -z "$data_dir" || -z "$port" ]]; then
    _chroma_log "usage: chroma_start DATA_DIR PORT"
    return 2
  fi
  [[ -f "$(chroma_cli)" ]] || {
    _chroma_log "the ChromaDB server is not installed in $CHROMA_TOOLS_DIR: call chroma_ensure_installed first"
    return 1
  }
  data_dir="$(_chroma_abs_path "$data_dir")" || return 1
  local pidfile="$data_dir/chroma.pid" logfile="$data_dir/chroma.log" portfile="$data_dir/chroma.port"
  local heartbeat
  heartbeat="$(chroma_url "$port")/api/v2/heartbeat"

  if _chroma_running "$data_dir"; then
    local running_port
    running_port="$(cat "$portfile" 2>/dev/null)"
    if [[ -n "$running_port" && "$running_port" != "$port" ]]; then
      _chroma_log "the server for $data_dir/chroma already runs on port $running_port, not $port: chroma_stop it first"
      return 1
    fi
    wait_http "$heartbeat" 30 "$(cat "$pidfile")" && return 0
    _chroma_log "the server for $data_dir/chroma (pid $(cat "$pidfile")) runs but $heartbeat does not answer; last lines of $logfile:"
    tail -n 20 "$logfile" >&2
    return 1
  fi
  rm -f "$pidfile"

  if curl -fsS -o /dev/null --max-time 2 "$heartbeat" 2>/dev/null; then
    _chroma_log "something else already answers on port $port (another ChromaDB?): choose another port"
    return 1
  fi

  mkdir -p "$data_dir/chroma" || return 1
  local cli
  cli="$(chroma_cli)"
  # setsid: a Ctrl-C in the caller's terminal does not reach the server; chroma_stop does.
  setsid node "$cli" run --path "$data_dir/chroma" --host 127.0.0.1 --port "$port" \
    >>"$logfile" 2>&1 </dev/null &
  local pid=$!
  echo "$pid" >"$pidfile"
  echo "$port" >"$portfile"

  if ! wait_http "$heartbeat" 30 "$pid"; then
    _chroma_log "ChromaDB did not answer $heartbeat within 30 s; last lines of $logfile:"
    tail -n 20 "$logfile" >&2
    stop_pidfile "$pidfile"
    rm -f "$portfile"
    return 1
  fi
}

chroma_stop() {
  local data_dir="$1"
  if [[ -z "$data_dir" ]]; then
    _chroma_log "usage: chroma_stop DATA_DIR"
    return 2
  fi
  stop_pidfile "$data_dir/chroma.pid"
  rm -f "$data_dir/chroma.port"
}

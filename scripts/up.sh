#!/usr/bin/env bash
# Set up and run ConvoCanvas: PostgreSQL and ChromaDB (http://127.0.0.1:8010) under the data
# folder, build, then the silo (web + REST on http://127.0.0.1:5080, Orleans gateway on 30000,
# Dashboard at /dashboard).
#   ./scripts/up.sh            runs in the foreground; Ctrl-C stops everything it started
#   ./scripts/up.sh --detach   returns once /health/ready answers; ./scripts/down.sh stops it
set -euo pipefail
source "$(dirname "$0")/lib/common.sh"
source "$ROOT/scripts/lib/postgres.sh"
source "$ROOT/scripts/lib/chroma.sh"
source "$ROOT/scripts/lib/mermaid.sh"
source "$ROOT/scripts/lib/silo.sh"

detach=false
case "${1:-}" in
  --detach|-d) detach=true ;;
  "") ;;
  *) die "usage: $0 [--detach]" ;;
esac

ensure_dotnet
silo_env_defaults
mkdir -p "$CONVOCANVAS_DATA"
if silo_running; then
  say "ConvoCanvas is already running (pid $(cat "$CONVOCANVAS_DATA/silo.pid")): http://$CONVOCANVAS_HTTP_HOST:$CONVOCANVAS_HTTP_PORT"
  exit 0
fi

pg_ensure_installed
pg_start "$CONVOCANVAS_DATA" "$CONVOCANVAS_PG_PORT"
chroma_ensure_installed
mermaid_ensure_installed
export CONVOCANVAS_MERMAID="$(mermaid_script)"
chroma_start "$CONVOCANVAS_DATA" "$CONVOCANVAS_CHROMA_PORT"
silo_build

if $detach; then
  silo_start_background
  say "ConvoCanvas is up: http://$CONVOCANVAS_HTTP_HOST:$CONVOCANVAS_HTTP_PORT  (dashboard /dashboard, gateway $CONVOCANVAS_GATEWAY_PORT, ChromaDB $CONVOCANVAS_CHROMA, log $CONVOCANVAS_DATA/silo.log)"
  say "stop it with ./scripts/down.sh"
  exit 0
fi

cleanup() {
  trap - INT TERM EXIT
  stop_pidfile "$CONVOCANVAS_DATA/silo.pid"
  chroma_stop "$CONVOCANVAS_DATA"
  pg_stop "$CONVOCANVAS_DATA"
}
trap cleanup INT TERM EXIT
say "ConvoCanvas on http://$CONVOCANVAS_HTTP_HOST:$CONVOCANVAS_HTTP_PORT (Ctrl-C stops it, PostgreSQL and ChromaDB)"
silo_run_foreground

#!/usr/bin/env bash
# Stop what ./scripts/up.sh started: the silo, then ChromaDB and PostgreSQL. The data folder stays.
set -euo pipefail
source "$(dirname "$0")/lib/common.sh"
source "$ROOT/scripts/lib/postgres.sh"
source "$ROOT/scripts/lib/chroma.sh"
source "$ROOT/scripts/lib/silo.sh"
silo_env_defaults
stop_pidfile "$CONVOCANVAS_DATA/silo.pid"
chroma_stop "$CONVOCANVAS_DATA"
pg_stop "$CONVOCANVAS_DATA"
say "ConvoCanvas stopped (data kept in $CONVOCANVAS_DATA)"

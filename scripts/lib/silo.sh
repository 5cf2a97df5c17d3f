# Building and running the ConvoCanvas silo. Needs common.sh.

silo_env_defaults() {
  export CONVOCANVAS_DATA="${CONVOCANVAS_DATA:-$ROOT/.data}"
  export CONVOCANVAS_HTTP_HOST="${CONVOCANVAS_HTTP_HOST:-127.0.0.1}"
  export CONVOCANVAS_HTTP_PORT="${CONVOCANVAS_HTTP_PORT:-5080}"
  export CONVOCANVAS_PG_PORT="${CONVOCANVAS_PG_PORT:-5433}"
  export CONVOCANVAS_CHROMA_PORT="${CONVOCANVAS_CHROMA_PORT:-8010}"
  export CONVOCANVAS_SILO_PORT="${CONVOCANVAS_SILO_PORT:-11111}"
  export CONVOCANVAS_GATEWAY_PORT="${CONVOCANVAS_GATEWAY_PORT:-30000}"
  export CONVOCANVAS_PG="${CONVOCANVAS_PG:-Host=127.0.0.1;Port=$CONVOCANVAS_PG_PORT;Database=convocanvas;Username=postgres;Pooling=true;Maximum Pool Size=30}"
  export CONVOCANVAS_CHROMA="${CONVOCANVAS_CHROMA:-http://127.0.0.1:$CONVOCANVAS_CHROMA_PORT}"
  export ASPNETCORE_ENVIRONMENT="${ASPNETCORE_ENVIRONMENT:-Development}"
  SILO_DLL="$ROOT/src/ConvoCanvas.Silo/bin/Release/net10.0/ConvoCanvas.Silo.dll"
}

silo_build() {
  say "building the silo"
  dotnet build "$ROOT/src/ConvoCanvas.Silo/ConvoCanvas.Silo.csproj" -c Release -v quiet -nologo >"$CONVOCANVAS_DATA/build.log" 2>&1 \
    || { tail -n 40 "$CONVOCANVAS_DATA/build.log" >&2; die "build failed (log: $CONVOCANVAS_DATA/build.log)"; }
}

silo_running() {
  [[ -f $CONVOCANVAS_DATA/silo.pid ]] && kill -0 "$(cat "$CONVOCANVAS_DATA/silo.pid")" 2>/dev/null
}

silo_start_background() {
  local log="$CONVOCANVAS_DATA/silo.log"
  (cd "$(dirname "$SILO_DLL")" && exec setsid dotnet "$SILO_DLL" >>"$log" 2>&1 </dev/null) &
  echo $! >"$CONVOCANVAS_DATA/silo.pid"
  if ! wait_http "http://$CONVOCANVAS_HTTP_HOST:$CONVOCANVAS_HTTP_PORT/health/ready" 120 "$(cat "$CONVOCANVAS_DATA/silo.pid")"; then
    tail -n 40 "$log" >&2
    stop_pidfile "$CONVOCANVAS_DATA/silo.pid"
    die "the silo did not become ready (log: $log)"
  fi
}

silo_run_foreground() {
  (cd "$(dirname "$SILO_DLL")" && exec dotnet "$SILO_DLL") &
  echo $! >"$CONVOCANVAS_DATA/silo.pid"
  wait "$(cat "$CONVOCANVAS_DATA/silo.pid")" || true
}

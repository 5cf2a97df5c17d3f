#!/usr/bin/env bash
# Set up and run every ConvoCanvas test project against real services on their own ports and
# data folder, stop what it started, and end with one line: tests: N passed, N failed[, N skipped].
#   ./scripts/test.sh                  everything
#   ./scripts/test.sh Ingest Grains    only the test projects whose names contain these words
set -euo pipefail
source "$(dirname "$0")/lib/common.sh"
source "$ROOT/scripts/lib/postgres.sh"
source "$ROOT/scripts/lib/chromium.sh"
source "$ROOT/scripts/lib/chroma.sh"
source "$ROOT/scripts/lib/mermaid.sh"

ensure_dotnet
TEST_DATA="${CONVOCANVAS_TEST_DATA:-$ROOT/.data-test}"
RESULTS="$TEST_DATA/results"
rm -rf "$RESULTS"
mkdir -p "$TEST_DATA" "$RESULTS"

pg_ensure_installed
chromium_ensure_installed
chroma_ensure_installed
mermaid_ensure_installed
export CONVOCANVAS_MERMAID="$(mermaid_script)"
export CONVOCANVAS_CHROMIUM="$(chromium_binary)"
PG_PORT="${CONVOCANVAS_TEST_PG_PORT:-$(free_port)}"
pg_stop "$TEST_DATA" >/dev/null 2>&1 || true
pg_start "$TEST_DATA" "$PG_PORT"
cleanup() {
  chroma_stop "$TEST_DATA" >/dev/null 2>&1 || true
  pg_stop "$TEST_DATA" >/dev/null 2>&1 || true
}
trap cleanup EXIT INT TERM
export CONVOCANVAS_TEST_PG="Host=127.0.0.1;Port=$PG_PORT;Database=convocanvas;Username=postgres"
# A fresh ChromaDB per run: collections left by an earlier, interrupted run do not leak in.
CHROMA_PORT="${CONVOCANVAS_TEST_CHROMA_PORT:-$(free_port)}"
chroma_stop "$TEST_DATA" >/dev/null 2>&1 || true
rm -rf "$TEST_DATA/chroma"
chroma_start "$TEST_DATA" "$CHROMA_PORT"
export CONVOCANVAS_TEST_CHROMA="$(chroma_url "$CHROMA_PORT")"
export CONVOCANVAS_TEST_DATA="$TEST_DATA"

say "building"
dotnet build "$ROOT/ConvoCanvas.Grains.sln" -c Release -v quiet -nologo 2>&1 | tail -n 30
[[ ${PIPESTATUS[0]} -eq 0 ]] || die "build failed"

projects=()
for csproj in "$ROOT"/tests/*.Tests/*.Tests.csproj; do
  name=$(basename "$csproj" .csproj)
  if [[ $# -gt 0 ]]; then
    keep=false
    for word in "$@"; do [[ $name == *"$word"* ]] && keep=true; done
    $keep || continue
  fi
  projects+=("$csproj")
done

passed=0 failed=0 skipped=0 broken=()
for csproj in "${projects[@]}"; do
  name=$(basename "$csproj" .csproj)
  say "testing $name"
  if ! dotnet test "$csproj" -c Release --no-build -nologo \
      --logger "trx;LogFileName=$name.trx" --logger "console;verbosity=normal" \
      --results-directory "$RESULTS" >"$RESULTS/$name.log" 2>&1; then
    broken+=("$name")
  fi
  grep -E '^\s+(Failed|Skipped) ' "$RESULTS/$name.log" | head -n 50 >&2 || true
  trx="$RESULTS/$name.trx"
  if [[ -f $trx ]]; then
    counters=$(grep -o '<Counters [^>]*>' "$trx" | head -n 1)
    get() { sed -n "s/.* $1=\"\([0-9]*\)\".*/\1/p" <<<"$counters"; }
    p=$(get passed); f=$(get failed); n=$(get notExecuted)
    passed=$((passed + ${p:-0})); failed=$((failed + ${f:-0})); skipped=$((skipped + ${n:-0}))
    say "$name: ${p:-0} passed, ${f:-0} failed, ${n:-0} skipped"
  else
    tail -n 30 "$RESULTS/$name.log" >&2
    failed=$((failed + 1))
    say "$name: no results (the test host did not run; log above)"
  fi
done

status=0
if [[ $failed -gt 0 || ${#broken[@]} -gt 0 ]]; then
  status=1
  [[ ${#broken[@]} -gt 0 ]] && say "failing projects: ${broken[*]} (logs in $RESULTS)"
fi
if [[ $skipped -gt 0 ]]; then
  echo "tests: $passed passed, $failed failed, $skipped skipped"
else
  echo "tests: $passed passed, $failed failed"
fi
exit $status

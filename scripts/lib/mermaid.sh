#!/usr/bin/env bash
# The Mermaid renderer the web front end's Cluster page uses to draw the Mermaid diagram in the browser: one file,
# dist/mermaid.min.js from the npm package, under $ROOT/.tools/mermaid (never committed). Without it the page shows
# the Mermaid source instead of the drawing.
#
# Source this file (after common.sh), then call:
#   mermaid_ensure_installed    fetch the pinned package with `npm pack` if missing (needs npm; idempotent)
#   mermaid_script              the path of mermaid.min.js (exported as CONVOCANVAS_MERMAID by the scripts)

if [[ -z "${ROOT:-}" ]]; then
  source "$(dirname "${BASH_SOURCE[0]}")/common.sh"
fi

MERMAID_VERSION="12.3.0"
MERMAID_DIR="${MERMAID_DIR:-$ROOT/.tools/mermaid}"

mermaid_script() {
  printf '%s\n' "$MERMAID_DIR/$MERMAID_VERSION/mermaid.min.js"
}

mermaid_ensure_installed() {
  local target
  target="$(mermaid_script)"
  [[ -s "$target" ]] && return 0
  if ! command -v npm >/dev/null 2>&1; then
    printf 'mermaid.sh: npm is missing; the Cluster page will show Mermaid source instead of the drawing\n' >&2
    return 0
  fi
  local work
  work="$(mktemp -d)"
  if (cd "$work" && npm pack "mermaid@$MERMAID_VERSION" --silent >/dev/null 2>&1) \
      && tar xzf "$work/mermaid-$MERMAID_VERSION.tgz" -C "$work" package/dist/mermaid.min.js package/LICENSE; then
    mkdir -p "$(dirname "$target")"
    cp "$work/package/LICENSE" "$(dirname "$target")/LICENSE"
    mv "$work/package/dist/mermaid.min.js" "$target"
  else
    printf 'mermaid.sh: could not fetch mermaid@%s from npm; the Cluster page will show Mermaid source\n' "$MERMAID_VERSION" >&2
  fi
  rm -rf "$work"
  return 0
}

#!/usr/bin/env bash
# Debian's Chromium for the ConvoCanvas browser tests (Microsoft.Playwright drives it through
# ExecutablePath; nothing is downloaded by Playwright itself).
#
# Source this file, then call:
#   chromium_ensure_installed   install Debian's chromium if /usr/bin/chromium is missing;
#                               prints nothing when it is already there
#   chromium_binary             the real browser binary behind Debian's /usr/bin/chromium
#                               wrapper script (the wrapper adds flags and noise), or
#                               /usr/bin/chromium when it cannot be found
#
# Nothing here uses `set -e`, so a caller's shell is unaffected.

_chromium_log() {
  printf 'chromium.sh: %s\n' "$*" >&2
}

chromium_ensure_installed() {
  if [[ -x /usr/bin/chromium ]]; then
    return 0
  fi
  if [[ "$(id -u)" -ne 0 ]]; then
    _chromium_log "/usr/bin/chromium not found and not running as root: install the 'chromium' package"
    return 1
  fi
  # Refresh the package lists only when apt does not know a candidate yet.
  if ! apt-cache policy chromium 2>/dev/null | grep -q 'Candidate: [0-9]'; then
    DEBIAN_FRONTEND=noninteractive apt-get update -q >&2 || return 1
  fi
  DEBIAN_FRONTEND=noninteractive apt-get install -y -q chromium >&2 || return 1
  [[ -x /usr/bin/chromium ]] || {
    _chromium_log "apt-get installed chromium but /usr/bin/chromium is missing"
    return 1
  }
}

chromium_binary() {
  local candidate
  # The package's lib folder holds the ELF binary the wrapper script execs.
  while IFS= read -r candidate; do
    if [[ -f "$candidate" && -x "$candidate" ]] && [[ "$(head -c 4 "$candidate" 2>/dev/null)" == $'\x7fELF' ]]; then
      printf '%s\n' "$candidate"
      return 0
    fi
  done < <(dpkg -L chromium 2>/dev/null | grep -E '^/usr/lib/.*/chromium$')
  printf '%s\n' /usr/bin/chromium
}

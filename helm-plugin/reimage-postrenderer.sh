#!/usr/bin/env sh
# Helm 4 post-renderer wrapper: rendered manifests on stdin, rewritten manifests on stdout.
# Configuration passes straight through to reimage:
#   - every --post-renderer-args value arrives here as an argument;
#   - REIMAGE_ARGS (whitespace-separated flags) is put in front of them, for settings shared by
#     every release (e.g. REIMAGE_ARGS="-rename-remote-path registry.example.com/imported");
#   - REIMAGE_BIN picks the reimage executable; otherwise the one on PATH, else the one in the
#     package this plugin directory belongs to.
set -eu
bin="${REIMAGE_BIN:-}"
if [ -z "$bin" ]; then
  if command -v reimage >/dev/null 2>&1; then
    bin=reimage
  else
    bin="$(dirname "$0")/../bin/reimage"
  fi
fi
# shellcheck disable=SC2086 # REIMAGE_ARGS is a list of flags, split on whitespace on purpose
exec "$bin" ${REIMAGE_ARGS:-} "$@"

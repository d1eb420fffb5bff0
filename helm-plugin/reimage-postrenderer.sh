#!/usr/bin/env sh
# Helm 4 post-renderer wrapper: rendered manifests on stdin, rewritten manifests on stdout.
#   - every --post-renderer-args value arrives here as an argument;
#   - REIMAGE_ARGS (flags split on whitespace, never glob-expanded) goes in front of them, for
#     settings shared by every release;
#   - REIMAGE_BIN picks the reimage executable; otherwise `reimage` on PATH, else the bin/reimage
#     of the package or checkout this plugin directory belongs to (installs from a directory are
#     symlinks, so that is looked up from the directory's real path).
# Helm 4 captures a plugin's stderr and never shows it, so when reimage fails its report is also
# written to the terminal (when there is one) and to REIMAGE_ERROR_FILE (default
# ${XDG_CACHE_HOME:-$HOME/.cache}/reimage/helm-postrender-error.log).
set -u

error_file="${REIMAGE_ERROR_FILE:-${XDG_CACHE_HOME:-${HOME:-/tmp}/.cache}/reimage/helm-postrender-error.log}"

# Sends a failure report (a file) everywhere a Helm 4 user can see it.
report_failure() {
  cat "$1" >&2
  if mkdir -p "$(dirname "$error_file")" 2>/dev/null && cp "$1" "$error_file" 2>/dev/null; then
    saved="the report above is saved in $error_file"
  else
    saved="could not save the report to $error_file"
  fi
  # Under Helm 4 (which sets HELM_PLUGIN_NAME) stderr is a buffer nobody reads; the terminal is
  # still there when Helm has one.
  if [ -n "${HELM_PLUGIN_NAME:-}" ] && [ ! -t 2 ] && { : >/dev/tty; } 2>/dev/null; then
    { cat "$1"; echo "reimage post-renderer failed; $saved"; } >/dev/tty
  fi
}

# A path must be an executable file; a bare name must be on PATH.
runnable() {
  case "$1" in
    */*) [ -f "$1" ] && [ -x "$1" ] ;;
    *) command -v "$1" >/dev/null 2>&1 ;;
  esac
}

stderr_file="$(mktemp "${TMPDIR:-/tmp}/reimage-postrender.XXXXXX")" || exit 1
trap 'rm -f "$stderr_file"' EXIT

if [ -n "${REIMAGE_BIN:-}" ]; then
  bin="$REIMAGE_BIN"
  missing="reimage: REIMAGE_BIN=$bin is not an executable"
elif runnable reimage; then
  bin=reimage
else
  bin="$(cd -P "$(dirname "$0")" && pwd -P)/../bin/reimage"
  missing="reimage: no reimage executable on PATH or beside this plugin; put it on PATH (the npm package built with \`npm pack\`, or the single executable; see reimage's README, Install) or set REIMAGE_BIN to its path"
fi
if ! runnable "$bin"; then
  echo "$missing" >"$stderr_file"
  report_failure "$stderr_file"
  exit 127
fi

set -f # REIMAGE_ARGS holds flags, not file patterns
# shellcheck disable=SC2086 # split on whitespace on purpose
set -- ${REIMAGE_ARGS:-} "$@"
set +f
"$bin" "$@" 2>"$stderr_file"
status=$?
if [ "$status" -ne 0 ]; then
  report_failure "$stderr_file"
else
  cat "$stderr_file" >&2
fi
exit "$status"

#!/usr/bin/env bash
# The README quick-start demo: starts throwaway local registries, seeds them with the images of
# examples/chart-output.yaml, and shows reimage renaming, pinning and copying them.
# Needs: `npm ci` and the Debian packages of scripts/install-system-deps.sh.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/install-system-deps.sh
[ -f dist/reimage.cjs ] || npm run build >/dev/null
exec node --import tsx examples/demo.ts

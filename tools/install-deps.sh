#!/usr/bin/env bash
# Installs what a host build of tracelet needs, from Debian's packages. Idempotent: only
# missing packages are installed. Usage: tools/install-deps.sh [extra-package...]
set -uo pipefail

packages=(cmake g++ make libnanopb-dev nanopb protobuf-compiler libmbedtls-dev zlib1g-dev ca-certificates
          libgtest-dev libbenchmark-dev nodejs npm "$@")
native=$(dpkg --print-architecture)
missing=()
for p in "${packages[@]}"; do
  # With foreign architectures added (Raspberry Pi cross builds) a library is listed once per
  # architecture: only the native (or architecture-independent) one counts here.
  if ! dpkg-query -W -f='${db:Status-Status} ${Architecture}\n' "$p" 2>/dev/null |
       grep -qE "^installed ($native|all)$"; then
    missing+=("$p")
  fi
done
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
# `apt-get update` can exit non-zero for a foreign-architecture index (see BUILD notes in
# docs/porting.md) while the main suite is fine: tolerate it, let install report real gaps.
apt-get update -q -o DPkg::Lock::Timeout=600 >/dev/null || echo "install-deps: apt-get update exited $? (tolerated)"
DEBIAN_FRONTEND=noninteractive apt-get install -y -q -o DPkg::Lock::Timeout=600 \
  --no-install-recommends "${missing[@]}"

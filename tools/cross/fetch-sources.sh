#!/usr/bin/env bash
# Fetches the C sources of nanopb, Mbed TLS and lwIP with `apt-get source` into DIR, for bare-metal
# builds (Debian's binary packages hold only host libraries). The sources stay in DIR (a build
# folder): they are never copied into the repository.
# Usage: tools/cross/fetch-sources.sh DIR
# Prints three lines a build script can eval:
#   NANOPB_SRC=<dir holding pb_encode.c>
#   MBEDTLS_SRC=<dir holding library/ and include/>
#   LWIP_SRC=<dir holding src/core and src/include (lwIP 2.1, for port/lwip)>
# Idempotent: a package already unpacked in DIR is not fetched again. The deb-src entry is
# temporary (see below) and removed again on every exit path, failures included.
set -uo pipefail

if [[ $# -ne 1 ]]; then
  echo "usage: $0 DIR" >&2
  exit 2
fi
dest=$1
mkdir -p "$dest" || exit 1
dest=$(cd "$dest" && pwd)

find_nanopb() { find "$dest" -maxdepth 2 -name pb_encode.c -path "*/nanopb-*" -printf '%h\n' 2>/dev/null | head -n1; }
find_mbedtls() { find "$dest" -maxdepth 3 -name ssl_tls.c -path "*/mbedtls-*/library/*" -printf '%h\n' 2>/dev/null | head -n1 | sed 's#/library$##'; }
find_lwip() { find "$dest" -maxdepth 4 -name tcp.c -path "*/lwip-*/src/core/*" -printf '%h\n' 2>/dev/null | head -n1 | sed 's#/src/core$##'; }

wanted=()
[[ -n "$(find_nanopb)" ]] || wanted+=(nanopb)
[[ -n "$(find_mbedtls)" ]] || wanted+=(mbedtls)
[[ -n "$(find_lwip)" ]] || wanted+=(lwip)

if [[ ${#wanted[@]} -gt 0 ]]; then
  command -v dpkg-source >/dev/null || {
    echo "+ apt-get install -y dpkg-dev (apt-get source unpacks with dpkg-source)" >&2
    apt-get install -y -q -o DPkg::Lock::Timeout=600 --no-install-recommends dpkg-dev >&2 || exit 1
  }
  # The deb-src entry (a copy of the binary sources with `Types: deb-src`) and the indexes it
  # downloads live in a temporary directory that apt is pointed at with -o options, so the
  # system's apt configuration and lists are never touched; the trap removes it on every exit.
  tmp=$(mktemp -d)
  trap 'rm -rf "$tmp"' EXIT
  trap 'exit 130' INT TERM
  mkdir -p "$tmp/lists/partial" "$tmp/sources.list.d"
  chmod -R a+rx "$tmp"
  if [[ -f /etc/apt/sources.list.d/debian.sources ]]; then
    sed 's/^Types:.*/Types: deb-src/' /etc/apt/sources.list.d/debian.sources \
      > "$tmp/sources.list.d/tracelet-deb-src.sources" || exit 1
  elif [[ -f /etc/apt/sources.list ]]; then  # one-line format (older installs)
    sed -n 's/^deb /deb-src /p' /etc/apt/sources.list > "$tmp/sources.list.d/tracelet-deb-src.list" || exit 1
  else
    echo "fetch-sources: no Debian apt sources found to derive a deb-src entry from" >&2
    exit 1
  fi
  apt_opts=(-q -o DPkg::Lock::Timeout=600 -o APT::Sandbox::User=root
            -o "Dir::State::Lists=$tmp/lists" -o "Dir::Etc::SourceList=/dev/null"
            -o "Dir::Etc::SourceParts=$tmp/sources.list.d")
  echo "+ apt-get update (deb-src entry only, temporary lists in $tmp)" >&2
  apt-get "${apt_opts[@]}" update >&2 || echo "fetch-sources: apt-get update exited $? (tolerated)" >&2
  for pkg in "${wanted[@]}"; do
    echo "+ (cd $dest && apt-get source $pkg)" >&2
    (cd "$dest" && apt-get "${apt_opts[@]}" source "$pkg" >&2) || {
      echo "fetch-sources: apt-get source $pkg failed" >&2
      exit 1
    }
  done
fi

nanopb=$(find_nanopb)
mbedtls=$(find_mbedtls)
lwip=$(find_lwip)
if [[ -z "$nanopb" || -z "$mbedtls" || -z "$lwip" ]]; then
  echo "fetch-sources: sources missing after fetch (nanopb='$nanopb' mbedtls='$mbedtls' lwip='$lwip')" >&2
  exit 1
fi
echo "NANOPB_SRC=$nanopb"
echo "MBEDTLS_SRC=$mbedtls"
echo "LWIP_SRC=$lwip"

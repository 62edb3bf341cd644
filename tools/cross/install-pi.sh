#!/usr/bin/env bash
# Installs what the Raspberry Pi cross builds need: Debian's aarch64 and armhf cross compilers,
# qemu-user to run the test programs, and the arm64/armhf (multiarch) builds of the libraries
# tracelet links. Idempotent: does nothing when everything is already installed.
# Usage: tools/cross/install-pi.sh            (run as root; about 40 s and 125 MB the first time)
set -uo pipefail
source "$(dirname "$0")/../apt.sh"

packages=(g++-aarch64-linux-gnu g++-arm-linux-gnueabihf qemu-user
          nanopb protobuf-compiler cmake make)
for arch in arm64 armhf; do
  # libbenchmark-dev: tests/bench/tests.cmake builds the benchmarks with the tests.
  # libc6/libstdc++6: the runtime qemu-user runs test programs on (see the toolchain files).
  for lib in libc6 libstdc++6 libnanopb-dev libmbedtls-dev libgtest-dev libbenchmark-dev; do
    packages+=("${lib}:${arch}")
  done
done

read -r -a missing <<<"$(missing_packages "${packages[@]}")"
if [[ ${#missing[@]} -eq 0 ]]; then
  echo "install-pi: everything is installed already"
  exit 0
fi
echo "install-pi: missing: ${missing[*]}"

foreign=$(dpkg --print-foreign-architectures)
need_update=0
for arch in arm64 armhf; do
  if ! grep -qx "$arch" <<<"$foreign"; then
    echo "+ dpkg --add-architecture $arch"
    dpkg --add-architecture "$arch" || exit 1
    need_update=1
  fi
done
# An index that does not know the new architectures yet cannot install them. With armhf added,
# `apt-get update` exits 100 on this mirror (one armhf security index has a bad size) although
# the main suite is fine.
if [[ $need_update -eq 1 ]] || ! apt-cache show "libnanopb-dev:arm64" >/dev/null 2>&1; then
  apt_update_tolerant install-pi
fi
apt_install "${missing[@]}"

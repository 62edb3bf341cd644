#!/usr/bin/env bash
# Installs what the Cortex-M4 (bare-metal) builds need.
#   tools/cross/install-cortex-m.sh            small packages only (qemu-system-arm, nanopb, cmake)
#   tools/cross/install-cortex-m.sh --toolchain  also the arm-none-eabi GCC, newlib and libstdc++
#                                                (about 45 s and 2.5 GB on disk: install once)
# Idempotent: packages already installed are skipped.
set -uo pipefail
source "$(dirname "$0")/../apt.sh"

want_toolchain=0
for arg in "$@"; do
  case "$arg" in
    --toolchain) want_toolchain=1 ;;
    -h|--help) sed -n '2,7p' "$0"; exit 0 ;;
    *) echo "install-cortex-m: unknown argument '$arg' (use --toolchain)" >&2; exit 2 ;;
  esac
done

packages=(qemu-system-arm nanopb protobuf-compiler cmake make)
if [[ $want_toolchain -eq 1 ]]; then
  packages+=(gcc-arm-none-eabi libnewlib-arm-none-eabi libstdc++-arm-none-eabi-newlib binutils-arm-none-eabi)
fi

read -r -a missing <<<"$(missing_packages "${packages[@]}")"
if [[ ${#missing[@]} -eq 0 ]]; then
  echo "install-cortex-m: everything is installed already"
  if [[ $want_toolchain -eq 0 ]] && ! command -v arm-none-eabi-g++ >/dev/null; then
    echo "install-cortex-m: note: the arm-none-eabi toolchain is not installed; pass --toolchain"
  fi
  exit 0
fi
echo "install-cortex-m: missing: ${missing[*]}"
if ! apt-cache show "${missing[0]}" >/dev/null 2>&1; then apt_update_tolerant install-cortex-m; fi
apt_install "${missing[@]}"

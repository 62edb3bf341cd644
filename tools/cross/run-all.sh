#!/usr/bin/env bash
# Cross builds and on-target tests of tracelet, in one go:
#   1. installs what is missing (Debian cross compilers, multiarch libraries, QEMU,
#      arm-none-eabi toolchain; idempotent) and fetches nanopb/Mbed TLS/lwIP sources for bare metal
#   2. Raspberry Pi 64-bit (aarch64): configure, build, ctest under qemu-aarch64
#   3. Raspberry Pi 32-bit (armhf):   configure, build, ctest under qemu-arm
#   4. Cortex-M4 (MPS2-AN386):        configure, build the firmware, ctest under qemu-system-arm,
#                                     then the size/cycle report (tools/cross/footprint.sh)
# Usage: tools/cross/run-all.sh [pi64] [armhf] [cm4]     (no argument = all three)
# Environment:
#   TRACELET_CROSS_BUILD       build root (default: <repo>/build-cross)
#   TRACELET_CROSS_JOBS        parallel build jobs (default 2)
#   TRACELET_CROSS_CMAKE_ARGS  extra cmake arguments for the Pi builds (e.g. -DTRACELET_BUILD_TOOLS=OFF)
#   TRACELET_CROSS_CTEST_ARGS  extra ctest arguments for the Pi runs (e.g. "-L unit" or "-LE conformance")
#   TRACELET_CROSS_NO_INSTALL  set to 1 to skip the install step
#   TRACELET_CROSS_HOST_BUILD  host build tree for the cm4 serial end-to-end test's host programs
#                              (default <build root>/host-tools; an existing host build works)
# Exit code: 0 only if every selected step passed.
set -uo pipefail

root=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
build=${TRACELET_CROSS_BUILD:-$root/build-cross}
jobs=${TRACELET_CROSS_JOBS:-2}
read -r -a pi_cmake_args <<<"${TRACELET_CROSS_CMAKE_ARGS:-}"
read -r -a pi_ctest_args <<<"${TRACELET_CROSS_CTEST_ARGS:-}"

targets=("$@")
[[ ${#targets[@]} -eq 0 ]] && targets=(pi64 armhf cm4)
for t in "${targets[@]}"; do
  case "$t" in pi64|armhf|cm4) ;; *) echo "run-all: unknown target '$t' (pi64 armhf cm4)" >&2; exit 2 ;; esac
done
want() { local t; for t in "${targets[@]}"; do [[ "$t" == "$1" ]] && return 0; done; return 1; }

summary=()
failed=0
# step NAME COMMAND...: runs and times one step, records the result.
step() {
  local name=$1; shift
  echo
  echo "==== run-all: $name"
  echo "+ $*"
  local start=$SECONDS
  "$@"
  local rc=$?
  local took=$((SECONDS - start))
  if [[ $rc -eq 0 ]]; then
    summary+=("$(printf '%-28s ok      %4ds' "$name" "$took")")
  else
    summary+=("$(printf '%-28s FAILED  %4ds (exit %d)' "$name" "$took" "$rc")")
    failed=1
  fi
  return $rc
}

mkdir -p "$build" || exit 1

# ---- 1. install and fetch --------------------------------------------------------------------
if [[ "${TRACELET_CROSS_NO_INSTALL:-0}" != 1 ]]; then
  if want pi64 || want armhf; then step "install Pi packages" "$root/tools/cross/install-pi.sh"; fi
  if want cm4; then step "install Cortex-M packages" "$root/tools/cross/install-cortex-m.sh" --toolchain; fi
fi

# ---- 2./3. Raspberry Pi builds under qemu-user ----------------------------------------------
pi_build() {  # pi_build NAME TOOLCHAIN
  local name=$1 toolchain=$2 dir=$build/$1
  step "$name configure" cmake -S "$root" -B "$dir" -C "$root/boards/raspberrypi/board.cmake" \
       -DCMAKE_TOOLCHAIN_FILE="$root/toolchains/$toolchain.cmake" "${pi_cmake_args[@]}" || return 1
  step "$name build" cmake --build "$dir" -j "$jobs" || return 1
  step "$name ctest (qemu-user)" ctest --test-dir "$dir" --output-on-failure -j "$jobs" \
       --timeout 300 "${pi_ctest_args[@]}"
}
if want pi64; then pi_build pi64 aarch64-linux-gnu; fi
if want armhf; then pi_build armhf arm-linux-gnueabihf; fi

# ---- 4. Cortex-M4 firmware under qemu-system-arm ---------------------------------------------
cm4_build() {
  local dir=$build/cm4 sources
  sources=$("$root/tools/cross/fetch-sources.sh" "$build/_sources") || {
    summary+=("$(printf '%-28s FAILED' "fetch nanopb/mbedtls sources")"); failed=1; return 1; }
  local nanopb mbedtls lwip
  nanopb=$(sed -n 's/^NANOPB_SRC=//p' <<<"$sources")
  mbedtls=$(sed -n 's/^MBEDTLS_SRC=//p' <<<"$sources")
  lwip=$(sed -n 's/^LWIP_SRC=//p' <<<"$sources")
  # The serial end-to-end test (tests/cortex_m/serial_e2e.cmake) builds its host programs
  # (tracelet-bridge, tracelet-receiver, the checker) in this host tree.
  step "cm4 configure" cmake -S "$root" -B "$dir" -C "$root/boards/mps2_an386/board.cmake" \
       -DTRACELET_NANOPB_SOURCE_DIR="$nanopb" -DTRACELET_MBEDTLS_SOURCE_DIR="$mbedtls" \
       -DTRACELET_LWIP_SOURCE_DIR="$lwip" -DTRACELET_HOST_BUILD_DIR="${TRACELET_CROSS_HOST_BUILD:-$build/host-tools}" || return 1
  step "cm4 build firmware" cmake --build "$dir" -j "$jobs" --target tracelet_firmware || return 1
  step "cm4 ctest (qemu-system-arm)" ctest --test-dir "$dir" --output-on-failure --timeout 120
  step "cm4 footprint report" "$root/tools/cross/footprint.sh" "$dir"
}
if want cm4; then cm4_build; fi

echo
echo "==== run-all summary (build root $build)"
printf '%s\n' "${summary[@]}"
exit $failed

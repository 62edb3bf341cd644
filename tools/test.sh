#!/usr/bin/env bash
# Runs all of tracelet's tests on a fresh Debian machine: installs what is missing, then
#   1. host build (x86_64) + every CTest test (unit, OTLP checks against the official
#      definitions, TLS/receiver end-to-end, interop, benchmark smoke runs)
#   2. ASan+UBSan build with clang + every C++ test again
#   3. ThreadSanitizer build + the concurrency tests
#   4. cross builds: aarch64 + armhf tests under qemu-user, Cortex-M4 firmware under
#      qemu-system-arm, and the Cortex-M footprint report (tools/cross/run-all.sh)
#   package: install, .deb and an outside application built against tracelet four ways
#      (find_package, add_subdirectory, pkg-config, the unpacked .deb: tools/consumer-check.sh)
# Prints one line per stage and a closing "N passed, M failed" over all CTest runs and the
# package checks.
# Usage: tools/test.sh            (TRACELET_SKIP_CROSS=1 skips stage 4; TRACELET_JOBS=N)
set -uo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
cd "$root"
jobs=${TRACELET_JOBS:-2}
total_passed=0
total_failed=0
stages=()

banner() { printf '\n===== %s =====\n' "$*"; }

# ctest_stage NAME BUILD_DIR [ctest args...]: runs ctest, adds its counts to the totals.
ctest_stage() {
  local name=$1 dir=$2
  shift 2
  local log
  log=$(mktemp)
  local start=$SECONDS
  ctest --test-dir "$dir" -j "$jobs" --output-on-failure --timeout 600 "$@" 2>&1 | tee "$log"
  local summary passed=0 failed=0 count
  summary=$(grep -E 'tests passed, [0-9]+ tests failed out of [0-9]+' "$log" | tail -1)
  if [[ -n "$summary" ]]; then
    failed=$(sed -E 's/.* ([0-9]+) tests failed out of ([0-9]+).*/\1/' <<<"$summary")
    count=$(sed -E 's/.* tests failed out of ([0-9]+).*/\1/' <<<"$summary")
    passed=$((count - failed))
  else
    failed=1  # ctest itself failed (no tests found, crashed...)
  fi
  rm -f "$log"
  total_passed=$((total_passed + passed))
  total_failed=$((total_failed + failed))
  stages+=("$name: $passed passed, $failed failed ($((SECONDS - start)) s)")
}

build() {  # build DIR [cmake args...]: configure and build ($targets, or all), showing progress
  local dir=$1
  shift
  mkdir -p "$dir"
  cmake -S "$root" -B "$dir" -DCMAKE_BUILD_TYPE=RelWithDebInfo "$@" >"$dir/configure.log" 2>&1 || {
    cat "$dir/configure.log"
    return 1
  }
  if [[ -n "${targets:-}" ]]; then
    # shellcheck disable=SC2086
    cmake --build "$dir" -j "$jobs" --target $targets
  else
    cmake --build "$dir" -j "$jobs"
  fi
}

banner "installing host packages"
bash tools/install-deps.sh clang libclang-rt-14-dev || { echo "cannot install host packages"; exit 1; }

banner "1/4 host build and tests"
start=$SECONDS
if build build/host; then
  ctest_stage "host" build/host
else
  stages+=("host: BUILD FAILED"); total_failed=$((total_failed + 1))
fi

banner "2/4 ASan+UBSan build (clang) and tests"
# Built with clang, so the tree is also checked against clang's warnings (-Werror); its
# sanitizer runtimes come from libclang-rt-14-dev (installed above).
sanitize="-fsanitize=address,undefined -fno-sanitize-recover=all -fno-omit-frame-pointer"
if build build/asan-clang -DCMAKE_C_COMPILER=clang -DCMAKE_CXX_COMPILER=clang++ \
     -DCMAKE_BUILD_TYPE=Debug -DTRACELET_LIBFUZZER=OFF "-DCMAKE_CXX_FLAGS=$sanitize" "-DCMAKE_C_FLAGS=$sanitize" \
     "-DCMAKE_EXE_LINKER_FLAGS=-fsanitize=address,undefined"; then
  # The conformance (Node.js) checks and benchmark smoke runs add nothing under a sanitizer;
  # libFuzzer runs are not built here (they carry their own sanitizers in stage 1).
  ASAN_OPTIONS=detect_leaks=1 UBSAN_OPTIONS=print_stacktrace=1 \
    ctest_stage "asan+ubsan" build/asan-clang -LE 'conformance|bench|fuzz'
else
  stages+=("asan+ubsan: BUILD FAILED"); total_failed=$((total_failed + 1))
fi

banner "3/4 ThreadSanitizer build and concurrency tests"
targets="stress_test exporter_test remote_sampler_stress_test"
if build build/tsan -DCMAKE_BUILD_TYPE=Debug -DTRACELET_BUILD_TOOLS=OFF -DTRACELET_LIBFUZZER=OFF "-DCMAKE_CXX_FLAGS=-fsanitize=thread" \
     "-DCMAKE_C_FLAGS=-fsanitize=thread" "-DCMAKE_EXE_LINKER_FLAGS=-fsanitize=thread"; then
  TSAN_OPTIONS=halt_on_error=1 ctest_stage "tsan" build/tsan -L 'stress|concurrency'
  unset targets
else
  stages+=("tsan: BUILD FAILED"); total_failed=$((total_failed + 1))
fi

banner "4/4 cross builds: Raspberry Pi (qemu-user) and Cortex-M4 (qemu-system-arm)"
if [[ "${TRACELET_SKIP_CROSS:-0}" == "1" ]]; then
  stages+=("cross: skipped (TRACELET_SKIP_CROSS=1)")
elif [[ -x tools/cross/run-all.sh || -f tools/cross/run-all.sh ]]; then
  start=$SECONDS
  cross_log=$(mktemp)
  # The Cortex-M serial end-to-end test reuses the host build of stage 1 for its host programs.
  TRACELET_CROSS_HOST_BUILD="$root/build/host" bash tools/cross/run-all.sh 2>&1 | tee "$cross_log"
  cross_rc=${PIPESTATUS[0]}
  # Add up the CTest summaries of every target run-all.sh tested.
  p=0
  f=0
  while read -r failed_n total_n; do
    p=$((p + total_n - failed_n))
    f=$((f + failed_n))
  done < <(sed -nE 's/.*tests passed, ([0-9]+) tests failed out of ([0-9]+).*/\1 \2/p' "$cross_log")
  rm -f "$cross_log"
  [[ $cross_rc -ne 0 && $f -eq 0 ]] && f=1
  total_passed=$((total_passed + p))
  total_failed=$((total_failed + f))
  stages+=("cross: $p passed, $f failed ($((SECONDS - start)) s)")
fi

banner "package: install, .deb and an outside consumer built four ways"
# tools/consumer-check.sh counts each way (find_package, add_subdirectory, pkg-config, .deb)
# as one check.
start=$SECONDS
package_log=$(mktemp)
bash tools/consumer-check.sh "$root/build/consumer-check" 2>&1 | tee "$package_log"
package_rc=${PIPESTATUS[0]}
package_summary=$(grep -E '^consumer-check: [0-9]+ passed, [0-9]+ failed$' "$package_log" | tail -1)
rm -f "$package_log"
if [[ -n "$package_summary" ]]; then
  package_passed=$(sed -E 's/^consumer-check: ([0-9]+) passed.*/\1/' <<<"$package_summary")
  package_failed=$(sed -E 's/.* ([0-9]+) failed$/\1/' <<<"$package_summary")
else
  package_passed=0
  package_failed=1  # the script itself failed
fi
[[ $package_rc -ne 0 && $package_failed -eq 0 ]] && package_failed=1
total_passed=$((total_passed + package_passed))
total_failed=$((total_failed + package_failed))
stages+=("package: $package_passed passed, $package_failed failed ($((SECONDS - start)) s)")

banner "summary"
for s in "${stages[@]}"; do echo "  $s"; done
echo "$total_passed passed, $total_failed failed"
[[ $total_failed -eq 0 ]]

#!/usr/bin/env bash
# Kills a process writing spans into a file-backed ring N times (SIGKILL at random moments)
# and checks every completed record is adopted and exported once, or twice for the batch in
# flight (tests/core/kill_test.cpp). CI runs 20 kills through CTest; this runs the full count.
# Usage: tools/kill-test.sh [N]   (default 500; builds build/kill/ from this checkout)
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
kills=${1:-500}
dir="$root/build/kill"
mkdir -p "$dir"
cmake -S "$root" -B "$dir" -DCMAKE_BUILD_TYPE=RelWithDebInfo -DTRACELET_BUILD_TOOLS=OFF \
  -DTRACELET_LIBFUZZER=OFF >"$dir/configure.log" 2>&1 || { cat "$dir/configure.log"; exit 1; }
cmake --build "$dir" -j "${TRACELET_JOBS:-2}" --target kill_test >"$dir/build.log" 2>&1 ||
  { tail -30 "$dir/build.log"; exit 1; }
TRACELET_KILLS=$kills "$dir/tests/kill_test"

#!/usr/bin/env bash
# Measures the figures quoted in the README, each next to its floor or baseline measured in the
# same run (the machines are shared: a ratio to a floor from the same minutes means more than a
# bare figure):
#   span recording (start + 2 attributes + end), 1 and 2 threads  vs  two clock_gettime reads
#     + a 120-byte copy (span_bench BM_FloorTwoClockReadsAndCopy); the 1-vs-2-thread ratio
#     (producer_latency --scaling) vs the same ratio for work that shares nothing
#   whole device cost per span (record + encode + HTTP framing into an in-memory collector)
#   OTLP encoding, real bytes                                      vs  memcpy of the same request
#   export over TLS to the local receiver on loopback              vs  the same request bytes
#     through the TLS client alone, when export_bench has that baseline
#   Cortex-M4 instruction counts (tools/cross/footprint.sh), when build-cross/cm4 exists
# Builds a RelWithDebInfo tree in build/bench; medians of 5 repetitions. Writes every figure to
# build/bench/bench.json and prints the README's "Measured" rows (tools/bench-report.js).
# Usage: tools/bench.sh            TRACELET_BENCH_REPS=N changes the repetitions (default 5)
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
cd "$root"
bash tools/install-deps.sh
out=build/bench
reps=${TRACELET_BENCH_REPS:-5}
mkdir -p "$out"
cmake -S . -B "$out" -DCMAKE_BUILD_TYPE=RelWithDebInfo >"$out/configure.log" 2>&1 ||
  { cat "$out/configure.log"; exit 1; }
cmake --build "$out" -j "${TRACELET_JOBS:-2}" --target span_bench encode_bench export_bench store_bench producer_latency

run() {  # run NAME [benchmark args...]: console to the terminal, JSON to $out/NAME.json
  local name=$1
  shift
  echo "== $name"
  "$out/tests/$name" --benchmark_out="$out/$name.json" --benchmark_out_format=json "$@"
}
# Repetitions of the span rows and their floor interleaved at random: on a shared VM a
# neighbour on the same physical core slows a span (not the clock-bound floor) for seconds at
# a time, and back-to-back repetitions would put one row wholly in such a stretch.
run span_bench --benchmark_repetitions="$reps" --benchmark_enable_random_interleaving=true \
  --benchmark_report_aggregates_only=true
run encode_bench --benchmark_repetitions="$reps" --benchmark_report_aggregates_only=true
run export_bench
run store_bench --benchmark_repetitions=3 --benchmark_report_aggregates_only=true
echo "== producer_latency --scaling"
"$out/tests/producer_latency" --scaling --seconds 1 --rounds "$reps" | tee "$out/scaling.txt"

footprint=$out/footprint.txt
rm -f "$footprint"
if [[ -d build-cross/cm4 ]]; then
  echo "== Cortex-M4 instruction counts (tools/cross/footprint.sh)"
  bash tools/cross/footprint.sh | tee "$footprint"
else
  echo "== Cortex-M4 counts skipped: no build-cross/cm4 (run tools/cross/run-all.sh cm4 first)"
fi

echo
node tools/bench-report.js "$out" "$out/bench.json"

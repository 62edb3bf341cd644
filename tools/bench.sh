#!/usr/bin/env bash
# Measures the figures quoted in the README: span recording cost (1 and 2 threads), OTLP
# encoding throughput and bytes/span, and sustained export over TLS on loopback.
# Builds a RelWithDebInfo tree in build/bench. Medians of 5 repetitions; these machines are
# shared, so compare CPU time as well as wall time.
# Usage: tools/bench.sh
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
cd "$root"
bash tools/install-deps.sh
mkdir -p build/bench
cmake -S . -B build/bench -DCMAKE_BUILD_TYPE=RelWithDebInfo >build/bench/configure.log 2>&1 ||
  { cat build/bench/configure.log; exit 1; }
cmake --build build/bench -j "${TRACELET_JOBS:-2}" --target span_bench encode_bench export_bench store_bench
echo "== span recording (start + 2 attributes + end)"
build/bench/tests/span_bench --benchmark_repetitions=5 --benchmark_report_aggregates_only=true |
  grep -E 'median|Benchmark'
echo "== OTLP encoding (sizing pass + encoding, per batch)"
build/bench/tests/encode_bench --benchmark_repetitions=5 --benchmark_report_aggregates_only=true |
  grep -E 'median|Benchmark'
echo "== sustained export over TLS to the local receiver on loopback"
build/bench/tests/export_bench
echo "== the receiver's SQLite store: spans/s committed, next to the receiver's answers without it"
build/bench/tests/store_bench --benchmark_repetitions=3 --benchmark_report_aggregates_only=true |
  grep -E 'median|Benchmark'

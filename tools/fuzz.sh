#!/usr/bin/env bash
# Runs every libFuzzer target of tests/fuzz/ for MINUTES each, starting from the seed corpora
# in the tree, and prints one line per target: executions, coverage (libFuzzer's cov and ft
# at the end of the run), crashes and where the crashing input was written.
#
# Usage: tools/fuzz.sh [--keep] [--only REGEX] MINUTES
#   MINUTES      per target (decimals allowed: 0.5 = 30 s)
#   --keep       afterwards, merge the new inputs that add coverage into the tree's corpora
#                (libFuzzer -merge=1: only inputs that reach something new; review, then commit)
#   --only REGEX run only the targets whose name matches (e.g. --only 'receiver_')
# Environment:
#   TRACELET_FUZZ_JOBS=N    targets run N at a time (default 1; each libFuzzer uses one core)
#   TRACELET_FUZZ_BUILD=DIR build directory (default build/fuzz; configured and built here)
#   TRACELET_JOBS=N         parallel compile jobs (default 2)
# New inputs of a run go to a temporary directory; logs and crash inputs stay in
# DIR/fuzz-run/<time>/. Exit status: 0 when no target crashed, 1 when one did, 2 on a usage
# or build error.
set -uo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
cd "$root"

keep=0
only=''
minutes=''
while [[ $# -gt 0 ]]; do
  case $1 in
    --keep) keep=1 ;;
    --only) only=${2:-}; shift ;;
    -h|--help) sed -n '2,19p' "$0"; exit 0 ;;
    *) minutes=$1 ;;
  esac
  shift
done
if [[ ! "$minutes" =~ ^[0-9]+([.][0-9]+)?$ ]]; then
  echo "usage: tools/fuzz.sh [--keep] [--only REGEX] MINUTES (per target)" >&2
  exit 2
fi
seconds=$(awk -v m="$minutes" 'BEGIN { s = int(m * 60 + 0.5); print (s < 1 ? 1 : s) }')
jobs=${TRACELET_FUZZ_JOBS:-1}
build=${TRACELET_FUZZ_BUILD:-build/fuzz}

# Every target has a seed corpus tests/fuzz/corpus/<name>/ (the CMake rule insists on it).
targets=()
for dir in tests/fuzz/corpus/*/; do
  name=$(basename "$dir")
  if [[ -z "$only" || "$name" =~ $only ]]; then targets+=("$name"); fi
done
if [[ ${#targets[@]} -eq 0 ]]; then
  echo "no fuzz target matches '$only'" >&2
  exit 2
fi

# ---- build ----
if [[ ! -f "$build/CMakeCache.txt" ]]; then
  cmake -S "$root" -B "$build" -DCMAKE_BUILD_TYPE=RelWithDebInfo >"${TMPDIR:-/tmp}/tracelet-fuzz-configure.log" 2>&1 || {
    cat "${TMPDIR:-/tmp}/tracelet-fuzz-configure.log"
    exit 2
  }
fi
if ! grep -q '^TRACELET_FUZZ_CXX_WORKS:BOOL=ON' "$build/CMakeCache.txt"; then
  echo "$build has no libFuzzer targets: install clang and libclang-rt-14-dev" \
       "(apt-get install -y clang libclang-rt-14-dev), then remove $build and run again" >&2
  exit 2
fi
cmake --build "$build" -j "${TRACELET_JOBS:-2}" --target "${targets[@]}" || exit 2

run_dir="$build/fuzz-run/$(date -u +%Y%m%dT%H%M%SZ)"
work_root=$(mktemp -d)
trap 'rm -rf "$work_root"' EXIT
mkdir -p "$run_dir"

# ---- run ----
# run_one NAME: libFuzzer for `seconds`; new inputs into the temporary corpus (the first
# directory is where libFuzzer writes), the tree's seeds only read.
run_one() {
  local name=$1
  local bin="$build/tests/$name"
  local work="$work_root/$name"
  mkdir -p "$work" "$run_dir/$name"
  "$bin" -max_total_time="$seconds" -timeout=10 -rss_limit_mb=2048 -print_final_stats=1 \
         -artifact_prefix="$run_dir/$name/" "$work" "tests/fuzz/corpus/$name" \
         >"$run_dir/$name.log" 2>&1
  echo $? >"$run_dir/$name.rc"
}

echo "fuzzing ${#targets[@]} target(s) for ${seconds} s each, $jobs at a time; logs in $run_dir"
running=0
for name in "${targets[@]}"; do
  run_one "$name" &
  running=$((running + 1))
  if [[ $running -ge $jobs ]]; then
    wait -n
    running=$((running - 1))
  fi
done
wait

# ---- report ----
crashed=0
printf '%-24s %14s %8s %8s %8s  %s\n' target executions cov ft crashes "crash inputs"
for name in "${targets[@]}"; do
  log="$run_dir/$name.log"
  execs=$(sed -n 's/^stat::number_of_executed_units: *//p' "$log" | tail -1)
  # The last status line carries the final coverage: "#N DONE cov: X ft: Y ..." (or the
  # line before a crash report).
  cov=$(grep -oE 'cov: [0-9]+' "$log" | tail -1 | cut -d' ' -f2)
  ft=$(grep -oE 'ft: [0-9]+' "$log" | tail -1 | cut -d' ' -f2)
  mapfile -t found < <(find "$run_dir/$name" -maxdepth 1 -type f \
                         \( -name 'crash-*' -o -name 'leak-*' -o -name 'timeout-*' -o -name 'oom-*' \) | sort)
  rc=$(cat "$run_dir/$name.rc" 2>/dev/null || echo 1)
  count=${#found[@]}
  if [[ $rc -ne 0 && $count -eq 0 ]]; then count="rc=$rc"; fi  # died without an input file
  if [[ $rc -ne 0 || ${#found[@]} -ne 0 ]]; then crashed=1; fi
  printf '%-24s %14s %8s %8s %8s  %s\n' "$name" "${execs:-?}" "${cov:-?}" "${ft:-?}" "$count" \
         "${found[*]:-}"
done

if [[ $keep -eq 1 ]]; then
  for name in "${targets[@]}"; do
    [[ -n "$(ls -A "$work_root/$name" 2>/dev/null)" ]] || continue
    before=$(ls "tests/fuzz/corpus/$name" | wc -l)
    "$build/tests/$name" -merge=1 -timeout=10 -rss_limit_mb=2048 "tests/fuzz/corpus/$name" \
      "$work_root/$name" >"$run_dir/$name.merge.log" 2>&1 ||
      echo "$name: merge failed, see $run_dir/$name.merge.log" >&2
    echo "$name: corpus $before -> $(ls "tests/fuzz/corpus/$name" | wc -l) files"
  done
  echo "corpora: $(du -sk tests/fuzz/corpus | cut -f1) KiB in tests/fuzz/corpus (review, then commit)"
fi
if [[ $crashed -ne 0 ]]; then
  echo "FAILED: a target crashed; reproduce with $build/tests/<target> <crash input>" >&2
  exit 1
fi
echo "no crashes"

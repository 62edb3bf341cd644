#!/usr/bin/env bash
# Warm resets at random instructions on Cortex-M: runs the firmware of
# tests/cortex_m/random_reset_target_test.cpp under qemu-system-arm (MPS2-AN386). The image
# resets itself N times through the CMSDK watchdog at pseudo-random moments (seeded), adopts its
# ring after every reset, checks every record and reports; this script then cross-checks the
# firmware's summary against its per-boot lines.
# Usage: tools/cross/random-reset.sh [--resets N] [--seed S] [FIRMWARE.elf]
#   --resets N   resets in one run, at most 4094 (default 500; CI runs 200 through CTest:
#                cm_random_reset_test)
#   --seed S     1..4294967295 (default: a random one, printed so a failure can be replayed)
#   FIRMWARE.elf default: <repo>/build-cross/cm4/tests/cortex_m/cm_random_reset_test.elf, as
#                tools/cross/run-all.sh cm4 builds it
# Environment: TRACELET_QEMU (default qemu-system-arm), TRACELET_RESET_SEED (as --seed).
# Exit code: 0 only if the firmware passed and its summary adds up.
set -uo pipefail

root=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
resets=500
seed=${TRACELET_RESET_SEED:-}
firmware=$root/build-cross/cm4/tests/cortex_m/cm_random_reset_test.elf
while [[ $# -gt 0 ]]; do
  case "$1" in
    --resets) resets=$2; shift 2 ;;
    --seed) seed=$2; shift 2 ;;
    -h|--help) sed -n '2,14p' "$0"; exit 0 ;;
    -*) echo "random-reset: unknown option '$1'" >&2; exit 2 ;;
    *) firmware=$1; shift ;;
  esac
done
[[ "$resets" =~ ^[0-9]+$ && "$resets" -ge 1 ]] || { echo "random-reset: --resets needs a number >= 1" >&2; exit 2; }
[[ -z "$seed" ]] && seed=$(( (RANDOM << 15 | RANDOM) + 1 ))
[[ "$seed" =~ ^[0-9]+$ && "$seed" -ge 1 && "$seed" -le 4294967295 ]] || { echo "random-reset: --seed needs 1..4294967295" >&2; exit 2; }
[[ -f "$firmware" ]] || { echo "random-reset: no firmware at $firmware (build it: tools/cross/run-all.sh cm4)" >&2; exit 2; }

# About 15 ms of host time per reset here; generous, so only a hang hits it.
limit=$(( 60 + resets / 10 ))
echo "random-reset: $resets resets, seed $seed (replay: $0 --resets $resets --seed $seed $firmware)"
log=$(mktemp)
trap 'rm -f "$log"' EXIT
# -icount shift=0: one instruction per virtual nanosecond, so the watchdog's moment of reset is
# a function of the seed alone and a failing seed replays exactly.
timeout "$limit" "${TRACELET_QEMU:-qemu-system-arm}" -machine mps2-an386 -cpu cortex-m4 -nographic \
  -monitor none -serial none -icount shift=0 \
  -semihosting-config "enable=on,target=native,arg=cm_random_reset_test,arg=resets=$resets,arg=seed=$seed" \
  -kernel "$firmware" >"$log" 2>&1
rc=$?
# Per-boot lines are many: show the start, the end and any failure.
if [[ $(wc -l <"$log") -gt 24 ]]; then
  head -n 4 "$log"; echo "  [...]"; grep -E "FAILED|unhandled exception|tracelet panic" "$log"; tail -n 6 "$log"
else
  cat "$log"
fi
if [[ $rc -ne 0 ]]; then
  echo "random-reset: FAILED: the firmware exited with $rc (124 = timeout after ${limit}s); seed $seed"
  exit 1
fi

# The firmware's summary, cross-checked against what it printed at each boot.
summary=$(grep -E '^random resets: ' "$log")
n_resets=$(sed -nE 's/^random resets: ([0-9]+) resets.*/\1/p' <<<"$summary")
adopted=$(sed -nE 's/.*ring adopted at ([0-9]+) of ([0-9]+) boots.*/\1/p' <<<"$summary")
finished=$(sed -nE 's/.*ring adopted at ([0-9]+) of ([0-9]+) boots.*/\2/p' <<<"$summary")
spans_adopted=$(sed -nE 's/.*, ([0-9]+) spans adopted,.*/\1/p' <<<"$summary")
lost=$(sed -nE 's/.*, lost ([0-9]+),.*/\1/p' <<<"$summary")
at_reset=$(sed -nE 's/.*, dropped_at_reset ([0-9]+) .*/\1/p' <<<"$summary")
boot_lines=$(grep -cE '^boot [0-9]+: adopted ' "$log")
per_boot_spans=$(sed -nE 's/^boot [0-9]+: adopted ([0-9]+) spans.*/\1/p' "$log" | awk '{s += $1} END {print s + 0}')
per_boot_at_reset=$(sed -nE 's/^boot [0-9]+: adopted .*dropped_at_reset ([0-9]+).*/\1/p' "$log" | awk '{s += $1} END {print s + 0}')
problems=()
[[ "$n_resets" == "$resets" ]] || problems+=("resets: firmware says '$n_resets', asked $resets")
[[ -n "$adopted" && "$adopted" == "$finished" && "$adopted" -gt 0 ]] || problems+=("adopted '$adopted' of '$finished' boots")
[[ "$boot_lines" == "$finished" ]] || problems+=("$boot_lines boot lines, summary counts $finished")
[[ "$per_boot_spans" == "$spans_adopted" ]] || problems+=("boot lines adopt $per_boot_spans spans, summary $spans_adopted")
[[ "$per_boot_at_reset" == "$at_reset" ]] || problems+=("boot lines drop $per_boot_at_reset at reset, summary $at_reset")
[[ "$lost" == 0 ]] || problems+=("lost '$lost'")
if [[ ${#problems[@]} -ne 0 ]]; then
  printf 'random-reset: FAILED: %s\n' "${problems[@]}"
  echo "random-reset: seed $seed"
  exit 1
fi
echo "random-reset: PASSED: $resets resets (seed $seed), ring adopted $adopted times, $spans_adopted spans adopted, lost 0, dropped_at_reset $at_reset"

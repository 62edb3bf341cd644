#!/usr/bin/env bash
# Soak: for MINUTES, producer threads record spans at a steady rate into a file-backed ring
# (tracelet::FileRing) and the real exporter ships them over TLS to tracelet-receiver on
# 127.0.0.1. The receiver is killed (SIGKILL) and restarted at random intervals; so is the
# producing process, whose next run adopts the ring it left. At the end the producer is
# stopped cleanly (it flushes everything) and tracelet_soak_check accounts for every span:
# recorded = delivered (unique) + dropped (counted), duplicates only for batches in flight at a
# kill. Prints a progress line about every 10 s and a totals table.
#
# Usage: tools/soak.sh MINUTES
#   Builds build/soak/ from this checkout unless TRACELET_SOAK_PRODUCER, TRACELET_SOAK_CHECK
#   and TRACELET_RECEIVER name the programs (what CTest's soak_1min does).
#   TRACELET_SOAK_RATE    spans per second, all threads (default 1000)
#   TRACELET_SOAK_THREADS producer threads (default 4)
#   TRACELET_SOAK_RING_KB ring file size in KiB (default 16384: no drops; a small ring, e.g. 256,
#                         fills while the receiver is down, so drops are counted and checked)
#   TRACELET_SOAK_SEED    seed of the kill schedule (default: from the clock; printed)
#   TRACELET_SOAK_WORK    working directory (default: a new one under /tmp); kept on failure
#   TRACELET_SOAK_KEEP=1  keep the working directory after a pass too
# Exit status: 0 nothing lost and every counter adds up; 1 otherwise; 2 usage or setup error.
set -uo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
minutes=${1:-}
if ! [[ "$minutes" =~ ^[1-9][0-9]*$ ]]; then
  echo "usage: tools/soak.sh MINUTES   (a whole number of minutes, at least 1)" >&2
  exit 2
fi
rate=${TRACELET_SOAK_RATE:-1000}
threads=${TRACELET_SOAK_THREADS:-4}
seed=${TRACELET_SOAK_SEED:-$(( $(date +%s) % 32768 ))}
batch=128
ring_bytes=$((${TRACELET_SOAK_RING_KB:-16384} << 10))  # 16 MiB: ~100 k spans; the longest outage needs ~4 k
RANDOM=$seed

producer=${TRACELET_SOAK_PRODUCER:-}
check=${TRACELET_SOAK_CHECK:-}
receiver=${TRACELET_RECEIVER:-}
if [[ -z "$producer" || -z "$check" || -z "$receiver" ]]; then
  dir="$root/build/soak"
  mkdir -p "$dir"
  echo "building $dir (tracelet-receiver, tracelet_soak_producer, tracelet_soak_check)"
  cmake -S "$root" -B "$dir" -DCMAKE_BUILD_TYPE=RelWithDebInfo -DTRACELET_LIBFUZZER=OFF \
    >"$dir/configure.log" 2>&1 || { cat "$dir/configure.log"; exit 2; }
  cmake --build "$dir" -j "${TRACELET_JOBS:-2}" --target tracelet-receiver tracelet_soak_producer \
    tracelet_soak_check >"$dir/build.log" 2>&1 || { tail -30 "$dir/build.log"; exit 2; }
  producer="$dir/tests/tracelet_soak_producer"
  check="$dir/tests/tracelet_soak_check"
  receiver="$dir/tools/receiver/tracelet-receiver"
  for p in "$producer" "$check" "$receiver"; do
    [[ -x "$p" ]] || { echo "soak: $p was not built" >&2; exit 2; }
  done
fi

work=${TRACELET_SOAK_WORK:-$(mktemp -d /tmp/tracelet-soak-XXXXXX)}
rm -rf "$work"
mkdir -p "$work/runs"
jsonl="$work/received.jsonl"
rx_pid=
pr_pid=
failures=()

cleanup() {  # whatever is still running when the script ends, by PID
  [[ -n "$pr_pid" ]] && kill -KILL "$pr_pid" 2>/dev/null && wait "$pr_pid" 2>/dev/null
  [[ -n "$rx_pid" ]] && kill -KILL "$rx_pid" 2>/dev/null && wait "$rx_pid" 2>/dev/null
}
trap cleanup EXIT
trap 'echo "soak: interrupted"; exit 2' INT TERM

now_ms() { local t=${EPOCHREALTIME//[.,]/}; echo $((t / 1000)); }
# pick A B: sets $picked to a number in A..B. No $(...): a subshell would reseed RANDOM and
# the schedule would no longer follow the seed.
pick() { picked=$(($1 + RANDOM % ($2 - $1 + 1))); }

"$receiver" --make-ca "$work/pki" >/dev/null 2>&1 || { echo "soak: tracelet-receiver --make-ca failed" >&2; exit 2; }

# A port below Linux's ephemeral range (32768-60999), so that while the receiver is down no
# other program's outgoing connection or port-0 listener takes it.
port=
start_receiver() {  # restarts reuse the first start's port: the producer's endpoint stays valid
  local attempt first=0
  [[ -z "$port" ]] && first=1
  for attempt in 1 2 3 4 5 6 7 8 9 10; do
    if ((first)); then pick 20000 29999; port=$picked; fi
    rm -f "$work/port"
    "$receiver" --certs "$work/pki" --quiet --port "$port" --port-file "$work/port" --jsonl "$jsonl" \
      >>"$work/receiver.log" 2>&1 &
    rx_pid=$!
    local waited
    for waited in $(seq 1 100); do
      [[ -s "$work/port" ]] && break
      kill -0 "$rx_pid" 2>/dev/null || break
      sleep 0.05
    done
    if [[ -s "$work/port" ]]; then
      port=$(cat "$work/port")
      return 0
    fi
    kill -KILL "$rx_pid" 2>/dev/null
    wait "$rx_pid" 2>/dev/null
    rx_pid=
    sleep 0.2  # e.g. the port is briefly not free again
  done
  echo "soak: tracelet-receiver did not start on port $port (see $work/receiver.log)" >&2
  return 1
}

generation=0
start_producer() {
  "$producer" --dir "$work/runs" --generation "$generation" --ring "$work/ring" --ring-bytes "$ring_bytes" \
    --endpoint "https://127.0.0.1:$port/v1/traces" --ca "$work/pki/ca.crt" --threads "$threads" \
    --rate "$rate" --batch "$batch" >>"$work/producer.log" 2>&1 &
  pr_pid=$!
  local waited
  for waited in $(seq 1 600); do  # 30 s: a loaded CI machine
    [[ -e "$work/runs/gen-$generation.ready" ]] && return 0
    kill -0 "$pr_pid" 2>/dev/null || break
    sleep 0.05
  done
  echo "soak: producer run $generation did not start (see $work/producer.log)" >&2
  return 1
}

status_field() {  # a number from the producer's status line, 0 if there is none yet
  local v
  v=$(sed -nE "s/.*\\b$1=([0-9]+).*/\\1/p" "$work/runs/status" 2>/dev/null)
  echo "${v:-0}"
}

start_receiver || exit 2
start_producer || exit 2
echo "soak: $minutes min, $threads threads at $rate spans/s, batch $batch, ring $((ring_bytes >> 10)) KiB, seed $seed, receiver on 127.0.0.1:$port, work $work"

rx_kills=0
pr_kills=0
recorded_before=0  # spans the killed runs had completed (their last status)
start=$(now_ms)
end=$((start + minutes * 60000))
pick 3000 10000; next_rx_kill=$((start + picked))
rx_back_at=0
pick 4000 12000; next_pr_kill=$((start + picked))
next_report=$((start + 10000))
while :; do
  now=$(now_ms)
  ((now >= end)) && break
  # Either process ending on its own is a failure in itself.
  if [[ -n "$pr_pid" ]] && ! kill -0 "$pr_pid" 2>/dev/null; then
    wait "$pr_pid"
    failures+=("producer run $generation exited on its own (status $?)")
    pr_pid=
    break
  fi
  if [[ -n "$rx_pid" ]] && ! kill -0 "$rx_pid" 2>/dev/null; then
    wait "$rx_pid"
    failures+=("tracelet-receiver exited on its own (status $?)")
    rx_pid=
    break
  fi
  if [[ -n "$rx_pid" ]] && ((now >= next_rx_kill)); then
    kill -KILL "$rx_pid"
    wait "$rx_pid" 2>/dev/null
    rx_pid=
    rx_kills=$((rx_kills + 1))
    pick 300 3000; rx_back_at=$((now + picked))
  elif [[ -z "$rx_pid" ]] && ((now >= rx_back_at)); then
    start_receiver || { failures+=("receiver restart failed"); break; }
    pick 3000 10000; next_rx_kill=$(($(now_ms) + picked))
  fi
  if ((now >= next_pr_kill)); then
    kill -KILL "$pr_pid"
    wait "$pr_pid" 2>/dev/null
    pr_pid=
    pr_kills=$((pr_kills + 1))
    recorded_before=$((recorded_before + $(status_field completed)))
    pick 0 9; sleep "0.$picked"  # a restart takes a moment, as after a crash
    generation=$((generation + 1))
    start_producer || { failures+=("producer restart failed"); break; }
    pick 4000 12000; next_pr_kill=$(($(now_ms) + picked))
  fi
  if ((now >= next_report)); then
    lines=0
    [[ -f "$jsonl" ]] && lines=$(wc -l <"$jsonl")
    printf '[%4d s] run %d | receiver kills %d (%s) | producer kills %d | recorded ~%d | pending %s | receiver lines %d\n' \
      $(((now - start) / 1000)) "$generation" "$rx_kills" "$([[ -n "$rx_pid" ]] && echo up || echo down)" \
      "$pr_kills" $((recorded_before + $(status_field completed))) "$(status_field pending)" "$lines"
    next_report=$((next_report + 10000))
  fi
  sleep 0.05
done

# The end: the receiver up, the producer stopped cleanly (it flushes everything), then the
# receiver stopped; bounded at 120 s.
if [[ -z "$rx_pid" ]]; then
  start_receiver || failures+=("receiver restart for the final flush failed")
fi
if [[ -n "$pr_pid" ]]; then
  kill -TERM "$pr_pid"
  for _ in $(seq 1 1200); do
    kill -0 "$pr_pid" 2>/dev/null || break
    sleep 0.1
  done
  if kill -0 "$pr_pid" 2>/dev/null; then
    failures+=("the last producer run did not finish its flush within 120 s")
    kill -KILL "$pr_pid"
  fi
  wait "$pr_pid"
  rc=$?
  pr_pid=
  ((rc == 0)) || failures+=("the last producer run exited with status $rc (spans left in the ring)")
fi
if [[ -n "$rx_pid" ]]; then
  kill -TERM "$rx_pid"
  wait "$rx_pid"
  rc=$?
  rx_pid=
  ((rc == 0)) || failures+=("tracelet-receiver exited with status $rc on SIGTERM")
fi
echo "soak: ran $(( ($(now_ms) - start) / 1000 )) s (seed $seed); checking $jsonl"

"$check" --dir "$work/runs" --jsonl "$jsonl" --receiver-kills "$rx_kills" --producer-kills "$pr_kills" --batch "$batch"
verdict=$?
for f in "${failures[@]}"; do echo "soak: FAILED: $f"; done
if ((verdict == 0 && ${#failures[@]} == 0)); then
  [[ "${TRACELET_SOAK_KEEP:-0}" == "1" ]] || rm -rf "$work"
  echo "soak: PASS"
  exit 0
fi
echo "soak: FAIL (logs and data kept in $work)"
exit 1

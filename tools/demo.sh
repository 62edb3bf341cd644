#!/usr/bin/env bash
# The main job: builds tracelet, starts the local OTLP/HTTP receiver with a fresh CA, runs the
# demo sensor node against it over TLS for a few seconds, and shows the trace trees the
# receiver decoded. With OTEL_EXPORTER_OTLP_ENDPOINT (or ..._TRACES_ENDPOINT) set, e.g.
#   OTEL_EXPORTER_OTLP_ENDPOINT=https://api.honeycomb.io OTEL_EXPORTER_OTLP_HEADERS=x-honeycomb-team=KEY
# the demo ships to that back end instead and no local receiver is started. With
# TRACELET_AWS_SIGV4=xray plus AWS_ACCESS_KEY_ID, AWS_SECRET_ACCESS_KEY (AWS_SESSION_TOKEN) and
# AWS_REGION, it ships straight to AWS X-Ray, SigV4-signed: to
# https://xray.$AWS_REGION.amazonaws.com/v1/traces unless an endpoint is set, and its log records
# to CloudWatch Logs (https://logs.$AWS_REGION.amazonaws.com/v1/logs, log group and stream from
# OTEL_EXPORTER_OTLP_LOGS_HEADERS, default tracelet-demo / the host name). With
# TRACELET_AWS_SIGV4=xray but no AWS_ACCESS_KEY_ID, the whole signed path runs offline: the
# local receiver plays X-Ray (--aws-sigv4) with AWS's documented example key, and its sampling
# API too (--xray-sampling-rules; the demo takes its rules and quotas from it, signed).
# The receiver stores the spans in SQLite (build/demo/spans.db); the demo ends with the URL of
# the receiver's trace page and a percentile table of the demo's span names from that file
# (the numbers the page and its /api/percentiles show). TRACELET_DEMO_KEEP=1 keeps the receiver
# (and so the page) running until Ctrl-C.
# Usage: tools/demo.sh [seconds]      (default 5)
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
cd "$root"
seconds=${1:-5}
build=build/demo

echo "== installing host packages"
bash tools/install-deps.sh
mkdir -p "$root/$build"
echo "== building (Release) into $build"
cmake -S . -B "$build" -DCMAKE_BUILD_TYPE=Release -DTRACELET_BUILD_TESTS=OFF >"$root/$build/configure.log" 2>&1 ||
  { cat "$root/$build/configure.log"; exit 1; }
cmake --build "$build" -j "${TRACELET_JOBS:-2}" --target sensor_node tracelet-receiver
demo="$build/boards/demo/sensor_node"
receiver="$build/tools/receiver/tracelet-receiver"
db="$root/$build/spans.db"

offline_aws=""
if [[ "${TRACELET_AWS_SIGV4:-}" == "xray" && -z "${AWS_ACCESS_KEY_ID:-}" ]]; then
  offline_aws=1
  export AWS_ACCESS_KEY_ID=AKIDEXAMPLE AWS_SECRET_ACCESS_KEY=wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY
  export AWS_REGION=${AWS_REGION:-us-east-1}
  unset AWS_SESSION_TOKEN
  export OTEL_EXPORTER_OTLP_LOGS_HEADERS=${OTEL_EXPORTER_OTLP_LOGS_HEADERS:-x-aws-log-group=tracelet-demo,x-aws-log-stream=$(hostname)}
elif [[ "${TRACELET_AWS_SIGV4:-}" == "xray" && -z "${OTEL_EXPORTER_OTLP_ENDPOINT:-}${OTEL_EXPORTER_OTLP_TRACES_ENDPOINT:-}" ]]; then
  region=${AWS_REGION:-${AWS_DEFAULT_REGION:-}}
  if [[ -z "$region" ]]; then
    echo "TRACELET_AWS_SIGV4=xray needs AWS_REGION (and AWS_ACCESS_KEY_ID, AWS_SECRET_ACCESS_KEY)" >&2
    exit 2
  fi
  export OTEL_EXPORTER_OTLP_TRACES_ENDPOINT="https://xray.$region.amazonaws.com/v1/traces"
  export OTEL_EXPORTER_OTLP_LOGS_ENDPOINT=${OTEL_EXPORTER_OTLP_LOGS_ENDPOINT:-https://logs.$region.amazonaws.com/v1/logs}
  export OTEL_EXPORTER_OTLP_LOGS_HEADERS=${OTEL_EXPORTER_OTLP_LOGS_HEADERS:-x-aws-log-group=tracelet-demo,x-aws-log-stream=$(hostname)}
fi
if [[ -n "${OTEL_EXPORTER_OTLP_ENDPOINT:-}${OTEL_EXPORTER_OTLP_TRACES_ENDPOINT:-}" ]]; then
  echo "== shipping to ${OTEL_EXPORTER_OTLP_TRACES_ENDPOINT:-$OTEL_EXPORTER_OTLP_ENDPOINT} for $seconds s"
  exec "$demo" --seconds "$seconds"
fi

work=$(mktemp -d)
receiver_pid=""
cleanup() {
  if [[ -n "$receiver_pid" ]]; then
    kill "$receiver_pid" 2>/dev/null || true
    wait "$receiver_pid" 2>/dev/null || true
  fi
  rm -rf "$work"
}
trap cleanup EXIT

echo "== making a fresh CA and server certificate"
"$receiver" --make-ca "$work/pki"
receiver_args=()
if [[ -n "$offline_aws" ]]; then
  echo "xray $AWS_REGION $AWS_ACCESS_KEY_ID $AWS_SECRET_ACCESS_KEY" >"$work/aws.key"
  # Two rules as X-Ray's console would hold them: 2 sensor cycles a second and 10 % of the rest
  # for this demo, 1 a second and 5 % (X-Ray's default rule) for everything else.
  cat >"$work/rules.json" <<'RULES'
{"SamplingRuleRecords":[
 {"SamplingRule":{"RuleName":"sensor-cycles","Priority":10,"FixedRate":0.1,"ReservoirSize":2,"ServiceName":"sensor-node",
  "ServiceType":"*","Host":"*","HTTPMethod":"*","URLPath":"*","ResourceARN":"*","Version":1,"Attributes":{}}},
 {"SamplingRule":{"RuleName":"Default","Priority":10000,"FixedRate":0.05,"ReservoirSize":1,"ServiceName":"*",
  "ServiceType":"*","Host":"*","HTTPMethod":"*","URLPath":"*","ResourceARN":"*","Version":1,"Attributes":{}}}]}
RULES
  receiver_args=(--aws-sigv4 "$work/aws.key" --xray-sampling-rules "$work/rules.json")
  echo "== offline X-Ray: the receiver checks SigV4 signatures (example key, region $AWS_REGION)"
fi
echo "== starting the local receiver (TLS, 127.0.0.1, a free port, spans stored in $build/spans.db)"
rm -f "$db" "$db-wal" "$db-shm"
"$receiver" --cert "$work/pki/server.crt" --key "$work/pki/server.key" --port 0 "${receiver_args[@]}" \
  --port-file "$work/port" --jsonl "$work/spans.jsonl" --db "$db" >"$work/trees.txt" 2>"$work/receiver.log" &
receiver_pid=$!
for _ in $(seq 1 100); do
  [[ -s "$work/port" ]] && break
  if ! kill -0 "$receiver_pid" 2>/dev/null; then cat "$work/receiver.log"; exit 1; fi
  sleep 0.1
done
[[ -s "$work/port" ]] || { echo "receiver did not start"; cat "$work/receiver.log"; exit 1; }
port=$(cat "$work/port")

if [[ -n "$offline_aws" && -z "${TRACELET_XRAY_SAMPLING_ENDPOINT:-}" ]]; then
  export TRACELET_XRAY_SAMPLING_ENDPOINT="https://127.0.0.1:$port"
fi
echo "== running the demo device for $seconds s against https://127.0.0.1:$port"
OTEL_EXPORTER_OTLP_ENDPOINT="https://127.0.0.1:$port" \
OTEL_EXPORTER_OTLP_CERTIFICATE="$work/pki/ca.crt" \
  "$demo" --seconds "$seconds"
demo_rc=$?

if [[ "${TRACELET_DEMO_KEEP:-0}" != 1 ]]; then
  kill -TERM "$receiver_pid"  # a clean stop commits whatever the store still has queued
  wait "$receiver_pid" || true
  receiver_pid=""
fi
echo
echo "== the receiver's log (last 20 lines)"
tail -n 20 "$work/receiver.log"
echo
echo "== trace trees as the receiver decoded them (last 40 lines)"
tail -n 40 "$work/trees.txt"
echo
echo "== $(wc -l <"$work/spans.jsonl") spans received; demo exit code $demo_rc"
received=$(wc -l <"$work/spans.jsonl")
# Answers do not wait for the disk: give the store's writer a moment to commit the last batch.
for _ in $(seq 1 50); do
  stored=$("$receiver" query stats --db "$db" | sed -n 's/.*"spans":\([0-9]*\).*/\1/p')
  [[ "$stored" == "$received" ]] && break
  sleep 0.1
done
echo
echo "== latency per span name (nearest-rank percentiles, from $build/spans.db: $stored of $received spans)"
"$receiver" query percentiles --db "$db" --table
echo
echo "== trace page: https://127.0.0.1:$port/  (certificate: a fresh demo CA; the same numbers as above)"
if [[ "${TRACELET_DEMO_KEEP:-0}" == 1 ]]; then
  echo "   The receiver keeps running with its CA in $work/pki (trust ca.crt, or accept the warning);"
  echo "   press Ctrl-C to stop it."
  wait "$receiver_pid" || true
  receiver_pid=""
else
  echo "   To browse it, run again with TRACELET_DEMO_KEEP=1 (keeps the receiver up), or serve the"
  echo "   stored spans later: $receiver --plain --db $build/spans.db --port 4318"
  echo "   then open http://127.0.0.1:4318/. Query from scripts: $receiver query slowest --db $build/spans.db"
fi
exit "$demo_rc"

#!/usr/bin/env bash
# The main job: builds tracelet, starts the local OTLP/HTTP receiver with a fresh CA, runs the
# demo sensor node against it over TLS for a few seconds, and shows the trace trees the
# receiver decoded. With OTEL_EXPORTER_OTLP_ENDPOINT (or ..._TRACES_ENDPOINT) set, e.g.
#   OTEL_EXPORTER_OTLP_ENDPOINT=https://api.honeycomb.io OTEL_EXPORTER_OTLP_HEADERS=x-honeycomb-team=KEY
# the demo ships to that back end instead and no local receiver is started. With
# TRACELET_AWS_SIGV4=xray plus AWS_ACCESS_KEY_ID, AWS_SECRET_ACCESS_KEY (AWS_SESSION_TOKEN) and
# AWS_REGION, it ships straight to AWS X-Ray, SigV4-signed: to
# https://xray.$AWS_REGION.amazonaws.com/v1/traces unless an endpoint is set. With
# TRACELET_AWS_SIGV4=xray but no AWS_ACCESS_KEY_ID, the whole signed path runs offline: the
# local receiver plays X-Ray (--aws-sigv4) with AWS's documented example key.
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

offline_aws=""
if [[ "${TRACELET_AWS_SIGV4:-}" == "xray" && -z "${AWS_ACCESS_KEY_ID:-}" ]]; then
  offline_aws=1
  export AWS_ACCESS_KEY_ID=AKIDEXAMPLE AWS_SECRET_ACCESS_KEY=wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY
  export AWS_REGION=${AWS_REGION:-us-east-1}
  unset AWS_SESSION_TOKEN
elif [[ "${TRACELET_AWS_SIGV4:-}" == "xray" && -z "${OTEL_EXPORTER_OTLP_ENDPOINT:-}${OTEL_EXPORTER_OTLP_TRACES_ENDPOINT:-}" ]]; then
  region=${AWS_REGION:-${AWS_DEFAULT_REGION:-}}
  if [[ -z "$region" ]]; then
    echo "TRACELET_AWS_SIGV4=xray needs AWS_REGION (and AWS_ACCESS_KEY_ID, AWS_SECRET_ACCESS_KEY)" >&2
    exit 2
  fi
  export OTEL_EXPORTER_OTLP_TRACES_ENDPOINT="https://xray.$region.amazonaws.com/v1/traces"
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
  receiver_args=(--aws-sigv4 "$work/aws.key")
  echo "== offline X-Ray: the receiver checks SigV4 signatures (example key, region $AWS_REGION)"
fi
echo "== starting the local receiver (TLS, 127.0.0.1, a free port)"
"$receiver" --cert "$work/pki/server.crt" --key "$work/pki/server.key" --port 0 "${receiver_args[@]}" \
  --port-file "$work/port" --jsonl "$work/spans.jsonl" >"$work/trees.txt" 2>"$work/receiver.log" &
receiver_pid=$!
for _ in $(seq 1 100); do
  [[ -s "$work/port" ]] && break
  if ! kill -0 "$receiver_pid" 2>/dev/null; then cat "$work/receiver.log"; exit 1; fi
  sleep 0.1
done
[[ -s "$work/port" ]] || { echo "receiver did not start"; cat "$work/receiver.log"; exit 1; }
port=$(cat "$work/port")

echo "== running the demo device for $seconds s against https://127.0.0.1:$port"
OTEL_EXPORTER_OTLP_ENDPOINT="https://127.0.0.1:$port" \
OTEL_EXPORTER_OTLP_CERTIFICATE="$work/pki/ca.crt" \
  "$demo" --seconds "$seconds"
demo_rc=$?

kill -TERM "$receiver_pid"
wait "$receiver_pid" || true
receiver_pid=""
echo
echo "== the receiver's log"
cat "$work/receiver.log"
echo
echo "== trace trees as the receiver decoded them (last 60 lines)"
tail -n 60 "$work/trees.txt"
echo
echo "== $(wc -l <"$work/spans.jsonl") spans received; demo exit code $demo_rc"
exit "$demo_rc"

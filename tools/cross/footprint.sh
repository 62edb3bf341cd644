#!/usr/bin/env bash
# Prints what tracelet costs on a Cortex-M4F (arm-none-eabi-gcc -Os, -ffunction-sections
# -fdata-sections, --gc-sections, newlib-nano), from images linked for MPS2-AN386:
#   - text/data/bss of: board support alone, + recording core, + nanopb OTLP encoder,
#     + Mbed TLS TLS-1.2 client (tracelet::TlsClient), + exporter, lwIP and LAN9118 driver
#   - RAM the core needs outside the ring, and per live span (stack)
#   - the TLS heap (fixed arena) after init and up to the ClientHello
#   - instructions per span start / end, counted by QEMU (-icount shift=0: 1 ns = 1 instruction)
#   - a real TLS export from the firmware (mps2_an386_tls_demo against tracelet-receiver on
#     127.0.0.1, QEMU user networking with restrict=on): Mbed TLS heap peak of the handshake,
#     instructions for the handshake and per exported span, boot to first acknowledged batch,
#     main-loop stack high-water mark. Needs the host tools of the cm4 tests (receiver and
#     guestfwd_connector in TRACELET_HOST_BUILD_DIR); skipped with a note without them.
# Usage: tools/cross/footprint.sh [BUILD_DIR]   (default <repo>/build-cross/cm4)
# Installs the Cortex-M toolchain and fetches sources if needed (see install-cortex-m.sh).
set -uo pipefail

root=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
dir=${1:-$root/build-cross/cm4}
sources_dir=$(dirname "$dir")/_sources

"$root/tools/cross/install-cortex-m.sh" --toolchain >/dev/null || exit 1
sources=$("$root/tools/cross/fetch-sources.sh" "$sources_dir" 2>/dev/null) || {
  echo "footprint: fetching sources failed; run tools/cross/fetch-sources.sh $sources_dir" >&2; exit 1; }
nanopb=$(sed -n 's/^NANOPB_SRC=//p' <<<"$sources")
mbedtls=$(sed -n 's/^MBEDTLS_SRC=//p' <<<"$sources")
lwip=$(sed -n 's/^LWIP_SRC=//p' <<<"$sources")
cmake -S "$root" -B "$dir" -C "$root/boards/mps2_an386/board.cmake" \
  -DTRACELET_NANOPB_SOURCE_DIR="$nanopb" -DTRACELET_MBEDTLS_SOURCE_DIR="$mbedtls" \
  -DTRACELET_LWIP_SOURCE_DIR="$lwip" >/dev/null || exit 1
cmake --build "$dir" -j 2 --target fp_level0 fp_level1 fp_level2 fp_level3 fp_level4 span_cycles \
  mps2_an386_tls_demo \
  >"$dir/footprint-build.log" 2>&1 || {
  echo "footprint: build failed, see $dir/footprint-build.log" >&2; exit 1; }

fp=$dir/boards/mps2_an386/footprint
qemu=(timeout 60 qemu-system-arm -machine mps2-an386 -cpu cortex-m4 -nographic -monitor none
      -serial none -semihosting-config enable=on,target=native -icount shift=0 -kernel)

declare -A text data bss
for level in 0 1 2 3 4; do
  read -r t d b _ < <(arm-none-eabi-size "$fp/fp_level$level.elf" | tail -n 1)
  text[$level]=$t data[$level]=$d bss[$level]=$b
done
# QEMU prints the semihosting console on stderr.
run3=$("${qemu[@]}" "$fp/fp_level3.elf" 2>&1) || { echo "footprint: fp_level3 failed in QEMU" >&2; exit 1; }
value() { sed -n "s/^footprint: $1 //p" <<<"$run3"; }
# Level 4 brings the LAN9118 up, so QEMU gets a NIC without a network behind it.
run4=$("${qemu[@]:0:${#qemu[@]}-1}" -nic none -kernel "$fp/fp_level4.elf" 2>&1) || {
  echo "footprint: fp_level4 failed in QEMU" >&2; exit 1; }
value4() { sed -n "s/^footprint: $1 //p" <<<"$run4"; }
ring=$(value ring_bytes)
arena=$(value tls_arena_bytes)

echo "tracelet footprint on Cortex-M4F (-Os, gc-sections, newlib-nano; $(arm-none-eabi-gcc -dumpversion))"
echo "config: boards/mps2_an386/tracelet_config.h, ring ${ring} B, Mbed TLS boards/mps2_an386/mbedtls_config.h"
echo
printf '%-34s %8s %6s %7s   %9s %8s\n' image text data bss "+text" "+RAM"
row() {  # row LABEL LEVEL PREV RAM_EXCLUDED PREV_RAM_EXCLUDED
  local l=$2 p=$3
  local ram=$(( data[$l] + bss[$l] - $4 ))
  local pram=$(( data[$p] + bss[$p] - ${5:-0} ))
  if [[ $l == "$p" ]]; then
    printf '%-34s %8d %6d %7d   %9s %8s\n' "$1" "${text[$l]}" "${data[$l]}" "${bss[$l]}" "-" "-"
  else
    printf '%-34s %8d %6d %7d   %9d %8d\n' "$1" "${text[$l]}" "${data[$l]}" "${bss[$l]}" \
      $(( text[$l] - text[$p] )) $(( ram - pram ))
  fi
}
row "board only (startup, semihosting)" 0 0 0
row "+ recording core (ring excluded)" 1 0 "$ring" 0
row "+ nanopb OTLP encoder" 2 1 "$ring" "$ring"
row "+ Mbed TLS client (arena excluded)" 3 2 $(( ring + arena )) "$ring"
row "+ exporter, lwIP, LAN9118 driver" 4 3 $(( ring + arena )) $(( ring + arena ))
echo "(+text/+RAM: what the layer adds to the row above; RAM = data + bss, the ${ring} B ring and"
echo " the ${arena} B TLS arena not counted)"
echo "shipping spans itself over TLS (TLS client + exporter + lwIP + driver, over the encoder row):" \
     "+$(( text[4] - text[2] )) B flash, +$(( data[4] + bss[4] - data[2] - bss[2] - arena )) B RAM" \
     "(lwIP pools and heap of boards/mps2_an386/lwipopts.h included), plus the TLS arena"
echo
echo "RAM outside the ring, recording core: $(( data[1] + bss[1] - data[0] - bss[0] - ring )) B static" \
     "(Tracer object $(value sizeof_tracer) B included), plus $(value sizeof_span_on_stack) B of stack per live Span"
echo "TLS heap (MBEDTLS_MEMORY_BUFFER_ALLOC_C arena): $(value tls_heap_after_init) B after TlsClient::init," \
     "peak $(value tls_heap_peak_to_client_hello) B up to the ClientHello ($(value tls_client_hello_bytes) B sent);" \
     "a full handshake: see the export run below"
echo "TlsClient object: $(value sizeof_tls_client) B; Exporter $(value4 sizeof_exporter) B;" \
     "NetConnector (TlsClient + TCP) $(value4 sizeof_net_connector) B"
echo
cycles=$("${qemu[@]}" "$fp/span_cycles.elf" 2>&1) || { echo "footprint: span_cycles failed in QEMU" >&2; exit 1; }
echo "span cost, instructions executed (QEMU -icount shift=0, mean of 2000 spans, counter overhead removed;"
echo "instructions, not cycles: a Cortex-M4 takes more cycles than instructions):"
sed -n 's/^cycles: /  /p' <<<"$cycles" | grep -v counter_read_overhead

# ---- a real TLS export from the firmware ---------------------------------------------------
# mps2_an386_tls_demo against tracelet-receiver on 127.0.0.1 (the host tools the cm4 tests
# build), through QEMU user networking with restrict=on: run once with -icount shift=0 for
# instruction counts, once without for emulated wall-clock time.
echo
host_build=$(sed -n 's/^TRACELET_HOST_BUILD_DIR:PATH=//p' "$dir/CMakeCache.txt")
receiver=$host_build/tools/receiver/tracelet-receiver
connector=$host_build/tests/guestfwd_connector
pki=$dir/boards/mps2_an386/pki
demo=$dir/boards/mps2_an386/mps2_an386_tls_demo.elf
if [[ ! -x "$receiver" || ! -x "$connector" || ! -f "$pki/server.crt" || ! -f "$demo" ]]; then
  echo "TLS export from the firmware: skipped (needs $receiver and $connector: run the cm4 ctest first)"
  exit 0
fi
work=$(mktemp -d)
receiver_pid=""
cleanup() {
  [[ -n "$receiver_pid" ]] && kill "$receiver_pid" 2>/dev/null && wait "$receiver_pid" 2>/dev/null
  rm -rf "$work"
}
trap cleanup EXIT
"$receiver" --cert "$pki/server.crt" --key "$pki/server.key" --port 0 --port-file "$work/port" \
  --jsonl "$work/spans.jsonl" --quiet >"$work/receiver.out" 2>"$work/receiver.err" &
receiver_pid=$!
for _ in $(seq 100); do [[ -s "$work/port" ]] && break; sleep 0.1; done
[[ -s "$work/port" ]] || { echo "footprint: tracelet-receiver did not start" >&2; exit 1; }
export_run() {  # export_run [QEMU OPTIONS...]: prints the firmware's semihosting output
  timeout 300 qemu-system-arm -machine mps2-an386 -cpu cortex-m4 -nographic -monitor none -serial none \
    -semihosting-config enable=on,target=native,arg=tls_demo,arg=record-ms=300 "$@" \
    -nic "user,model=lan9118,restrict=on,guestfwd=tcp:10.0.2.100:4318-cmd:$connector $work/port" \
    -kernel "$demo" 2>&1
}
counted=$(export_run -icount shift=0) || { echo "footprint: tls demo failed (-icount):" >&2; echo "$counted" >&2; exit 1; }
timed=$(export_run) || { echo "footprint: tls demo failed:" >&2; echo "$timed" >&2; exit 1; }
field() {  # field LINE_WORD KEY OUTPUT: KEY's number on the firmware line "tls-demo: LINE_WORD..."
  grep "^tls-demo: $1" <<<"$3" | head -n1 | grep -o " $2=[0-9]*" | cut -d= -f2
}
encode_floor=$(sed -n 's/^cycles: encode_per_span \([0-9.]*\).*/\1/p' <<<"$cycles")
echo "TLS export from the firmware (mps2_an386_tls_demo -> tracelet-receiver on 127.0.0.1, QEMU user"
echo "networking, TLS 1.2 ECDHE with a P-256 ECDSA certificate chain of one CA, CA compiled in):"
echo "  delivered $(field rounds exported "$counted") of $(field rounds recorded "$counted") spans" \
     "in $(field rounds succeeded "$counted") requests over $(field rounds connects "$counted") TLS connection(s)" \
     "(run without -icount: $(field rounds exported "$timed") of $(field rounds recorded "$timed"))"
echo "  Mbed TLS heap: peak $(field figures tls_heap_peak "$counted") B during init + the first full handshake," \
     "$(field figures tls_heap_after_handshake "$counted") B kept after it (arena $(field figures tls_arena "$counted") B)"
echo "  handshake (TCP connect + full TLS handshake): $(field figures handshake_busy_ns "$counted") instructions" \
     "executed by the firmware, $(field figures handshake_ns "$counted") elapsed including polling while the host answers"
echo "  per exported span on an open connection (encoding + HTTP + TLS record + TCP + the answer;" \
     "$(field figures export_spans_measured "$counted") spans in $(field figures export_requests_measured "$counted")" \
     "request(s), so per-request costs are shared by that many): $(field figures export_busy_ns_per_span "$counted")" \
     "instructions; floor, encoding alone (span-cost run above): ${encode_floor}"
echo "  boot to first acknowledged batch: $(field figures first_ack_ms "$timed") ms of emulated time" \
     "(QEMU without -icount), $(field figures first_ack_ms "$counted") M instructions (-icount)"
echo "  main-loop stack high-water mark: $(field figures stack_peak "$counted") B of" \
     "$(field figures stack_size "$counted") B (interrupts share the main stack; painted at boot)"

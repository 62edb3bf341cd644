#!/usr/bin/env bash
# Prints what tracelet costs on a Cortex-M4F (arm-none-eabi-gcc -Os, -ffunction-sections
# -fdata-sections, --gc-sections, newlib-nano), from images linked for MPS2-AN386:
#   - text/data/bss of: board support alone, + recording core, + nanopb OTLP encoder,
#     + Mbed TLS TLS-1.2 client (tracelet::TlsClient)
#   - RAM the core needs outside the ring, and per live span (stack)
#   - the TLS heap (fixed arena) after init and up to the ClientHello
#   - instructions per span start / end, counted by QEMU (-icount shift=0: 1 ns = 1 instruction)
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
cmake -S "$root" -B "$dir" -C "$root/boards/mps2_an386/board.cmake" \
  -DTRACELET_NANOPB_SOURCE_DIR="$nanopb" -DTRACELET_MBEDTLS_SOURCE_DIR="$mbedtls" >/dev/null || exit 1
cmake --build "$dir" -j 2 --target fp_level0 fp_level1 fp_level2 fp_level3 span_cycles \
  >"$dir/footprint-build.log" 2>&1 || {
  echo "footprint: build failed, see $dir/footprint-build.log" >&2; exit 1; }

fp=$dir/boards/mps2_an386/footprint
qemu=(timeout 60 qemu-system-arm -machine mps2-an386 -cpu cortex-m4 -nographic -monitor none
      -serial none -semihosting-config enable=on,target=native -icount shift=0 -kernel)

declare -A text data bss
for level in 0 1 2 3; do
  read -r t d b _ < <(arm-none-eabi-size "$fp/fp_level$level.elf" | tail -n 1)
  text[$level]=$t data[$level]=$d bss[$level]=$b
done
# QEMU prints the semihosting console on stderr.
run3=$("${qemu[@]}" "$fp/fp_level3.elf" 2>&1) || { echo "footprint: fp_level3 failed in QEMU" >&2; exit 1; }
value() { sed -n "s/^footprint: $1 //p" <<<"$run3"; }
ring=$(value ring_bytes)
arena=$(value tls_arena_bytes)

echo "tracelet footprint on Cortex-M4F (-Os, gc-sections, newlib-nano; $(arm-none-eabi-gcc -dumpversion))"
echo "config: boards/mps2_an386/tracelet_config.h, ring ${ring} B, Mbed TLS boards/mps2_an386/mbedtls_config.h"
echo
printf '%-34s %8s %6s %7s   %9s %8s\n' image text data bss "+text" "+RAM"
row() {  # row LABEL LEVEL PREV RAM_EXCLUDED
  local l=$2 p=$3
  local ram=$(( data[$l] + bss[$l] - $4 ))
  local pram=$(( data[$p] + bss[$p] ))
  if [[ $l == "$p" ]]; then
    printf '%-34s %8d %6d %7d   %9s %8s\n' "$1" "${text[$l]}" "${data[$l]}" "${bss[$l]}" "-" "-"
  else
    local excl_prev=0
    [[ $p -ge 1 ]] && excl_prev=$ring
    printf '%-34s %8d %6d %7d   %9d %8d\n' "$1" "${text[$l]}" "${data[$l]}" "${bss[$l]}" \
      $(( text[$l] - text[$p] )) $(( ram - (pram - excl_prev) ))
  fi
}
row "board only (startup, semihosting)" 0 0 0
row "+ recording core (ring excluded)" 1 0 "$ring"
row "+ nanopb OTLP encoder" 2 1 "$ring"
row "+ Mbed TLS client (arena excluded)" 3 2 $(( ring + arena ))
echo "(+text/+RAM: what the layer adds to the row above; RAM = data + bss, the ${ring} B ring and"
echo " the ${arena} B TLS arena not counted)"
echo
echo "RAM outside the ring, recording core: $(( data[1] + bss[1] - data[0] - bss[0] - ring )) B static" \
     "(Tracer object $(value sizeof_tracer) B included), plus $(value sizeof_span_on_stack) B of stack per live Span"
echo "TLS heap (MBEDTLS_MEMORY_BUFFER_ALLOC_C arena): $(value tls_heap_after_init) B after TlsClient::init," \
     "peak $(value tls_heap_peak_to_client_hello) B up to the ClientHello ($(value tls_client_hello_bytes) B sent);" \
     "a full handshake needs more (certificate chain, ECDHE) - size the arena with a real server"
echo "TlsClient object: $(value sizeof_tls_client) B"
echo
cycles=$("${qemu[@]}" "$fp/span_cycles.elf" 2>&1) || { echo "footprint: span_cycles failed in QEMU" >&2; exit 1; }
echo "span cost, instructions executed (QEMU -icount shift=0, mean of 2000 spans, counter overhead removed;"
echo "instructions, not cycles: a Cortex-M4 takes more cycles than instructions):"
sed -n 's/^cycles: /  /p' <<<"$cycles" | grep -v counter_read_overhead

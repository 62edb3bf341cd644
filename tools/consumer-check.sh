#!/usr/bin/env bash
# Proves tracelet works as a package for an outside project: builds tracelet once (no tests,
# tools or demo), installs it into a scratch prefix, makes the .deb with CPack, then builds and
# runs the application in tests/consumer four ways:
#   find_package    find_package(tracelet 0.1 CONFIG) against the installed prefix
#   add_subdirectory  the tracelet source tree inside the consumer's build (and checks that
#                   none of tracelet's tests, tools, demo or fake/template ports are built)
#   pkg-config      a plain compiler command line, and CMake's pkg_check_modules(IMPORTED_TARGET)
#   deb             the .deb unpacked with dpkg-deb -x into a scratch root: its metadata and
#                   file list, then find_package and pkg-config (PKG_CONFIG_SYSROOT_DIR) against it
# With TRACELET_CONSUMER_CROSS=<toolchain> (a file name under toolchains/, e.g.
# aarch64-linux-gnu; needs tools/cross/install-pi.sh) it adds a fifth way: tracelet built and
# installed with that toolchain, the consumer built against the prefix with the same toolchain
# and run under qemu-user.
# Prints one line per way and a closing "consumer-check: N passed, M failed"; exits non-zero
# if any way failed. Logs stay in the work folder.
# Usage: tools/consumer-check.sh [WORK_DIR]   (default build/consumer-check, emptied first;
#                                             TRACELET_JOBS=N)
set -uo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
work=${1:-$root/build/consumer-check}
jobs=${TRACELET_JOBS:-2}
consumer_src=$root/tests/consumer

rm -rf "$work"
mkdir -p "$work/logs" || exit 1
work=$(cd "$work" && pwd)
logs=$work/logs
build=$work/tracelet
prefix=$work/prefix
debroot=$work/debroot
passed=0
failed=0
results=()

# run LOG COMMAND...: runs quietly into $logs/LOG (appending); on failure shows its tail.
run() {
  local log=$logs/$1
  shift
  echo "+ $*" >>"$log"
  "$@" >>"$log" 2>&1 && return 0
  local rc=$?
  echo "  failed (exit $rc): $*" >&2
  tail -n 25 "$log" | sed 's/^/  | /' >&2
  return $rc
}

# check_output LOG PROGRAM: runs the consumer and checks what it printed.
check_output() {
  local log=$logs/$1 out
  out=$("$2" 2>&1)
  local rc=$?
  printf '%s\n' "$out" >>"$log"
  if [[ $rc -ne 0 ]] || ! grep -q 'name="consumer-span"' <<<"$out" ||
     ! grep -q '^consumer: tracelet [0-9.]*, 1 span(s)$' <<<"$out"; then
    echo "  $2 exited $rc and printed:" >&2
    printf '%s\n' "$out" | sed 's/^/  | /' >&2
    return 1
  fi
}

# record NAME DETAIL START RC: one result line per way.
record() {
  local line
  if [[ $4 -eq 0 ]]; then
    line=$(printf 'consumer %-16s ok      %3ds  %s' "$1" $((SECONDS - $3)) "$2")
    passed=$((passed + 1))
  else
    line=$(printf 'consumer %-16s FAILED  %3ds  %s (logs: %s)' "$1" $((SECONDS - $3)) "$2" "$logs")
    failed=$((failed + 1))
  fi
  results+=("$line")
  echo "$line"
}

# consumer_cmake LOG DIR [cmake args...]: configures and builds tests/consumer into DIR.
consumer_cmake() {
  local log=$1 dir=$2
  shift 2
  run "$log" cmake -S "$consumer_src" -B "$dir" -DCMAKE_BUILD_TYPE=Release "$@" &&
    run "$log" cmake --build "$dir" -j "$jobs"
}

# ---- tracelet: one build for the install and the .deb ----------------------------------------
# Configured for /usr (the .deb's prefix, and Debian's multiarch libdir); the scratch install
# overrides the prefix with --prefix.
start=$SECONDS
if run tracelet.log cmake -S "$root" -B "$build" -DCMAKE_BUILD_TYPE=Release -DCMAKE_INSTALL_PREFIX=/usr \
       -DTRACELET_BUILD_TESTS=OFF -DTRACELET_BUILD_TOOLS=OFF -DTRACELET_BUILD_EXAMPLES=OFF &&
   run tracelet.log cmake --build "$build" -j "$jobs" &&
   run tracelet.log cmake --install "$build" --prefix "$prefix" &&
   (cd "$build" && run tracelet.log cpack -G DEB -B "$work/deb"); then
  echo "tracelet built, installed into $prefix and packaged ($((SECONDS - start)) s)"
  tracelet_ok=1
else
  echo "tracelet: build, install or cpack FAILED (log: $logs/tracelet.log)"
  tracelet_ok=0
fi
pc_dir=$(dirname "$(find "$prefix" -name tracelet.pc -print -quit 2>/dev/null)" 2>/dev/null)

# ---- (a) find_package against the installed prefix ------------------------------------------
way_find_package() {
  consumer_cmake a.log "$work/a" -DCMAKE_PREFIX_PATH="$prefix" || return 1
  # The package found must be the scratch install, not one installed on this machine.
  grep -q "^tracelet_DIR:PATH=$prefix/" "$work/a/CMakeCache.txt" || {
    echo "  found $(grep '^tracelet_DIR' "$work/a/CMakeCache.txt"), not the one in $prefix" >&2
    return 1
  }
  check_output a.log "$work/a/consumer"
}

# ---- (b) add_subdirectory of the source tree -------------------------------------------------
way_add_subdirectory() {
  run b.log cmake -S "$consumer_src" -B "$work/b" -DCMAKE_BUILD_TYPE=Release \
      -DTRACELET_SOURCE_DIR="$root" || return 1
  # Only tracelet's modules and its chosen port: no tests, tools, demo, fake or template port.
  local extra
  extra=$(cmake --build "$work/b" --target help | sed -n 's/^\.\.\. //p' |
          grep -E '_test$|_bench$|_fuzz|tracelet-receiver|tracelet-bridge|sensor_node|tracelet_port_fake|tracelet_port_template|tracelet_test_modules')
  if [[ -n "$extra" ]]; then
    echo "  add_subdirectory builds tracelet targets it should not:" $extra >&2
    return 1
  fi
  run b.log cmake --build "$work/b" -j "$jobs" && check_output b.log "$work/b/consumer"
}

# ---- (c) pkg-config: plain command line, and CMake's pkg_check_modules ----------------------
way_pkg_config() {
  [[ -n "$pc_dir" ]] || { echo "  no tracelet.pc under $prefix" >&2; return 1; }
  local flags
  flags=$(PKG_CONFIG_PATH="$pc_dir" pkg-config --cflags --libs 'tracelet >= 0.1') || return 1
  mkdir -p "$work/c"
  # eval: pkg-config escapes shell characters in its output (see tracelet.pc's Cflags).
  run c.log eval "${CXX:-c++} -std=c++17 -O2 $consumer_src/main.cpp -o $work/c/consumer $flags" &&
    check_output c.log "$work/c/consumer" || return 1
  PKG_CONFIG_PATH="$pc_dir" consumer_cmake c.log "$work/c-cmake" -DCONSUMER_USE_PKG_CONFIG=ON &&
    check_output c.log "$work/c-cmake/consumer"
}

# ---- (d) the .deb, unpacked into a scratch root ----------------------------------------------
way_deb() {
  local deb
  deb=$(find "$work/deb" -maxdepth 1 -name 'libtracelet-dev_*.deb' -print -quit)
  [[ -n "$deb" ]] || { echo "  no libtracelet-dev_*.deb in $work/deb" >&2; return 1; }
  local arch outside
  arch=$(dpkg-deb -f "$deb" Architecture)
  if [[ "$(dpkg-deb -f "$deb" Package)" != libtracelet-dev || "$arch" != "$(dpkg --print-architecture)" ]]; then
    echo "  $deb: Package/Architecture are $(dpkg-deb -f "$deb" Package)/$arch" >&2
    return 1
  fi
  outside=$(dpkg-deb -c "$deb" | awk '{print $6}' | grep -v -E '^\./(usr/)?$|^\./usr/(include|lib)/')
  if [[ -n "$outside" ]]; then
    echo "  $deb has files outside /usr/include and /usr/lib:" $outside >&2
    return 1
  fi
  run d.log dpkg-deb -x "$deb" "$debroot" || return 1
  # CMake package: relocatable, found under the root's /usr.
  consumer_cmake d.log "$work/d" -DCMAKE_PREFIX_PATH="$debroot/usr" || return 1
  grep -q "^tracelet_DIR:PATH=$debroot/usr/" "$work/d/CMakeCache.txt" || {
    echo "  found $(grep '^tracelet_DIR' "$work/d/CMakeCache.txt"), not the one in $debroot" >&2
    return 1
  }
  check_output d.log "$work/d/consumer" || return 1
  # pkg-config: the .pc says prefix=/usr; the sysroot puts -I and -L inside the root.
  local pc flags
  pc=$(dpkg-deb -c "$deb" | awk '{print $6}' | grep '/tracelet\.pc$' | sed 's#^\.##')
  flags=$(PKG_CONFIG_SYSROOT_DIR="$debroot" PKG_CONFIG_LIBDIR="$debroot$(dirname "$pc")" \
          pkg-config --cflags --libs tracelet) || return 1
  [[ "$flags" == *"-L$debroot/usr/lib"* ]] || { echo "  pkg-config flags miss the root: $flags" >&2; return 1; }
  mkdir -p "$work/d-pc"
  run d.log eval "${CXX:-c++} -std=c++17 -O2 $consumer_src/main.cpp -o $work/d-pc/consumer $flags" &&
    check_output d.log "$work/d-pc/consumer"
}

# ---- (optional) a cross prefix: install and consume with the same toolchain file -------------
cross=${TRACELET_CONSUMER_CROSS:-}
way_cross() {
  local toolchain=$root/toolchains/$cross.cmake emulator
  [[ -f "$toolchain" ]] || { echo "  no toolchain file $toolchain" >&2; return 1; }
  case $cross in
    aarch64-*) emulator=qemu-aarch64 ;;
    arm-*) emulator=qemu-arm ;;
    *) echo "  no qemu-user emulator known for $cross" >&2; return 1 ;;
  esac
  run cross.log cmake -S "$root" -B "$work/cross-tracelet" -DCMAKE_TOOLCHAIN_FILE="$toolchain" \
      -DCMAKE_BUILD_TYPE=Release -DTRACELET_BUILD_TESTS=OFF -DTRACELET_BUILD_TOOLS=OFF \
      -DTRACELET_BUILD_EXAMPLES=OFF &&
    run cross.log cmake --build "$work/cross-tracelet" -j "$jobs" &&
    run cross.log cmake --install "$work/cross-tracelet" --prefix "$work/cross-prefix" &&
    consumer_cmake cross.log "$work/cross" -DCMAKE_TOOLCHAIN_FILE="$toolchain" \
      -DCMAKE_PREFIX_PATH="$work/cross-prefix" || return 1
  grep -q "^tracelet_DIR:PATH=$work/cross-prefix/" "$work/cross/CMakeCache.txt" || {
    echo "  found $(grep '^tracelet_DIR' "$work/cross/CMakeCache.txt"), not the cross prefix" >&2
    return 1
  }
  # binfmt does not work in these containers: run the program through qemu-user.
  printf '#!/bin/sh\nexec %s %s\n' "$emulator" "$work/cross/consumer" >"$work/cross/run.sh"
  chmod +x "$work/cross/run.sh"
  check_output cross.log "$work/cross/run.sh"
}

ways=(find_package add_subdirectory pkg_config deb)
[[ -n "$cross" ]] && ways+=(cross)
for way in "${ways[@]}"; do
  start=$SECONDS
  case $way in
    find_package) detail="find_package(tracelet 0.1 CONFIG), CMAKE_PREFIX_PATH=$prefix" ;;
    add_subdirectory) detail="add_subdirectory($root), tests/tools/demo not built" ;;
    pkg_config) detail="c++ \$(pkg-config --cflags --libs tracelet) and pkg_check_modules(IMPORTED_TARGET)" ;;
    deb) detail="libtracelet-dev .deb via dpkg-deb -x: find_package and pkg-config (PKG_CONFIG_SYSROOT_DIR)" ;;
    cross) detail="toolchains/$cross.cmake: install to a prefix, find_package with the same toolchain, run under qemu" ;;
  esac
  if [[ $tracelet_ok -eq 1 || $way == add_subdirectory || $way == cross ]]; then
    "way_$way"
    rc=$?
  else
    rc=1
  fi
  record "${way//_/-}" "$detail" "$start" "$rc"
done

echo "consumer-check: $passed passed, $failed failed"
[[ $failed -eq 0 ]]

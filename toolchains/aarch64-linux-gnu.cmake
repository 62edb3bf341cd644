# Raspberry Pi 3/4/5 with a 64-bit OS (Debian/Raspberry Pi OS arm64), built with Debian's cross
# compiler. Needs tools/cross/install-pi.sh (compiler, qemu-user, :arm64 dev packages).
#   cmake -S . -B build-aarch64 -DCMAKE_TOOLCHAIN_FILE=toolchains/aarch64-linux-gnu.cmake
set(CMAKE_SYSTEM_NAME Linux)
set(CMAKE_SYSTEM_PROCESSOR aarch64)

set(CMAKE_C_COMPILER aarch64-linux-gnu-gcc)
set(CMAKE_CXX_COMPILER aarch64-linux-gnu-g++)

# Debian multiarch: the target's headers live in /usr/include (shared) and
# /usr/include/aarch64-linux-gnu, its libraries in /usr/lib/aarch64-linux-gnu; the cross
# compiler searches both by itself. CMake's find_* must see the host prefix too (BOTH), or
# nanopb's CMake package under /usr/lib/aarch64-linux-gnu/cmake is not found.
set(CMAKE_LIBRARY_ARCHITECTURE aarch64-linux-gnu)
set(CMAKE_FIND_ROOT_PATH /usr/aarch64-linux-gnu)
set(CMAKE_FIND_ROOT_PATH_MODE_PROGRAM NEVER)  # generators (nanopb_generator.py) run on the host
set(CMAKE_FIND_ROOT_PATH_MODE_LIBRARY BOTH)
set(CMAKE_FIND_ROOT_PATH_MODE_INCLUDE BOTH)
set(CMAKE_FIND_ROOT_PATH_MODE_PACKAGE BOTH)

# binfmt_misc is not available in containers: CTest and gtest discovery run target programs
# through qemu-user. No -L prefix on purpose: with `-L /usr/aarch64-linux-gnu` the cross
# loader (libc6-arm64-cross) goes on to load the multiarch libc.so.6 (libc6:arm64, a different
# Debian revision) from /lib/aarch64-linux-gnu, and the mismatched pair hangs in the first
# pthread_create. Without -L the program runs on the multiarch runtime alone (ld.so, libc,
# libstdc++ of libc6:arm64 and friends), the same layout a Raspberry Pi has.
set(CMAKE_CROSSCOMPILING_EMULATOR qemu-aarch64)

# Raspberry Pi 2/3/4/5 with a 32-bit OS (Debian armhf = ARMv7-A + VFPv3-D16, hard float),
# built with Debian's cross compiler. Pi Zero/1 are ARMv6 and cannot run Debian armhf code.
# Needs tools/cross/install-pi.sh (compiler, qemu-user, :armhf dev packages).
#   cmake -S . -B build-armhf -DCMAKE_TOOLCHAIN_FILE=toolchains/arm-linux-gnueabihf.cmake
set(CMAKE_SYSTEM_NAME Linux)
set(CMAKE_SYSTEM_PROCESSOR armv7l)

set(CMAKE_C_COMPILER arm-linux-gnueabihf-gcc)
set(CMAKE_CXX_COMPILER arm-linux-gnueabihf-g++)

# See aarch64-linux-gnu.cmake for why the find modes are BOTH.
set(CMAKE_LIBRARY_ARCHITECTURE arm-linux-gnueabihf)
set(CMAKE_FIND_ROOT_PATH /usr/arm-linux-gnueabihf)
set(CMAKE_FIND_ROOT_PATH_MODE_PROGRAM NEVER)  # generators (nanopb_generator.py) run on the host
set(CMAKE_FIND_ROOT_PATH_MODE_LIBRARY BOTH)
set(CMAKE_FIND_ROOT_PATH_MODE_INCLUDE BOTH)
set(CMAKE_FIND_ROOT_PATH_MODE_PACKAGE BOTH)

# Runs on the multiarch armhf runtime (libc6:armhf), not the cross libc: see the note in
# aarch64-linux-gnu.cmake (with -L /usr/arm-linux-gnueabihf the first thread crashes).
set(CMAKE_CROSSCOMPILING_EMULATOR qemu-arm)

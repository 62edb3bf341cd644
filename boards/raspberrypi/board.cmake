# Initial cache for building tracelet for a Raspberry Pi. Use with -C together with one of the
# Pi toolchains (64-bit OS: aarch64; 32-bit Raspberry Pi OS/Debian armhf: arm-linux-gnueabihf):
#   cmake -S . -B build-pi64 -C boards/raspberrypi/board.cmake \
#         -DCMAKE_TOOLCHAIN_FILE=toolchains/aarch64-linux-gnu.cmake
# On a Pi itself, leave the toolchain out: the same cache file configures a native build.
set(TRACELET_PORT posix CACHE STRING "")
set(TRACELET_CONFIG_FILE ${CMAKE_CURRENT_LIST_DIR}/tracelet_config.h CACHE FILEPATH "")
set(CMAKE_BUILD_TYPE RelWithDebInfo CACHE STRING "")

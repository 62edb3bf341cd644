# Bare-metal Cortex-M4F (hard-float FPv4-SP), built with Debian's gcc-arm-none-eabi and newlib.
# Needs `tools/cross/install-cortex-m.sh --toolchain`. A board folder (boards/<board>/) picks the
# port, config header, startup code and linker script; this file describes only the toolchain.
#   cmake -S . -B build-cm4 -DCMAKE_TOOLCHAIN_FILE=toolchains/arm-none-eabi.cmake \
#         -DTRACELET_BOARD=mps2_an386 -DTRACELET_NANOPB_SOURCE_DIR=<nanopb source>
set(CMAKE_SYSTEM_NAME Generic)
set(CMAKE_SYSTEM_PROCESSOR arm)

set(CMAKE_C_COMPILER arm-none-eabi-gcc)
set(CMAKE_CXX_COMPILER arm-none-eabi-g++)
set(CMAKE_ASM_COMPILER arm-none-eabi-gcc)
set(CMAKE_OBJCOPY arm-none-eabi-objcopy CACHE FILEPATH "")
set(CMAKE_SIZE arm-none-eabi-size CACHE FILEPATH "")
# CMake's compiler check links a program; without a board's startup code and linker script
# only a static library can be built.
set(CMAKE_TRY_COMPILE_TARGET_TYPE STATIC_LIBRARY)

set(TRACELET_CPU_FLAGS "-mcpu=cortex-m4 -mthumb -mfpu=fpv4-sp-d16 -mfloat-abi=hard")
# Debian's arm-none-eabi-gcc finds its own freestanding <stdint.h>, which never includes
# newlib's; newlib's <inttypes.h> then leaves PRId64 & co. undefined (it tests
# __int64_t_defined). Pre-including newlib's <sys/_stdint.h> defines the same types (identical
# typedefs) plus those markers, so the format macros exist as on any hosted toolchain.
set(_newlib_stdint "-include sys/_stdint.h")
set(CMAKE_C_FLAGS_INIT "${TRACELET_CPU_FLAGS} ${_newlib_stdint} -ffunction-sections -fdata-sections")
set(CMAKE_CXX_FLAGS_INIT "${TRACELET_CPU_FLAGS} ${_newlib_stdint} -ffunction-sections -fdata-sections")
set(CMAKE_ASM_FLAGS_INIT "${TRACELET_CPU_FLAGS}")
set(CMAKE_EXE_LINKER_FLAGS_INIT "${TRACELET_CPU_FLAGS} -Wl,--gc-sections")

# No sysroot to search on bare metal except the toolchain's own (newlib); host programs such as
# nanopb_generator.py are still found on the host.
set(CMAKE_FIND_ROOT_PATH /usr/lib/arm-none-eabi)
set(CMAKE_FIND_ROOT_PATH_MODE_PROGRAM NEVER)
set(CMAKE_FIND_ROOT_PATH_MODE_LIBRARY ONLY)
set(CMAKE_FIND_ROOT_PATH_MODE_INCLUDE ONLY)
set(CMAKE_FIND_ROOT_PATH_MODE_PACKAGE ONLY)

# Firmware test images run on QEMU's MPS2-AN386 (Cortex-M4) with semihosting: their output and
# exit code reach CTest. `timeout` ends an image that hangs (a fault loop) with exit 124.
# -icount shift=0: virtual time advances 1 ns per executed instruction, and timers fire exactly
# on time. Without it QEMU's SysTick model sits at 1 until the host's I/O thread gets round to
# reloading it, so a busy guest loses whole SysTick periods (measured: 6 of 9 in one window) —
# an emulator artefact that real silicon does not have. It also makes runs repeatable.
set(CMAKE_CROSSCOMPILING_EMULATOR
    timeout;60;qemu-system-arm;-machine;mps2-an386;-cpu;cortex-m4;-nographic;-monitor;none;
    -serial;none;-semihosting-config;enable=on,target=native;-icount;shift=0;-kernel)

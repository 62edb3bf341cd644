# Initial cache for building tracelet for MPS2-AN386 (QEMU Cortex-M4). Use with -C, so the
# choices exist before the top-level CMakeLists.txt picks the port and config header:
#   tools/cross/fetch-sources.sh build-cm4/_sources      # nanopb (and Mbed TLS) C sources
#   cmake -S . -B build-cm4 -C boards/mps2_an386/board.cmake \
#         -DTRACELET_NANOPB_SOURCE_DIR=$PWD/build-cm4/_sources/nanopb-0.4.7 \
#         [-DTRACELET_MBEDTLS_SOURCE_DIR=$PWD/build-cm4/_sources/mbedtls-2.28.3]
#         [-DTRACELET_LWIP_SOURCE_DIR=$PWD/build-cm4/_sources/lwip-2.1.3+dfsg1]
set(_board_dir ${CMAKE_CURRENT_LIST_DIR})
get_filename_component(_root ${_board_dir}/../.. ABSOLUTE)
set(CMAKE_TOOLCHAIN_FILE ${_root}/toolchains/arm-none-eabi.cmake CACHE FILEPATH "")
set(TRACELET_BOARD mps2_an386 CACHE STRING "")
set(TRACELET_PORT cortex_m CACHE STRING "")
set(TRACELET_CONFIG_FILE ${_board_dir}/tracelet_config.h CACHE FILEPATH "")
set(TRACELET_BUILD_TOOLS OFF CACHE BOOL "")  # host tools do not run on the board
set(CMAKE_BUILD_TYPE MinSizeRel CACHE STRING "")
# Used only when TRACELET_MBEDTLS_SOURCE_DIR is given (TLS builds, see port/cortex_m).
set(TRACELET_MBEDTLS_CONFIG_FILE ${_board_dir}/mbedtls_config.h CACHE FILEPATH "")
# Used only when TRACELET_LWIP_SOURCE_DIR is given (networked images, see port/lwip).
set(TRACELET_LWIP_OPTS_DIR ${_board_dir} CACHE PATH "")

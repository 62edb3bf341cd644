# Cortex-M. On a bare-metal (arm-none-eabi) build: the on-target firmware tests in this folder
# (group cross), run under qemu-system-arm through CMAKE_CROSSCOMPILING_EMULATOR. On hosts
# (native or Raspberry Pi under qemu-user): host tests of the Cortex-M port's portable parts.
if(CMAKE_SYSTEM_NAME STREQUAL "Generic")
  if(TARGET tracelet_board_mps2_an386)
    add_subdirectory(${CMAKE_CURRENT_LIST_DIR} ${CMAKE_CURRENT_BINARY_DIR}/cortex_m)
  endif()
  return()
endif()

tracelet_add_test(tick_clock_test SOURCES ${CMAKE_CURRENT_LIST_DIR}/tick_clock_test.cpp LIBS LABELS cortex_m)
target_include_directories(tick_clock_test PRIVATE ${PROJECT_SOURCE_DIR}/port/cortex_m)

# Cortex-M4 end to end over a UART, registered in the cm4 (bare-metal) build:
#   mps2_an386_serial_demo.elf in qemu-system-arm -> UART0 into a file -> tracelet-bridge
#   (following the file) -> OTLP/HTTP over TLS -> tracelet-receiver --jsonl, checked by the host
#   program tests/tools/serial_cm4_e2e_test.cpp.
# The bridge, the receiver and the checker are host programs; this cross build cannot compile
# them, so a fixture test configures (once) and builds them in a host build tree:
# TRACELET_HOST_BUILD_DIR (tools/cross/run-all.sh passes <build root>/host-tools). An existing
# host build of tracelet can be named there too; only the three targets are built in it.
set(TRACELET_HOST_BUILD_DIR "${PROJECT_BINARY_DIR}/host-tools" CACHE PATH
    "Host build tree for tracelet-bridge, tracelet-receiver and serial_cm4_e2e_test (configured and built by the cm_serial_host_tools test)")
find_program(TRACELET_QEMU_SYSTEM_ARM qemu-system-arm)
if(NOT TRACELET_QEMU_SYSTEM_ARM)
  set(TRACELET_QEMU_SYSTEM_ARM qemu-system-arm)  # the test then fails, naming the program
endif()

add_test(NAME cm_serial_host_tools
         COMMAND ${CMAKE_COMMAND} -DSOURCE_DIR=${PROJECT_SOURCE_DIR}
                 -DBUILD_DIR=${TRACELET_HOST_BUILD_DIR}
                 -P ${CMAKE_CURRENT_LIST_DIR}/build_host_tools.cmake)
set_tests_properties(cm_serial_host_tools PROPERTIES
  FIXTURES_SETUP cm_serial_host LABELS "cross;cortex_m;serial" TIMEOUT 1200)

add_test(NAME cm_serial_bridge_e2e COMMAND ${TRACELET_HOST_BUILD_DIR}/tests/serial_cm4_e2e_test)
set_tests_properties(cm_serial_bridge_e2e PROPERTIES
  FIXTURES_REQUIRED cm_serial_host LABELS "cross;cortex_m;serial;firmware" TIMEOUT 300
  ENVIRONMENT "TRACELET_SERIAL_FIRMWARE=$<TARGET_FILE:mps2_an386_serial_demo>;TRACELET_QEMU=${TRACELET_QEMU_SYSTEM_ARM}")

# Serial export (devices without IP): the frame format and decoder, the device-side exporter,
# and tools/bridge, which forwards frames to an OTLP/HTTP collector.
# The exporter test decodes payloads with the receiver's full OTLP decoder (no Mbed TLS needed).
tracelet_add_test(serial_frame_test SOURCES serial_frame_test.cpp LIBS tracelet_test_modules tracelet_port_fake
                  LABELS serial)
tracelet_add_test(serial_exporter_test
  SOURCES serial_exporter_test.cpp ${PROJECT_SOURCE_DIR}/tools/receiver/otlp_decode.cpp
  LIBS tracelet_test_modules tracelet_port_fake
  LABELS serial)
target_include_directories(serial_exporter_test PRIVATE ${PROJECT_SOURCE_DIR}/tools/receiver)

# The bridge program end to end (real receiver over TLS on 127.0.0.1), plus its sequence
# bookkeeping. Needs tests/net.cmake's support library, which sorts before this file.
if(TARGET tracelet_bridge_lib AND TARGET tracelet_net_test_support)
  tracelet_add_net_test(serial_bridge_test
    SOURCES serial_bridge_test.cpp
    LIBS tracelet_bridge_lib tracelet_net_test_support
    LABELS net)
  # In cross builds the bridge runs through the same emulator as the tests. '|' separates words.
  set(_bridge_command ${CMAKE_CROSSCOMPILING_EMULATOR} "$<TARGET_FILE:tracelet-bridge>")
  list(JOIN _bridge_command "|" _bridge_command)
  target_compile_definitions(serial_bridge_test PRIVATE TRACELET_BRIDGE_COMMAND="${_bridge_command}")
  add_dependencies(serial_bridge_test tracelet-bridge)
endif()

# The Cortex-M4 end-to-end check (firmware in qemu-system-arm -> UART file -> bridge ->
# receiver). It is a host program, but it needs the firmware image of a cm4 build, so it is
# registered by that build (tests/cortex_m/serial_e2e.cmake), which builds this target in a
# host tree and runs it with TRACELET_SERIAL_FIRMWARE set. Here it is only built.
if(TARGET tracelet_bridge_lib AND TARGET tracelet_net_test_support AND NOT CMAKE_CROSSCOMPILING)
  add_executable(serial_cm4_e2e_test serial_cm4_e2e_test.cpp)
  target_link_libraries(serial_cm4_e2e_test PRIVATE tracelet_net_test_support GTest::gtest
                        GTest::gtest_main Threads::Threads)
  target_include_directories(serial_cm4_e2e_test PRIVATE ${PROJECT_SOURCE_DIR}/tests)
  target_compile_options(serial_cm4_e2e_test PRIVATE ${TRACELET_STRICT_FLAGS})
  target_compile_definitions(serial_cm4_e2e_test PRIVATE
    TRACELET_BRIDGE_COMMAND="$<TARGET_FILE:tracelet-bridge>")
  add_dependencies(serial_cm4_e2e_test tracelet-bridge tracelet-receiver)
endif()

# The frame decoder parses untrusted bytes from a link: a fuzz target like every other parser
# (tracelet_add_fuzz_target comes from tests/fuzz.cmake, which sorts before this file).
if(COMMAND tracelet_add_fuzz_target)
  tracelet_add_fuzz_target(serial_frame_fuzz
    SOURCES ${PROJECT_SOURCE_DIR}/src/export/serial_frame.cpp
    LIBS tracelet_test_modules tracelet_port_fake)
endif()

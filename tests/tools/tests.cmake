# Host tools: tools/receiver (black-box over TLS and plain HTTP, fault injection) and
# tools/bridge (serial frames -> OTLP/HTTP), each run as a process against a real receiver.
set(_dir ${CMAKE_CURRENT_LIST_DIR})
if(NOT TARGET tracelet_net_test_support)
  return()  # no receiver: tests/support/support.cmake reports e2e as left out
endif()

# The receiver's head scan and parser on their own.
tracelet_add_test(receiver_parsers_test SOURCES ${_dir}/receiver_parsers_test.cpp
                  LIBS tracelet_receiver_parsers LABELS receiver)

foreach(receiver_test receiver_http_test receiver_faults_test)
  tracelet_add_net_test(${receiver_test} SOURCES ${_dir}/${receiver_test}.cpp
                        LIBS tracelet_net_test_support GROUP e2e LABELS net)
  # They build gzip bodies with zlib when the receiver has it.
  target_link_libraries(${receiver_test} PRIVATE tracelet_receiver_test_zlib)
endforeach()

# The receiver under attack (slow heads and bodies, too many connections, oversized heads,
# bodies that decode to huge span trees, no memory for threads): bounded in count and time,
# loopback only. Host builds: it reads the receiver's peak memory from /proc, runs it under
# prlimit.
if(NOT CMAKE_CROSSCOMPILING)
  tracelet_add_net_test(receiver_limits_test SOURCES ${_dir}/receiver_limits_test.cpp
                        LIBS tracelet_net_test_support GROUP e2e LABELS net)
  # Peak RSS and an address-space limit: what a sanitizer's shadow memory would distort.
  if(NOT TRACELET_SANITIZED)
    tracelet_add_net_test(receiver_memory_test SOURCES ${_dir}/receiver_memory_test.cpp
                          LIBS tracelet_net_test_support GROUP e2e LABELS net)
  endif()
endif()

# The bridge program end to end (real receiver over TLS on 127.0.0.1), plus its sequence
# bookkeeping.
if(TARGET tracelet_bridge_lib)
  tracelet_add_net_test(serial_bridge_test
    SOURCES ${_dir}/serial_bridge_test.cpp
    LIBS tracelet_bridge_lib tracelet_net_test_support
    GROUP e2e LABELS net serial)
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
if(TARGET tracelet_bridge_lib AND NOT CMAKE_CROSSCOMPILING)
  add_executable(serial_cm4_e2e_test ${_dir}/serial_cm4_e2e_test.cpp)
  target_link_libraries(serial_cm4_e2e_test PRIVATE tracelet_net_test_support GTest::gtest
                        GTest::gtest_main Threads::Threads)
  target_include_directories(serial_cm4_e2e_test PRIVATE ${PROJECT_SOURCE_DIR}/tests)
  target_compile_options(serial_cm4_e2e_test PRIVATE ${TRACELET_STRICT_FLAGS})
  target_compile_definitions(serial_cm4_e2e_test PRIVATE
    TRACELET_BRIDGE_COMMAND="$<TARGET_FILE:tracelet-bridge>")
  add_dependencies(serial_cm4_e2e_test tracelet-bridge tracelet-receiver)
endif()

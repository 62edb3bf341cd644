# Networking tests: the TCP port layer, the TLS client and the local receiver tool.
# Real sockets on 127.0.0.1 only; every receiver a test starts, it stops (by PID) and reaps.

# These tests use threads (in-test servers, the receiver's connection threads). qemu-user 7.2
# as installed here hangs (aarch64) or crashes (armhf) when a dynamically linked program
# starts its first thread, while static programs run fine; so cross builds link the net test
# programs (and the receiver, tools/receiver) statically.
function(tracelet_add_net_test name)
  tracelet_add_test(${name} ${ARGN})
  if(CMAKE_CROSSCOMPILING)
    target_link_options(${name} PRIVATE -static)
  endif()
endfunction()

if(TARGET tracelet_port_posix)
  tracelet_add_net_test(tcp_transport_test
    SOURCES tcp_transport_test.cpp
    LIBS tracelet_port_posix
    LABELS net)
endif()

if(TARGET tracelet_port_posix AND TARGET tracelet_net AND TARGET tracelet-receiver)
  # Helpers shared by the TLS and receiver tests: process launcher, receiver wrapper, a tiny
  # HTTP/1.1 client, a nanopb request builder and a strict JSON reader.
  add_library(tracelet_net_test_support STATIC
    support/process.cpp
    support/receiver_process.cpp
    support/http_exchange.cpp
    support/otlp_builder.cpp
    support/json_lite.cpp)
  target_include_directories(tracelet_net_test_support PUBLIC ${PROJECT_SOURCE_DIR}/tests)
  target_link_libraries(tracelet_net_test_support PUBLIC tracelet_net tracelet_port_posix tracelet_otlp_proto)
  # The receiver is a target binary too: in cross builds it runs through the same emulator
  # as the tests (qemu-user cannot exec foreign binaries by itself). '|' separates words.
  set(_receiver_command ${CMAKE_CROSSCOMPILING_EMULATOR} "$<TARGET_FILE:tracelet-receiver>")
  list(JOIN _receiver_command "|" _receiver_command)
  target_compile_definitions(tracelet_net_test_support PRIVATE
    TRACELET_RECEIVER_COMMAND="${_receiver_command}")
  target_compile_options(tracelet_net_test_support PRIVATE ${TRACELET_STRICT_FLAGS})
  add_dependencies(tracelet_net_test_support tracelet-receiver)

  set(_net_tests tls_client_test receiver_http_test receiver_faults_test)
  if(NOT CMAKE_CROSSCOMPILING AND NOT TRACELET_SANITIZED)
    # Replaces malloc to count heap use: needs a dynamically linked libc (host builds).
    list(APPEND _net_tests tls_heap_test)
  endif()
  foreach(net_test IN LISTS _net_tests)
    tracelet_add_net_test(${net_test}
      SOURCES ${net_test}.cpp
      LIBS tracelet_net_test_support
      LABELS net)
  endforeach()
  # The receiver tests build gzip bodies with zlib when the receiver has it.
  foreach(net_test receiver_http_test receiver_faults_test)
    if(TARGET ${net_test})
      target_link_libraries(${net_test} PRIVATE tracelet_receiver_test_zlib)
    endif()
  endforeach()
endif()

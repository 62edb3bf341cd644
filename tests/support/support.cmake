# Helpers shared by the tests that run tracelet-receiver (net, tools, export, cross_process,
# bench): process launcher, receiver wrapper, a tiny HTTP/1.1 client, a nanopb request builder
# and a strict JSON reader. Header-only helpers (log_capture.h, json_text.h, request_bodies.h,
# core_test_support.h) need no target.
if(TARGET tracelet_port_posix AND TARGET tracelet_net AND TARGET tracelet-receiver)
  add_library(tracelet_net_test_support STATIC
    ${CMAKE_CURRENT_LIST_DIR}/process.cpp
    ${CMAKE_CURRENT_LIST_DIR}/receiver_process.cpp
    ${CMAKE_CURRENT_LIST_DIR}/http_exchange.cpp
    ${CMAKE_CURRENT_LIST_DIR}/otlp_builder.cpp
    ${CMAKE_CURRENT_LIST_DIR}/json_lite.cpp)
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
else()
  list(APPEND TRACELET_TESTS_LEFT_OUT
       "e2e against tracelet-receiver (needs Mbed TLS, the posix port and TRACELET_BUILD_TOOLS=ON)")
endif()

# The demo device honours OTEL_TRACES_EXPORTER (none, console, otlp,console), end to end: the
# driver runs sensor_node with each value, the otlp one against a plain-HTTP tracelet-receiver
# on 127.0.0.1 that it starts and stops by PID. Deferred: tests/net.cmake, which sorts after
# this file, defines the process helpers (tracelet_net_test_support).
function(tracelet_register_demo_exporters_test)
  if(CMAKE_CROSSCOMPILING OR NOT (TARGET sensor_node AND TARGET tracelet-receiver AND
                                  TARGET tracelet_net_test_support))
    return()
  endif()
  add_executable(demo_traces_exporter_test ${CMAKE_CURRENT_FUNCTION_LIST_DIR}/demo_traces_exporter_test.cpp)
  target_link_libraries(demo_traces_exporter_test PRIVATE tracelet_net_test_support GTest::gtest
                                                          GTest::gtest_main Threads::Threads)
  target_include_directories(demo_traces_exporter_test PRIVATE ${PROJECT_SOURCE_DIR}/tests)
  target_compile_options(demo_traces_exporter_test PRIVATE ${TRACELET_STRICT_FLAGS})
  target_compile_definitions(demo_traces_exporter_test PRIVATE
    TRACELET_DEMO_SENSOR_NODE="$<TARGET_FILE:sensor_node>")
  add_dependencies(demo_traces_exporter_test sensor_node tracelet-receiver)
  gtest_discover_tests(demo_traces_exporter_test DISCOVERY_MODE PRE_TEST
                       PROPERTIES LABELS "demo;net" TIMEOUT 120)
endfunction()
cmake_language(DEFER CALL tracelet_register_demo_exporters_test)

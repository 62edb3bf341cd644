# Cross-process distributed tracing (group conformance, finer label interprocess): the demo
# device (boards/demo sensor_node --call URL) POSTs each reading to a small HTTP service
# instrumented with the OFFICIAL OpenTelemetry Node SDK (tests/cross_process/service.js); both
# export over TLS to a tracelet-receiver the test starts with a fresh CA. The driver
# (cross_process_test.cpp) starts and stops every process by PID, talks only to 127.0.0.1, and
# checks in the receiver's JSONL that the service's SERVER span is the child of the device's
# CLIENT span in the same trace and that the service's `traceresponse` answer header names that
# SERVER span on the CLIENT span.
# The npm packages (exact versions in tests/cross_process/package-lock.json) are installed into
# the build tree by a fixture test, never into the source tree.
# (The finer label is not "cross_process": `ctest -L` takes a regular expression, and "cross"
# is the group of the Cortex-M firmware tests.)
set(_xproc_src ${CMAKE_CURRENT_LIST_DIR})
if(NOT TARGET sensor_node)
  return()
endif()

# The demo's HTTP client alone, against scripted servers the test runs on 127.0.0.1.
tracelet_add_test(http_call_test
  SOURCES ${_xproc_src}/http_call_test.cpp ${PROJECT_SOURCE_DIR}/boards/demo/http_call.cpp
  LIBS tracelet::tracelet
  LABELS interprocess)
target_include_directories(http_call_test PRIVATE ${PROJECT_SOURCE_DIR}/boards/demo)

if(NOT TRACELET_HAVE_NODE)
  return()  # tests/CMakeLists.txt reports the conformance group as left out
endif()
if(NOT (TARGET tracelet-receiver AND TARGET tracelet_net_test_support))
  list(APPEND TRACELET_TESTS_LEFT_OUT "conformance: cross-process (needs tracelet-receiver: Mbed TLS, \
the posix port and TRACELET_BUILD_TOOLS=ON)")
  return()
endif()

set(_xproc_node_dir ${CMAKE_BINARY_DIR}/cross_process_node)
# Copied at configure time; editing either file re-runs configure and the next npm ci.
configure_file(${_xproc_src}/package.json ${_xproc_node_dir}/package.json COPYONLY)
configure_file(${_xproc_src}/package-lock.json ${_xproc_node_dir}/package-lock.json COPYONLY)

# Fixture: exact versions from the lock file. --ignore-scripts: no package needs an install
# script; --prefer-offline: reuse the npm cache when it has the tarballs.
add_test(NAME cross_process_npm_ci
         COMMAND ${TRACELET_NPM} ci --ignore-scripts --no-audit --no-fund --prefer-offline
         WORKING_DIRECTORY ${_xproc_node_dir})
set_tests_properties(cross_process_npm_ci PROPERTIES FIXTURES_SETUP cross_process_node TIMEOUT 600
                                                     LABELS "conformance;interprocess")

# The device runs through the cross-build emulator when there is one ('|' separates words).
set(_xproc_device ${CMAKE_CROSSCOMPILING_EMULATOR} "$<TARGET_FILE:sensor_node>")
list(JOIN _xproc_device "|" _xproc_device)

add_executable(cross_process_test ${_xproc_src}/cross_process_test.cpp)
target_link_libraries(cross_process_test PRIVATE tracelet_net_test_support GTest::gtest GTest::gtest_main
                                                 Threads::Threads)
target_include_directories(cross_process_test PRIVATE ${PROJECT_SOURCE_DIR}/tests)
target_compile_options(cross_process_test PRIVATE ${TRACELET_STRICT_FLAGS})
target_compile_definitions(cross_process_test PRIVATE
  TRACELET_XPROC_NODE="${TRACELET_NODE}"
  TRACELET_XPROC_SERVICE_JS="${_xproc_src}/service.js"
  TRACELET_XPROC_NODE_MODULES="${_xproc_node_dir}/node_modules"
  TRACELET_XPROC_DEVICE_COMMAND="${_xproc_device}"
  TRACELET_XPROC_WORK="${CMAKE_CURRENT_BINARY_DIR}/cross_process_work")
add_dependencies(cross_process_test sensor_node tracelet-receiver)
tracelet_discover_tests(cross_process_test GROUP conformance LABELS interprocess
                        PROPERTIES FIXTURES_REQUIRED cross_process_node TIMEOUT 180)

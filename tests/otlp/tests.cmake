# OTLP (src/otlp/): the response decoder, and conformance with the official definitions.
tracelet_add_test(otlp_response_test SOURCES ${CMAKE_CURRENT_LIST_DIR}/otlp_response_test.cpp
                  LIBS tracelet_test_modules tracelet_port_fake)

# OTLP conformance: tracelet's .proto subset and the bytes our encoder writes are checked against
# the OFFICIAL OTLP definitions, i.e. the protobufjs code generated from opentelemetry-proto that
# npm @opentelemetry/otlp-transformer 0.216.0 ships (pinned in tests/otlp/package-lock.json).
# Node tools in tests/otlp/; the npm packages are installed into the build tree, never the source.
if(NOT TRACELET_HAVE_NODE)
  return()  # tests/CMakeLists.txt reports the conformance group as left out
endif()

set(TRACELET_OTLP_NODE_DIR ${CMAKE_BINARY_DIR}/otlp_node)
set(_otlp_tools ${CMAKE_CURRENT_LIST_DIR})
# Copied at configure time; editing either file re-runs configure and the next npm ci.
configure_file(${_otlp_tools}/package.json ${TRACELET_OTLP_NODE_DIR}/package.json COPYONLY)
configure_file(${_otlp_tools}/package-lock.json ${TRACELET_OTLP_NODE_DIR}/package-lock.json COPYONLY)

# Fixture: exact versions from the lock file. --ignore-scripts: protobufjs's postinstall only
# prints version warnings; --prefer-offline: reuse the npm cache when it has the tarballs.
add_test(NAME otlp_npm_ci
         COMMAND ${TRACELET_NPM} ci --ignore-scripts --no-audit --no-fund --prefer-offline
         WORKING_DIRECTORY ${TRACELET_OTLP_NODE_DIR})
set_tests_properties(otlp_npm_ci PROPERTIES FIXTURES_SETUP otlp_node TIMEOUT 600 LABELS "conformance;otlp")

set(_otlp_node_env "NODE_PATH=${TRACELET_OTLP_NODE_DIR}/node_modules")

add_test(NAME otlp_proto_matches_official
         COMMAND ${TRACELET_NODE} ${_otlp_tools}/check_proto.js ${TRACELET_PROTO_DIR})
add_test(NAME otlp_proto_checker_selftest
         COMMAND ${TRACELET_NODE} ${_otlp_tools}/proto_selftest.js ${TRACELET_PROTO_DIR}
                 ${CMAKE_CURRENT_BINARY_DIR}/otlp_proto_selftest)
add_test(NAME otlp_request_checker_selftest
         COMMAND ${TRACELET_NODE} ${_otlp_tools}/selftest.js ${CMAKE_CURRENT_BINARY_DIR}/otlp_request_selftest)
set_tests_properties(otlp_proto_matches_official otlp_proto_checker_selftest otlp_request_checker_selftest
                     PROPERTIES FIXTURES_REQUIRED otlp_node ENVIRONMENT "${_otlp_node_env}"
                                TIMEOUT 120 LABELS "conformance;otlp")

# tracelet's own encoder output, decoded by the official code: `otlp_fixture_writer <dir>`
# writes <dir>/request.bin (an ExportTraceServiceRequest body) and <dir>/expected.json (its
# normalized form, see check_request.js).
if(EXISTS ${_otlp_tools}/fixture_writer.cpp AND TARGET tracelet_port_fake)
  add_executable(otlp_fixture_writer ${_otlp_tools}/fixture_writer.cpp)
  target_link_libraries(otlp_fixture_writer PRIVATE tracelet_test_modules tracelet_port_fake)
  target_include_directories(otlp_fixture_writer PRIVATE ${PROJECT_SOURCE_DIR}/src ${PROJECT_SOURCE_DIR}/tests)
  target_compile_options(otlp_fixture_writer PRIVATE ${TRACELET_STRICT_FLAGS})
endif()
if(TARGET otlp_fixture_writer)
  string(REPLACE ";" "|" _otlp_emulator "${CMAKE_CROSSCOMPILING_EMULATOR}")
  add_test(NAME otlp_official_decode
           COMMAND ${CMAKE_COMMAND}
                   -DWRITER=$<TARGET_FILE:otlp_fixture_writer>
                   -DOUT_DIR=${CMAKE_CURRENT_BINARY_DIR}/otlp_fixture
                   -DNODE=${TRACELET_NODE}
                   -DCHECKER=${_otlp_tools}/check_request.js
                   "-DEMULATOR=${_otlp_emulator}"
                   -P ${_otlp_tools}/official_decode.cmake)
  set_tests_properties(otlp_official_decode PROPERTIES
                       FIXTURES_REQUIRED otlp_node ENVIRONMENT "${_otlp_node_env}" TIMEOUT 120
                       LABELS "conformance;otlp")
endif()

# OTLP conformance: tracelet's .proto subset and the bytes our encoder writes are checked against
# the OFFICIAL OTLP definitions, i.e. the protobufjs code generated from opentelemetry-proto that
# npm @opentelemetry/otlp-transformer 0.216.0 ships (pinned in tests/otlp/package-lock.json).
# Node tools in tests/otlp/; the npm packages are installed into the build tree, never the source.
find_program(TRACELET_NODE NAMES node nodejs)
find_program(TRACELET_NPM npm)
if(NOT TRACELET_NODE OR NOT TRACELET_NPM)
  message(FATAL_ERROR "The OTLP conformance tests (tests/otlp.cmake) need Node.js (18.19+ or 20.6+) and npm.\n"
                      "Install them with:\n  apt-get install -y nodejs npm\n"
                      "or configure with -DTRACELET_BUILD_TESTS=OFF to build without tests.")
endif()
execute_process(COMMAND ${TRACELET_NODE} --version OUTPUT_VARIABLE _tracelet_node_version
                OUTPUT_STRIP_TRAILING_WHITESPACE RESULT_VARIABLE _tracelet_node_rc)
string(REGEX MATCH "^v([0-9]+\\.[0-9]+\\.[0-9]+)" _tracelet_node_version "${_tracelet_node_version}")
set(_tracelet_node_version "${CMAKE_MATCH_1}")
if(NOT _tracelet_node_rc EQUAL 0 OR NOT _tracelet_node_version OR _tracelet_node_version VERSION_LESS 18.19)
  message(FATAL_ERROR "${TRACELET_NODE} is Node.js '${_tracelet_node_version}'; the OTLP conformance tests need "
                      "18.19 or later (@opentelemetry/otlp-transformer 0.216.0). On Debian bookworm:\n"
                      "  apt-get install -y nodejs npm")
endif()

set(TRACELET_OTLP_NODE_DIR ${CMAKE_BINARY_DIR}/otlp_node)
set(_otlp_tools ${CMAKE_CURRENT_SOURCE_DIR}/otlp)
# Copied at configure time; editing either file re-runs configure and the next npm ci.
configure_file(${_otlp_tools}/package.json ${TRACELET_OTLP_NODE_DIR}/package.json COPYONLY)
configure_file(${_otlp_tools}/package-lock.json ${TRACELET_OTLP_NODE_DIR}/package-lock.json COPYONLY)

# Fixture: exact versions from the lock file. --ignore-scripts: protobufjs's postinstall only
# prints version warnings; --prefer-offline: reuse the npm cache when it has the tarballs.
add_test(NAME otlp_npm_ci
         COMMAND ${TRACELET_NPM} ci --ignore-scripts --no-audit --no-fund --prefer-offline
         WORKING_DIRECTORY ${TRACELET_OTLP_NODE_DIR})
set_tests_properties(otlp_npm_ci PROPERTIES FIXTURES_SETUP otlp_node TIMEOUT 600 LABELS otlp)

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
                                TIMEOUT 120 LABELS otlp)

# tracelet's own encoder output, decoded by the official code. The lead writes
# tests/otlp/fixture_writer.cpp: `otlp_fixture_writer <dir>` writes <dir>/request.bin (an
# ExportTraceServiceRequest body) and <dir>/expected.json (its normalized form, see
# check_request.js).
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
                       FIXTURES_REQUIRED otlp_node ENVIRONMENT "${_otlp_node_env}" TIMEOUT 120 LABELS otlp)
endif()

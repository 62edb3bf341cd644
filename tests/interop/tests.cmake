# Interoperability with the OFFICIAL OpenTelemetry JavaScript implementation, both directions,
# over real TLS connections on 127.0.0.1 (sources and notes in tests/interop/):
#   interop_js_to_tracelet  @opentelemetry/sdk-trace-base 2.12.1 + exporter-trace-otlp-proto 0.223.1
#                           -> tracelet-receiver; spans compared field by field with what the SDK made
#   interop_js_to_tracelet_gzip  the same with the exporter's compression: 'gzip'
#   interop_tracelet_to_js  tracelet Exporter + NetConnector (Mbed TLS) -> a node https server that
#                           decodes with the official generated OTLP code (otlp-transformer 0.216.0)
# Each driver starts the servers it needs and stops them by PID. The npm packages (exact versions
# in tests/interop/package-lock.json) are installed into the build tree, never the source tree.
if(NOT (TARGET tracelet-receiver AND TARGET tracelet_net AND TARGET tracelet_port_posix))
  list(APPEND TRACELET_TESTS_LEFT_OUT "conformance: interop (needs tracelet-receiver, tracelet_net and \
tracelet_port_posix: Mbed TLS, the posix port and TRACELET_BUILD_TOOLS=ON)")
  return()
endif()

if(NOT TRACELET_HAVE_NODE)
  return()  # tests/CMakeLists.txt reports the conformance group as left out
endif()

set(_interop_src ${CMAKE_CURRENT_LIST_DIR})
set(_interop_node_dir ${CMAKE_BINARY_DIR}/interop_node)
# Copied at configure time; editing either file re-runs configure and the next npm ci.
configure_file(${_interop_src}/package.json ${_interop_node_dir}/package.json COPYONLY)
configure_file(${_interop_src}/package-lock.json ${_interop_node_dir}/package-lock.json COPYONLY)

# The C++ side of tracelet -> JS: records known spans, exports them over TLS, writes what it did.
add_executable(interop_tracelet_sender ${_interop_src}/tracelet_sender.cpp)
target_link_libraries(interop_tracelet_sender PRIVATE tracelet_net tracelet_test_modules tracelet_port_posix
                                                      Threads::Threads)
if(TARGET tracelet_gzip)  # --compression gzip
  target_link_libraries(interop_tracelet_sender PRIVATE tracelet_gzip)
endif()
target_compile_options(interop_tracelet_sender PRIVATE ${TRACELET_STRICT_FLAGS})
target_include_directories(interop_tracelet_sender PRIVATE ${PROJECT_SOURCE_DIR}/tests)

# Fixture: exact versions from the lock file. --ignore-scripts: no package needs an install
# script; --prefer-offline: reuse the npm cache when it has the tarballs.
add_test(NAME interop_npm_ci
         COMMAND ${TRACELET_NPM} ci --ignore-scripts --no-audit --no-fund --prefer-offline
         WORKING_DIRECTORY ${_interop_node_dir})
set_tests_properties(interop_npm_ci PROPERTIES FIXTURES_SETUP interop_node TIMEOUT 600 LABELS "conformance;interop")

# Cross builds run tracelet's programs through the emulator ('|'-separated command prefix).
set(_interop_emulator_args "")
set(_interop_tests "")
if(CMAKE_CROSSCOMPILING_EMULATOR)
  string(REPLACE ";" "|" _interop_emulator "${CMAKE_CROSSCOMPILING_EMULATOR}")
  set(_interop_emulator_args --emulator "${_interop_emulator}")
endif()

# The official exporter's two compression settings; OTLP servers must take both. These check
# tracelet-receiver, a host tool: a cross build makes it for the target, where it only ever
# runs under qemu-user, so they are registered in native builds (the host build covers them).
set(_interop_compressions none gzip)
if(CMAKE_CROSSCOMPILING)
  set(_interop_compressions "")
  message(STATUS "tracelet: cross build: interop_js_to_tracelet* (they check the host tool "
                 "tracelet-receiver) are registered in native builds only")
endif()
foreach(_compression IN LISTS _interop_compressions)
  set(_name interop_js_to_tracelet)
  if(NOT _compression STREQUAL "none")
    set(_name interop_js_to_tracelet_${_compression})
  endif()
  add_test(NAME ${_name}
           COMMAND ${TRACELET_NODE} ${_interop_src}/js_to_tracelet.js
                   --receiver $<TARGET_FILE:tracelet-receiver>
                   --work ${CMAKE_CURRENT_BINARY_DIR}/${_name}
                   --compression ${_compression}
                   ${_interop_emulator_args})
  list(APPEND _interop_tests ${_name})
endforeach()
add_test(NAME interop_tracelet_to_js
         COMMAND ${TRACELET_NODE} ${_interop_src}/tracelet_to_js.js
                 --receiver $<TARGET_FILE:tracelet-receiver>
                 --sender $<TARGET_FILE:interop_tracelet_sender>
                 --work ${CMAKE_CURRENT_BINARY_DIR}/interop_tracelet_to_js
                 ${_interop_emulator_args})
list(APPEND _interop_tests interop_tracelet_to_js)
#   interop_tracelet_to_js_gzip  the same with OTEL_EXPORTER_OTLP_COMPRESSION=gzip's setting:
#                           chunked gzip bodies, inflated by node's zlib (needs tracelet::gzip)
if(TARGET tracelet_gzip)
  add_test(NAME interop_tracelet_to_js_gzip
           COMMAND ${TRACELET_NODE} ${_interop_src}/tracelet_to_js.js
                   --receiver $<TARGET_FILE:tracelet-receiver>
                   --sender $<TARGET_FILE:interop_tracelet_sender>
                   --work ${CMAKE_CURRENT_BINARY_DIR}/interop_tracelet_to_js_gzip
                   --compression gzip
                   ${_interop_emulator_args})
  list(APPEND _interop_tests interop_tracelet_to_js_gzip)
endif()
set_tests_properties(${_interop_tests} PROPERTIES
                     FIXTURES_REQUIRED interop_node
                     ENVIRONMENT "NODE_PATH=${_interop_node_dir}/node_modules"
                     TIMEOUT 180 LABELS "conformance;interop")

# The OTLP logs signal, both directions (tests/interop/logs_interop.js):
#   interop_logs_tracelet_to_js  tracelet::log + Exporter -> node_receiver.js decoding /v1/logs with
#                                the official ExportLogsServiceRequest (otlp-transformer 0.214.0)
#   interop_logs_js_to_tracelet  @opentelemetry/sdk-logs 0.223.1 + exporter-logs-otlp-proto 0.223.1
#                                -> tracelet-receiver, which prints the records under their span
add_executable(interop_logs_sender ${_interop_src}/logs_sender.cpp)
target_link_libraries(interop_logs_sender PRIVATE tracelet_net tracelet_test_modules tracelet_port_posix
                                                  Threads::Threads)
target_include_directories(interop_logs_sender PRIVATE ${PROJECT_SOURCE_DIR}/tests)
target_compile_options(interop_logs_sender PRIVATE ${TRACELET_STRICT_FLAGS})
add_test(NAME interop_logs_tracelet_to_js
         COMMAND ${TRACELET_NODE} ${_interop_src}/logs_interop.js --direction tracelet-to-js
                 --receiver $<TARGET_FILE:tracelet-receiver> --sender $<TARGET_FILE:interop_logs_sender>
                 --work ${CMAKE_CURRENT_BINARY_DIR}/interop_logs_tracelet_to_js ${_interop_emulator_args})
set(_interop_logs_tests interop_logs_tracelet_to_js)
if(NOT CMAKE_CROSSCOMPILING)  # checks the host tool tracelet-receiver, as above
  add_test(NAME interop_logs_js_to_tracelet
           COMMAND ${TRACELET_NODE} ${_interop_src}/logs_interop.js --direction js-to-tracelet
                   --receiver $<TARGET_FILE:tracelet-receiver>
                   --work ${CMAKE_CURRENT_BINARY_DIR}/interop_logs_js_to_tracelet)
  list(APPEND _interop_logs_tests interop_logs_js_to_tracelet)
endif()
set_tests_properties(${_interop_logs_tests} PROPERTIES
                     FIXTURES_REQUIRED interop_node
                     ENVIRONMENT "NODE_PATH=${CMAKE_BINARY_DIR}/interop_node/node_modules"
                     TIMEOUT 120 LABELS "conformance;interop;logs")

# Client certificates (mutual TLS) with the official JS exporter, both directions.
include(${CMAKE_CURRENT_LIST_DIR}/mtls.cmake)

# Client certificates (mutual TLS) with the OFFICIAL OpenTelemetry JavaScript exporter, both
# directions, over real TLS on 127.0.0.1 (driver: tests/interop/mtls.js):
#   interop_mtls_js_to_tracelet  exporter-trace-otlp-proto 0.223.1 presents a client certificate
#                                (https agent options, and its own OTEL_EXPORTER_OTLP_CLIENT_*
#                                variables) to tracelet-receiver --client-ca; missing and
#                                untrusted ones are refused
#   interop_mtls_tracelet_to_js  tracelet (Exporter + NetConnector) presents one to node's https
#                                server with requestCert/rejectUnauthorized; missing and
#                                untrusted ones are refused and tracelet says so
# Same npm packages and fixture as tests/interop/tests.cmake, which includes this file.
set(_mtls_src ${CMAKE_CURRENT_LIST_DIR})
set(_mtls_emulator_args "")
if(CMAKE_CROSSCOMPILING_EMULATOR)
  string(REPLACE ";" "|" _mtls_emulator "${CMAKE_CROSSCOMPILING_EMULATOR}")
  set(_mtls_emulator_args --emulator "${_mtls_emulator}")
endif()

set(_mtls_tests "")
# js -> tracelet checks tracelet-receiver, a host tool: native builds only (as in interop.cmake).
if(NOT CMAKE_CROSSCOMPILING)
  add_test(NAME interop_mtls_js_to_tracelet
           COMMAND ${TRACELET_NODE} ${_mtls_src}/mtls.js --direction js-to-tracelet
                   --receiver $<TARGET_FILE:tracelet-receiver>
                   --work ${CMAKE_CURRENT_BINARY_DIR}/interop_mtls_js_to_tracelet
                   ${_mtls_emulator_args})
  list(APPEND _mtls_tests interop_mtls_js_to_tracelet)
endif()
add_test(NAME interop_mtls_tracelet_to_js
         COMMAND ${TRACELET_NODE} ${_mtls_src}/mtls.js --direction tracelet-to-js
                 --receiver $<TARGET_FILE:tracelet-receiver>
                 --sender $<TARGET_FILE:interop_tracelet_sender>
                 --work ${CMAKE_CURRENT_BINARY_DIR}/interop_mtls_tracelet_to_js
                 ${_mtls_emulator_args})
list(APPEND _mtls_tests interop_mtls_tracelet_to_js)
set_tests_properties(${_mtls_tests} PROPERTIES
                     FIXTURES_REQUIRED interop_node
                     ENVIRONMENT "NODE_PATH=${CMAKE_BINARY_DIR}/interop_node/node_modules"
                     TIMEOUT 240 LABELS "conformance;interop")

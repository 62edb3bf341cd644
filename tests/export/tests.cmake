# Export (src/export/): HTTP request/response, URLs, OTLP/HTTP, the batching exporter over an
# in-memory collector, the console exporter, and serial export (frames and the device-side
# exporter; tools/bridge has its tests in tests/tools/).
set(_dir ${CMAKE_CURRENT_LIST_DIR})
tracelet_add_test(http_response_test SOURCES ${_dir}/http_response_test.cpp LIBS tracelet_test_modules tracelet_port_fake)
tracelet_add_test(otlp_http_test SOURCES ${_dir}/otlp_http_test.cpp LIBS tracelet_test_modules tracelet_port_fake)
tracelet_add_test(url_test SOURCES ${_dir}/url_test.cpp LIBS tracelet_test_modules tracelet_port_fake)
tracelet_add_test(exporter_test SOURCES ${_dir}/exporter_test.cpp LIBS tracelet_test_modules tracelet_port_posix
                  LABELS concurrency)
tracelet_add_test(console_exporter_test SOURCES ${_dir}/console_exporter_test.cpp
                  LIBS tracelet_test_modules tracelet_port_fake)

# Serial export (devices without IP). The exporter test decodes payloads with the receiver's
# full OTLP decoder (no Mbed TLS needed).
tracelet_add_test(serial_frame_test SOURCES ${_dir}/serial_frame_test.cpp LIBS tracelet_test_modules tracelet_port_fake
                  LABELS serial)
tracelet_add_test(serial_exporter_test
  SOURCES ${_dir}/serial_exporter_test.cpp ${PROJECT_SOURCE_DIR}/tools/receiver/otlp_decode.cpp
  LIBS tracelet_test_modules tracelet_port_fake
  LABELS serial)
target_include_directories(serial_exporter_test PRIVATE ${PROJECT_SOURCE_DIR}/tools/receiver)

# The exporter end to end against a tracelet-receiver over TLS.
if(TARGET tracelet_net_test_support)
  tracelet_add_test(exporter_e2e_test SOURCES ${_dir}/exporter_e2e_test.cpp
                    LIBS tracelet_test_modules tracelet_net_test_support GROUP e2e LABELS net)
  # Log records to /v1/logs, printed by the receiver under their span.
  tracelet_add_test(logs_e2e_test SOURCES ${_dir}/logs_e2e_test.cpp
                    LIBS tracelet_test_modules tracelet_net_test_support GROUP e2e LABELS net logs)
endif()

# otlp_post(): one encoded OTLP/HTTP request over a canned in-memory peer.
tracelet_add_test(otlp_post_test SOURCES ${_dir}/otlp_post_test.cpp LIBS tracelet_test_modules tracelet_port_fake)

# gzip request bodies: with zlib's tracelet::gzip against an in-memory collector that
# de-chunks, inflates and decodes; without it (as firmware), the identity fallback; and end to
# end against tracelet-receiver over TLS.
if(TARGET tracelet_gzip AND NOT TRACELET_SANITIZED)  # counts allocations: replaces operator new
  tracelet_add_test(gzip_export_test
    SOURCES ${_dir}/gzip_export_test.cpp ${PROJECT_SOURCE_DIR}/tools/receiver/otlp_decode.cpp
    LIBS tracelet_gzip tracelet_test_modules tracelet_port_posix)
  target_include_directories(gzip_export_test PRIVATE ${PROJECT_SOURCE_DIR}/tools/receiver)
endif()
tracelet_add_test(gzip_fallback_test SOURCES ${_dir}/gzip_fallback_test.cpp
                  LIBS tracelet_test_modules tracelet_port_posix)
if(TARGET tracelet_net_test_support AND TARGET tracelet_gzip)
  tracelet_add_test(gzip_e2e_test SOURCES ${_dir}/gzip_e2e_test.cpp
                    LIBS tracelet_gzip tracelet_test_modules tracelet_net_test_support GROUP e2e LABELS net)
endif()

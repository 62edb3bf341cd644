# gzip request bodies (OTEL_EXPORTER_OTLP_COMPRESSION=gzip): the exporter with zlib's
# tracelet::gzip against an in-memory collector that de-chunks, inflates and decodes (with the
# receiver's OTLP decoder); and, without tracelet::gzip (as firmware), the identity fallback.
if(TARGET tracelet_gzip AND NOT TRACELET_SANITIZED)  # counts allocations: replaces operator new
  tracelet_add_test(gzip_export_test
    SOURCES gzip_export_test.cpp ${PROJECT_SOURCE_DIR}/tools/receiver/otlp_decode.cpp
    LIBS tracelet_gzip tracelet_test_modules tracelet_port_posix)
  target_include_directories(gzip_export_test PRIVATE ${PROJECT_SOURCE_DIR}/tools/receiver)
endif()
tracelet_add_test(gzip_fallback_test SOURCES gzip_fallback_test.cpp
                  LIBS tracelet_test_modules tracelet_port_posix)

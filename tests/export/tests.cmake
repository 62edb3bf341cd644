# Exporter: HTTP response parsing, URLs, batch/retry logic over an in-memory collector.
tracelet_add_test(http_response_test SOURCES http_response_test.cpp LIBS tracelet_test_modules tracelet_port_fake)
tracelet_add_test(otlp_http_test SOURCES otlp_http_test.cpp LIBS tracelet_test_modules tracelet_port_fake)
tracelet_add_test(url_test SOURCES url_test.cpp LIBS tracelet_test_modules tracelet_port_fake)
tracelet_add_test(exporter_test SOURCES exporter_test.cpp LIBS tracelet_test_modules tracelet_port_posix
                  LABELS concurrency)
tracelet_add_test(otlp_response_test SOURCES otlp_response_test.cpp LIBS tracelet_test_modules tracelet_port_fake)

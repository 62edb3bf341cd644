# Config (src/config/): configuration from OTEL_* environment variables (an injected lookup; the
# real environment is never read or changed) and the default stderr log sink.
tracelet_add_test(env_config_test SOURCES ${CMAKE_CURRENT_LIST_DIR}/env_config_test.cpp
                  LIBS tracelet_test_modules tracelet_port_fake)

# The rest of the OTEL_* variables (exporters, propagators, log level, span limits, every
# unread name named once; the log-level case runs a real Exporter: posix port) and the client
# certificate variables (mutual TLS).
tracelet_add_test(env_vars_test SOURCES ${CMAKE_CURRENT_LIST_DIR}/env_vars_test.cpp
                  LIBS tracelet_test_modules tracelet_port_posix)
tracelet_add_test(env_client_cert_test SOURCES ${CMAKE_CURRENT_LIST_DIR}/env_client_cert_test.cpp
                  LIBS tracelet_test_modules tracelet_port_fake)

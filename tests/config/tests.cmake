# Config (src/config/): configuration from OTEL_* environment variables (an injected lookup; the
# real environment is never read or changed) and the default stderr log sink.
tracelet_add_test(env_config_test SOURCES ${CMAKE_CURRENT_LIST_DIR}/env_config_test.cpp
                  LIBS tracelet_test_modules tracelet_port_fake)

# Context (src/context/): W3C Trace Context propagation and the HTTP client span helper.
# The traceparent fuzz target is registered with the others in tests/fuzz/tests.cmake.
tracelet_add_test(propagation_test SOURCES ${CMAKE_CURRENT_LIST_DIR}/propagation_test.cpp
                  LIBS tracelet_test_modules tracelet_port_fake LABELS propagation)
tracelet_add_test(http_client_span_test SOURCES ${CMAKE_CURRENT_LIST_DIR}/http_client_span_test.cpp
                  LIBS tracelet_test_modules tracelet_port_fake)

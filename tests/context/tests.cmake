# Context (src/context/): W3C Trace Context propagation and the HTTP client span helper.
# The traceparent fuzz target is registered with the others in tests/fuzz/tests.cmake.
tracelet_add_test(propagation_test SOURCES ${CMAKE_CURRENT_LIST_DIR}/propagation_test.cpp
                  LIBS tracelet_test_modules tracelet_port_fake LABELS propagation)
tracelet_add_test(http_client_span_test SOURCES ${CMAKE_CURRENT_LIST_DIR}/http_client_span_test.cpp
                  LIBS tracelet_test_modules tracelet_port_fake)

# W3C Baggage: with the default limits, and the same tests with the spec's maxima (Baggage's
# size depends on them, so the context sources that use it are compiled into the test with the
# same definitions; the core does not look inside a Baggage). The fuzz target is registered in
# tests/fuzz/tests.cmake.
tracelet_add_test(baggage_test SOURCES ${CMAKE_CURRENT_LIST_DIR}/baggage_test.cpp
                  LIBS tracelet_test_modules tracelet_port_fake LABELS propagation)
tracelet_add_test(baggage_spec_limits_test
  SOURCES ${CMAKE_CURRENT_LIST_DIR}/baggage_test.cpp
          ${PROJECT_SOURCE_DIR}/src/context/baggage.cpp
          ${PROJECT_SOURCE_DIR}/src/context/baggage_scope.cpp
          ${PROJECT_SOURCE_DIR}/src/context/propagation.cpp
  LIBS tracelet_core tracelet_port_fake
  DEFINITIONS TRACELET_BAGGAGE_MAX_ENTRIES=64 TRACELET_BAGGAGE_BYTES=8192
  LABELS propagation)

# AWS X-Ray's X-Amzn-Trace-Id propagator and the X-Ray trace-id generator. The parser's fuzz
# target is in tests/fuzz/tests.cmake; the official propagator's cross-process check in
# tests/aws/tests.cmake.
tracelet_add_test(xray_propagation_test SOURCES ${CMAKE_CURRENT_LIST_DIR}/xray_propagation_test.cpp
                  LIBS tracelet_test_modules tracelet_port_fake LABELS propagation)

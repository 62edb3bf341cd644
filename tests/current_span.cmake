# tracelet::current_span() (include/tracelet/current_span.h): the same test against the normal
# core and, like span_api_test (core.cmake), against the core built with TRACELET_ENABLED=0.
tracelet_add_test(current_span_test
  SOURCES ${CMAKE_CURRENT_SOURCE_DIR}/current_span_test.cpp
  LIBS tracelet_test_modules tracelet_port_fake)
if(TARGET tracelet_core_disabled)
  tracelet_add_test(current_span_disabled_test
    SOURCES ${CMAKE_CURRENT_SOURCE_DIR}/current_span_test.cpp
    LIBS tracelet_core_disabled tracelet_port_fake)
endif()

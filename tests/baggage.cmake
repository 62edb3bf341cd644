# W3C Baggage (src/context/baggage.cpp, baggage_scope.cpp): unit tests with the default limits,
# the same tests with the spec's maxima, and a fuzz target for the parser.

tracelet_add_test(baggage_test
  SOURCES ${CMAKE_CURRENT_SOURCE_DIR}/baggage_test.cpp
  LIBS tracelet_test_modules tracelet_port_fake
  LABELS propagation)

# The same tests with TRACELET_BAGGAGE_MAX_ENTRIES=64 and TRACELET_BAGGAGE_BYTES=8192 (the most
# the spec allows). Baggage's size depends on them, so the context sources that use it are
# compiled into the test with the same definitions; the core does not look inside a Baggage.
tracelet_add_test(baggage_spec_limits_test
  SOURCES ${CMAKE_CURRENT_SOURCE_DIR}/baggage_test.cpp
          ${PROJECT_SOURCE_DIR}/src/context/baggage.cpp
          ${PROJECT_SOURCE_DIR}/src/context/baggage_scope.cpp
          ${PROJECT_SOURCE_DIR}/src/context/propagation.cpp
  LIBS tracelet_core tracelet_port_fake
  DEFINITIONS TRACELET_BAGGAGE_MAX_ENTRIES=64 TRACELET_BAGGAGE_BYTES=8192
  LABELS propagation)

# parse -> format -> parse stability and bounds (replay always; libFuzzer with clang), through
# the shared rule of fuzz.cmake. tests/*.cmake are included in name order and fuzz.cmake comes
# after this file, so the registration is deferred to the end of tests/CMakeLists.txt (as
# cross_process.cmake does).
function(tracelet_register_baggage_fuzz)
  if(TARGET baggage_fuzz_replay)  # already registered by a generic rule
    return()
  endif()
  tracelet_add_fuzz_target(baggage_fuzz
    SOURCES ${PROJECT_SOURCE_DIR}/src/context/baggage.cpp ${PROJECT_SOURCE_DIR}/src/context/propagation.cpp
            ${PROJECT_SOURCE_DIR}/src/core/text.cpp
    LIBS tracelet_test_modules tracelet_port_fake)
  set_property(TEST baggage_fuzz_replay APPEND PROPERTY LABELS propagation)
endfunction()
cmake_language(DEFER CALL tracelet_register_baggage_fuzz)

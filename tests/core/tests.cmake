# Core (src/core/): ring, span recording, tracer, the API with tracing compiled out, heap use,
# and many threads recording at once.
set(_dir ${CMAKE_CURRENT_LIST_DIR})
tracelet_add_test(ring_test SOURCES ${_dir}/ring_test.cpp LIBS tracelet_test_modules tracelet_port_fake)
tracelet_add_test(span_test SOURCES ${_dir}/span_test.cpp LIBS tracelet_test_modules tracelet_port_fake)
# Log records: decoded back with the receiver's OTLP decoder.
tracelet_add_test(log_record_test
  SOURCES ${_dir}/log_record_test.cpp ${PROJECT_SOURCE_DIR}/tools/receiver/otlp_decode.cpp
  LIBS tracelet_test_modules tracelet_port_fake)
target_include_directories(log_record_test PRIVATE ${PROJECT_SOURCE_DIR}/tools/receiver)
tracelet_add_test(word_copy_test SOURCES ${_dir}/word_copy_test.cpp LIBS tracelet_test_modules tracelet_port_fake)
tracelet_add_test(id_words_test SOURCES ${_dir}/id_words_test.cpp LIBS tracelet_test_modules tracelet_port_fake)

# The same API test against a core compiled with TRACELET_ENABLED=0 (STYLE C11).
get_property(_module_sources GLOBAL PROPERTY TRACELET_MODULE_SOURCES)
list(FILTER _module_sources EXCLUDE REGEX "/src/net/")
add_library(tracelet_core_disabled STATIC ${_module_sources})
target_include_directories(tracelet_core_disabled PUBLIC ${PROJECT_SOURCE_DIR}/include
                                                  PRIVATE ${PROJECT_SOURCE_DIR}/src)
target_compile_definitions(tracelet_core_disabled PUBLIC TRACELET_ENABLED=0)
target_compile_options(tracelet_core_disabled PRIVATE ${TRACELET_STRICT_FLAGS} ${TRACELET_CORE_FLAGS})
target_link_libraries(tracelet_core_disabled PUBLIC tracelet_otlp_proto)
tracelet_add_test(span_api_test SOURCES ${_dir}/span_api_test.cpp LIBS tracelet_test_modules tracelet_port_fake)
tracelet_add_test(span_api_disabled_test SOURCES ${_dir}/span_api_test.cpp
                  LIBS tracelet_core_disabled tracelet_port_fake)
if(NOT TRACELET_SANITIZED)  # replaces malloc to count allocations
  tracelet_add_test(allocation_test SOURCES ${_dir}/allocation_test.cpp LIBS tracelet_test_modules tracelet_port_fake)
endif()
tracelet_add_test(stress_test SOURCES ${_dir}/stress_test.cpp LIBS tracelet_test_modules tracelet_port_posix
                  LABELS stress)

# tracelet::current_span(): against the normal core and, like span_api_test, against the core
# built with TRACELET_ENABLED=0.
tracelet_add_test(current_span_test SOURCES ${_dir}/current_span_test.cpp
                  LIBS tracelet_test_modules tracelet_port_fake)
tracelet_add_test(current_span_disabled_test SOURCES ${_dir}/current_span_test.cpp
                  LIBS tracelet_core_disabled tracelet_port_fake)

# Array attribute values: span API, record format and limits, OTLP encoding (decoded back with
# the receiver's decoder) and the console line.
tracelet_add_test(array_attribute_test
  SOURCES ${_dir}/array_attribute_test.cpp ${PROJECT_SOURCE_DIR}/tools/receiver/otlp_decode.cpp
  LIBS tracelet_test_modules tracelet_port_fake)
target_include_directories(array_attribute_test PRIVATE ${PROJECT_SOURCE_DIR}/tools/receiver)

# Room for real error text: stack traces and status messages under the default limits, in the
# OTLP request (decoded with the receiver's decoder) and on the console.
tracelet_add_test(error_text_test
  SOURCES ${_dir}/error_text_test.cpp ${PROJECT_SOURCE_DIR}/tools/receiver/otlp_decode.cpp
  LIBS tracelet_test_modules tracelet_port_fake)
target_include_directories(error_text_test PRIVATE ${PROJECT_SOURCE_DIR}/tools/receiver)

# Run-time span limits (Options::limits) within the compile-time caps.
tracelet_add_test(span_limits_test SOURCES ${_dir}/span_limits_test.cpp
                  LIBS tracelet_test_modules tracelet_port_fake)

# The POSIX port's clock (port/posix/clock_posix.cpp): counter or clock_gettime, never backwards.
tracelet_add_test(monotonic_clock_test SOURCES ${_dir}/monotonic_clock_test.cpp
                  LIBS tracelet_test_modules tracelet_port_posix)
target_include_directories(monotonic_clock_test PRIVATE ${PROJECT_SOURCE_DIR}/port/posix)

# A file-backed ring (tracelet::FileRing) killed with SIGKILL at random moments: every
# completed record is adopted and exported (20 kills here; tools/kill-test.sh N runs more).
if(TARGET tracelet_port_posix)
  tracelet_add_test(kill_test SOURCES ${_dir}/kill_test.cpp LIBS tracelet_test_modules tracelet_port_posix
                    LABELS kill)
endif()

# Fuzz targets for every parser of untrusted bytes: HTTP responses + OTLP response bodies
# (src/export, src/otlp), ring records (src/core), serial frames (src/export) and W3C
# traceparent/tracestate (src/context). One rule builds each target twice:
#   <name>_replay     the entry point behind replay_main.cpp, built by the project's compiler
#                     (so also by sanitizer and cross builds) and run over the committed corpus
#                     plus deterministic mutations. Group `unit`: it is a fast, deterministic
#                     regression test of the parser that needs nothing but the compiler.
#   <name>_libfuzzer  with a clang++ that links libFuzzer, ASan and UBSan (Debian: clang +
#                     libclang-rt-14-dev), a coverage-guided run bounded to 20 s. Group `fuzz`.
# Entry points are tests/fuzz/<name>.cpp, seeds tests/fuzz/corpus/<name>/.

# The clang++ for the libFuzzer runs, probed once (cached).
option(TRACELET_LIBFUZZER "Build coverage-guided libFuzzer targets when clang can" ON)
if(CMAKE_CROSSCOMPILING)
  set(TRACELET_FUZZ_CXX_WORKS OFF)
  list(APPEND TRACELET_TESTS_LEFT_OUT "fuzz (libFuzzer runs are host-only, the replays run here)")
elseif(NOT TRACELET_LIBFUZZER)
  set(TRACELET_FUZZ_CXX_WORKS OFF)  # a normal variable: the cached probe result stays for later
  list(APPEND TRACELET_TESTS_LEFT_OUT "fuzz (TRACELET_LIBFUZZER=OFF)")
else()
  find_program(TRACELET_FUZZ_CXX NAMES clang++ clang++-16 clang++-15 clang++-14
               DOC "clang++ used for libFuzzer targets")
  if(TRACELET_FUZZ_CXX AND NOT DEFINED TRACELET_FUZZ_CXX_WORKS)
    set(_probe_dir ${CMAKE_BINARY_DIR}/fuzz-probe)
    file(MAKE_DIRECTORY ${_probe_dir})
    file(WRITE ${_probe_dir}/probe.cpp
         "#include <cstddef>\n#include <cstdint>\n"
         "extern \"C\" int LLVMFuzzerTestOneInput(const std::uint8_t*, std::size_t) { return 0; }\n")
    execute_process(
      COMMAND ${TRACELET_FUZZ_CXX} -fsanitize=fuzzer,address,undefined probe.cpp -o probe
      WORKING_DIRECTORY ${_probe_dir} RESULT_VARIABLE _probe_rc OUTPUT_QUIET ERROR_QUIET)
    if(_probe_rc EQUAL 0)
      set(_fuzz_works ON)
    else()
      set(_fuzz_works OFF)
    endif()
    set(TRACELET_FUZZ_CXX_WORKS ${_fuzz_works} CACHE BOOL
        "${TRACELET_FUZZ_CXX} can build libFuzzer targets with ASan and UBSan")
    message(STATUS "libFuzzer targets with ${TRACELET_FUZZ_CXX}: ${_fuzz_works}")
  endif()
  if(NOT TRACELET_FUZZ_CXX_WORKS)
    list(APPEND TRACELET_TESTS_LEFT_OUT
         "fuzz (needs a clang++ that links -fsanitize=fuzzer: apt-get install -y clang libclang-rt-14-dev)")
  endif()
endif()

# tracelet_add_fuzz_target(<name> SOURCES <tracelet sources for the clang build>
#                          LIBS <targets for the replay program> [LABELS <finer labels...>])
# SOURCES lists what the clang++ command compiles besides the entry point: the sources of the
# parser under test and what it calls (.c files, e.g. nanopb's generated code, as C++).
function(tracelet_add_fuzz_target name)
  cmake_parse_arguments(F "" "" "SOURCES;LIBS;LABELS" ${ARGN})
  set(entry ${CMAKE_CURRENT_FUNCTION_LIST_DIR}/${name}.cpp)
  set(corpus ${CMAKE_CURRENT_FUNCTION_LIST_DIR}/corpus/${name})
  if(NOT IS_DIRECTORY ${corpus})
    message(FATAL_ERROR "fuzz target ${name}: no seed corpus at ${corpus}")
  endif()

  add_executable(${name}_replay ${entry} ${CMAKE_CURRENT_FUNCTION_LIST_DIR}/replay_main.cpp)
  target_include_directories(${name}_replay PRIVATE ${PROJECT_SOURCE_DIR}/src)
  target_compile_options(${name}_replay PRIVATE ${TRACELET_STRICT_FLAGS})
  target_link_libraries(${name}_replay PRIVATE ${F_LIBS})
  add_test(NAME ${name}_replay COMMAND ${name}_replay -mutations=300 ${corpus})
  tracelet_test_labels(labels unit ${F_LABELS})
  set_tests_properties(${name}_replay PROPERTIES LABELS "${labels}")

  if(NOT TRACELET_FUZZ_CXX_WORKS)
    return()
  endif()
  # CMake uses one C++ compiler per project, so the clang build is a custom command.
  set(bin ${CMAKE_CURRENT_BINARY_DIR}/${name})
  set(c_sources "")
  set(cxx_sources "")
  foreach(src IN LISTS F_SOURCES)
    if(src MATCHES "\\.c$")
      list(APPEND c_sources ${src})
    else()
      list(APPEND cxx_sources ${src})
    endif()
  endforeach()
  set(defs "")
  if(TRACELET_CONFIG_FILE)
    list(APPEND defs -DTRACELET_CONFIG_FILE="${TRACELET_CONFIG_FILE}")
  endif()
  file(GLOB_RECURSE headers CONFIGURE_DEPENDS ${PROJECT_SOURCE_DIR}/include/*.h ${PROJECT_SOURCE_DIR}/src/*.h)
  add_custom_command(
    OUTPUT ${bin}
    COMMAND ${TRACELET_FUZZ_CXX} -std=c++17 -g -O1 -fno-exceptions -fno-rtti
            -fsanitize=fuzzer,address,undefined -fno-sanitize-recover=all ${defs}
            -I${PROJECT_SOURCE_DIR}/include -I${PROJECT_SOURCE_DIR}/src -I${TRACELET_PROTO_OUT}
            ${TRACELET_STRICT_FLAGS} ${entry} ${cxx_sources}
            -x c++ ${c_sources} -x none -lprotobuf-nanopb -o ${bin}
    DEPENDS ${entry} ${F_SOURCES} ${headers} tracelet_otlp_proto
    COMMENT "clang++ -fsanitize=fuzzer,address,undefined: ${name}"
    VERBATIM)
  add_custom_target(${name} ALL DEPENDS ${bin})
  # New inputs go to the build tree; the committed seeds are only read.
  set(work ${CMAKE_CURRENT_BINARY_DIR}/fuzz-corpus/${name})
  set(artifacts ${CMAKE_CURRENT_BINARY_DIR}/fuzz-artifacts)
  file(MAKE_DIRECTORY ${work} ${artifacts})
  add_test(NAME ${name}_libfuzzer
           COMMAND ${bin} -max_total_time=20 -timeout=10 -rss_limit_mb=2048
                   -print_final_stats=1 -artifact_prefix=${artifacts}/ ${work} ${corpus})
  tracelet_test_labels(labels fuzz ${F_LABELS})
  set_tests_properties(${name}_libfuzzer PROPERTIES LABELS "${labels}" TIMEOUT 120)
endfunction()

set(_proto_c ${TRACELET_PROTO_OUT}/opentelemetry/proto/common/v1/common.pb.c
             ${TRACELET_PROTO_OUT}/opentelemetry/proto/resource/v1/resource.pb.c
             ${TRACELET_PROTO_OUT}/opentelemetry/proto/trace/v1/trace.pb.c
             ${TRACELET_PROTO_OUT}/opentelemetry/proto/collector/trace/v1/trace_service.pb.c)
tracelet_add_fuzz_target(http_response_fuzz
  SOURCES ${PROJECT_SOURCE_DIR}/src/export/http_response.cpp ${PROJECT_SOURCE_DIR}/src/otlp/response.cpp ${_proto_c}
  LIBS tracelet_test_modules tracelet_port_fake)
tracelet_add_fuzz_target(span_record_fuzz
  SOURCES ${PROJECT_SOURCE_DIR}/src/core/span_record.cpp ${PROJECT_SOURCE_DIR}/src/export/console_exporter.cpp
          ${PROJECT_SOURCE_DIR}/src/core/ring.cpp ${PROJECT_SOURCE_DIR}/src/otlp/encode.cpp
          ${PROJECT_SOURCE_DIR}/src/core/status.cpp ${PROJECT_SOURCE_DIR}/port/fake/port_fake.cpp ${_proto_c}
  LIBS tracelet_test_modules tracelet_port_fake)
tracelet_add_fuzz_target(serial_frame_fuzz
  SOURCES ${PROJECT_SOURCE_DIR}/src/export/serial_frame.cpp
  LIBS tracelet_test_modules tracelet_port_fake LABELS serial)
# propagation.cpp and the shared text helpers it uses (src/core/text.h).
tracelet_add_fuzz_target(traceparent_fuzz
  SOURCES ${PROJECT_SOURCE_DIR}/src/context/propagation.cpp ${PROJECT_SOURCE_DIR}/src/core/text.cpp
  LIBS tracelet_test_modules tracelet_port_fake LABELS propagation)
tracelet_add_fuzz_target(baggage_fuzz
  SOURCES ${PROJECT_SOURCE_DIR}/src/context/baggage.cpp ${PROJECT_SOURCE_DIR}/src/context/propagation.cpp
          ${PROJECT_SOURCE_DIR}/src/core/text.cpp
  LIBS tracelet_test_modules tracelet_port_fake LABELS propagation)
# AWS: the X-Amzn-Trace-Id parser with the W3C one it is combined with, and SigV4's request
# canonicalisation (its SHA-256 comes from Mbed TLS's crypto library, linked by path).
tracelet_add_fuzz_target(xray_header_fuzz
  SOURCES ${PROJECT_SOURCE_DIR}/src/context/xray_propagation.cpp ${PROJECT_SOURCE_DIR}/src/context/propagation.cpp
          ${PROJECT_SOURCE_DIR}/src/core/text.cpp
  LIBS tracelet_test_modules tracelet_port_fake LABELS propagation)
if(TARGET tracelet_aws AND TRACELET_MBEDCRYPTO_LIBRARY)
  tracelet_add_fuzz_target(sigv4_canonical_fuzz
    SOURCES ${PROJECT_SOURCE_DIR}/src/aws/sigv4.cpp ${PROJECT_SOURCE_DIR}/src/export/log.cpp
            ${PROJECT_SOURCE_DIR}/src/export/http_response.cpp ${PROJECT_SOURCE_DIR}/src/core/status.cpp
            ${PROJECT_SOURCE_DIR}/port/fake/port_fake.cpp ${TRACELET_MBEDCRYPTO_LIBRARY}
    LIBS tracelet_test_modules tracelet_port_fake LABELS aws)
endif()

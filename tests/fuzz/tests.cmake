# Fuzz targets for every parser of untrusted bytes: HTTP responses + OTLP response bodies
# (src/export, src/otlp), ring records (src/core), serial frames (src/export) and W3C
# traceparent/tracestate (src/context). One rule builds each target twice:
#   <name>_replay     the entry point behind replay_main.cpp, built by the project's compiler
#                     (so also by sanitizer and cross builds) and run over the committed corpus
#                     plus deterministic mutations. Group `unit`: it is a fast, deterministic
#                     regression test of the parser that needs nothing but the compiler.
#   <name>_libfuzzer  with a clang++ that links libFuzzer, ASan and UBSan (Debian: clang +
#                     libclang-rt-14-dev), a coverage-guided run bounded to SECONDS (20 s for
#                     the first five targets, 10 s for the later ones, so the CI run stays
#                     short). Group `fuzz`. Longer runs: tools/fuzz.sh MINUTES.
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
#                          LIBS <targets for the replay program> [LABELS <finer labels...>]
#                          [INCLUDES <dirs>] [DEFINES <NAME=value...>] [LINK <clang link flags>]
#                          [REPLAY_SOURCES <files>] [SECONDS <CI run length, default 20>])
# SOURCES lists what the clang++ command compiles besides the entry point: the sources of the
# parser under test and what it calls (.c files, e.g. nanopb's generated code, as C++).
# INCLUDES and DEFINES apply to both programs; LINK adds libraries to the clang++ link only
# (the replay gets them from LIBS); REPLAY_SOURCES are compiled into the replay program only
# (for code that has no library of its own without the parts a target replaces).
function(tracelet_add_fuzz_target name)
  cmake_parse_arguments(F "" "SECONDS" "SOURCES;LIBS;LABELS;INCLUDES;DEFINES;LINK;REPLAY_SOURCES" ${ARGN})
  if(NOT F_SECONDS)
    set(F_SECONDS 20)
  endif()
  set(entry ${CMAKE_CURRENT_FUNCTION_LIST_DIR}/${name}.cpp)
  set(corpus ${CMAKE_CURRENT_FUNCTION_LIST_DIR}/corpus/${name})
  if(NOT IS_DIRECTORY ${corpus})
    message(FATAL_ERROR "fuzz target ${name}: no seed corpus at ${corpus}")
  endif()

  add_executable(${name}_replay ${entry} ${CMAKE_CURRENT_FUNCTION_LIST_DIR}/replay_main.cpp ${F_REPLAY_SOURCES})
  target_include_directories(${name}_replay PRIVATE ${PROJECT_SOURCE_DIR}/src ${F_INCLUDES})
  target_compile_definitions(${name}_replay PRIVATE ${F_DEFINES})
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
  foreach(def IN LISTS F_DEFINES)
    list(APPEND defs -D${def})
  endforeach()
  set(includes "")
  foreach(dir IN LISTS F_INCLUDES)
    list(APPEND includes -I${dir})
  endforeach()
  if(TRACELET_CONFIG_FILE)
    list(APPEND defs -DTRACELET_CONFIG_FILE="${TRACELET_CONFIG_FILE}")
  endif()
  file(GLOB_RECURSE headers CONFIGURE_DEPENDS ${PROJECT_SOURCE_DIR}/include/*.h ${PROJECT_SOURCE_DIR}/src/*.h)
  foreach(dir IN LISTS F_INCLUDES)
    file(GLOB dir_headers CONFIGURE_DEPENDS ${dir}/*.h)
    list(APPEND headers ${dir_headers})
  endforeach()
  add_custom_command(
    OUTPUT ${bin}
    COMMAND ${TRACELET_FUZZ_CXX} -std=c++17 -g -O1 -fno-exceptions -fno-rtti
            -fsanitize=fuzzer,address,undefined -fno-sanitize-recover=all ${defs}
            -I${PROJECT_SOURCE_DIR}/include -I${PROJECT_SOURCE_DIR}/src -I${TRACELET_PROTO_OUT}
            ${includes} ${TRACELET_STRICT_FLAGS} ${entry} ${cxx_sources}
            -x c++ ${c_sources} -x none -lprotobuf-nanopb ${F_LINK} -o ${bin}
    DEPENDS ${entry} ${F_SOURCES} ${headers} tracelet_otlp_proto
    COMMENT "clang++ -fsanitize=fuzzer,address,undefined: ${name}"
    VERBATIM)
  add_custom_target(${name} ALL DEPENDS ${bin})
  # New inputs go to the build tree; the committed seeds are only read.
  set(work ${CMAKE_CURRENT_BINARY_DIR}/fuzz-corpus/${name})
  set(artifacts ${CMAKE_CURRENT_BINARY_DIR}/fuzz-artifacts)
  file(MAKE_DIRECTORY ${work} ${artifacts})
  add_test(NAME ${name}_libfuzzer
           COMMAND ${bin} -max_total_time=${F_SECONDS} -timeout=10 -rss_limit_mb=2048
                   -print_final_stats=1 -artifact_prefix=${artifacts}/ ${work} ${corpus})
  tracelet_test_labels(labels fuzz ${F_LABELS})
  set_tests_properties(${name}_libfuzzer PROPERTIES LABELS "${labels}" TIMEOUT 120)
endfunction()

set(_proto_c ${TRACELET_PROTO_OUT}/opentelemetry/proto/common/v1/common.pb.c
             ${TRACELET_PROTO_OUT}/opentelemetry/proto/resource/v1/resource.pb.c
             ${TRACELET_PROTO_OUT}/opentelemetry/proto/trace/v1/trace.pb.c
             ${TRACELET_PROTO_OUT}/opentelemetry/proto/collector/trace/v1/trace_service.pb.c
             ${TRACELET_PROTO_OUT}/opentelemetry/proto/logs/v1/logs.pb.c
             ${TRACELET_PROTO_OUT}/opentelemetry/proto/collector/logs/v1/logs_service.pb.c)
tracelet_add_fuzz_target(http_response_fuzz
  SOURCES ${PROJECT_SOURCE_DIR}/src/export/http_response.cpp ${PROJECT_SOURCE_DIR}/src/otlp/response.cpp ${_proto_c}
  LIBS tracelet_test_modules tracelet_port_fake)
tracelet_add_fuzz_target(span_record_fuzz
  SOURCES ${PROJECT_SOURCE_DIR}/src/core/span_record.cpp ${PROJECT_SOURCE_DIR}/src/export/console_exporter.cpp
          ${PROJECT_SOURCE_DIR}/src/core/ring.cpp ${PROJECT_SOURCE_DIR}/src/otlp/encode.cpp
          ${PROJECT_SOURCE_DIR}/src/core/severity.cpp ${PROJECT_SOURCE_DIR}/src/core/status.cpp ${PROJECT_SOURCE_DIR}/port/fake/port_fake.cpp ${_proto_c}
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

# ---- the parsers of issue 13: network-facing receiver code, configuration, the bridge ----
# Ten seconds each in CI (nine targets: 90 s of CPU, about 45 s at ctest -j2); tools/fuzz.sh
# runs them for as long as asked.
set(_src ${PROJECT_SOURCE_DIR}/src)
set(_fuzz_seconds 10)
tracelet_add_fuzz_target(url_fuzz
  SOURCES ${_src}/export/url.cpp ${_src}/export/otlp_http.cpp ${_src}/export/http_request.cpp
          ${_src}/export/http_response.cpp ${_src}/otlp/response.cpp ${PROJECT_SOURCE_DIR}/port/fake/port_fake.cpp
          ${_proto_c}
  LIBS tracelet_test_modules tracelet_port_fake SECONDS ${_fuzz_seconds})
tracelet_add_fuzz_target(otlp_answer_fuzz
  SOURCES ${_src}/export/otlp_http.cpp ${_src}/export/http_request.cpp ${_src}/export/http_response.cpp
          ${_src}/otlp/response.cpp ${PROJECT_SOURCE_DIR}/port/fake/port_fake.cpp ${_proto_c}
  LIBS tracelet_test_modules tracelet_port_fake SECONDS ${_fuzz_seconds})
tracelet_add_fuzz_target(sampling_rules_fuzz
  SOURCES ${_src}/sampling/sampling_rules_json.cpp ${_src}/sampling/rule_sampler.cpp
          ${_src}/sampling/samplers.cpp ${_src}/core/sampler.cpp ${_src}/core/text.cpp
  LIBS tracelet_test_modules tracelet_port_fake LABELS sampling SECONDS ${_fuzz_seconds})
tracelet_add_fuzz_target(env_config_fuzz
  SOURCES ${_src}/config/env_config.cpp ${_src}/export/url.cpp ${_src}/export/log.cpp
          ${_src}/sampling/samplers.cpp ${_src}/core/sampler.cpp ${_src}/core/text.cpp ${_src}/core/status.cpp
  LIBS tracelet_test_modules tracelet_port_fake LABELS config SECONDS ${_fuzz_seconds})

# tools/: the receiver's parsers (a library of their own) and the bridge's reading side.
if(TARGET tracelet_receiver_parsers)
  find_package(ZLIB)
  set(_receiver ${PROJECT_SOURCE_DIR}/tools/receiver)
  if(ZLIB_FOUND)
    set(_zlib_def TRACELET_RECEIVER_HAVE_ZLIB=1)
    set(_zlib_link -lz)
  else()
    set(_zlib_def TRACELET_RECEIVER_HAVE_ZLIB=0)
    set(_zlib_link "")
  endif()
  tracelet_add_fuzz_target(receiver_head_fuzz
    SOURCES ${_receiver}/http.cpp
    LIBS tracelet_receiver_parsers INCLUDES ${_receiver} LABELS receiver SECONDS ${_fuzz_seconds})
  tracelet_add_fuzz_target(receiver_chunked_fuzz
    SOURCES ${_receiver}/chunked_decoder.cpp ${_receiver}/http.cpp
    LIBS tracelet_receiver_parsers INCLUDES ${_receiver} LABELS receiver SECONDS ${_fuzz_seconds})
  if(ZLIB_FOUND)  # the target compresses bodies itself
    tracelet_add_fuzz_target(receiver_content_fuzz
      SOURCES ${_receiver}/content_coding.cpp ${_receiver}/http.cpp
      LIBS tracelet_receiver_parsers INCLUDES ${_receiver} DEFINES ${_zlib_def} LINK ${_zlib_link}
      LABELS receiver SECONDS ${_fuzz_seconds})
  endif()
  tracelet_add_fuzz_target(receiver_otlp_fuzz
    SOURCES ${_receiver}/otlp_decode.cpp ${_receiver}/report.cpp ${_proto_c}
    LIBS tracelet_receiver_parsers INCLUDES ${_receiver} LABELS receiver SECONDS ${_fuzz_seconds})
  # POST /v1/logs bodies: the logs decoder and the logs printout and JSON Lines.
  tracelet_add_fuzz_target(receiver_logs_fuzz
    SOURCES ${_receiver}/otlp_decode.cpp ${_receiver}/report.cpp ${_proto_c}
    LIBS tracelet_receiver_parsers INCLUDES ${_receiver} LABELS receiver logs SECONDS ${_fuzz_seconds})
endif()
if(TARGET tracelet_bridge_lib AND NOT CMAKE_CROSSCOMPILING)
  set(_bridge ${PROJECT_SOURCE_DIR}/tools/bridge)
  # Without forwarder.cpp: the target brings its own collector side.
  set(_bridge_reading ${_bridge}/bridge.cpp ${_bridge}/input.cpp ${_bridge}/link_monitor.cpp)
  tracelet_add_fuzz_target(bridge_fuzz
    SOURCES ${_bridge_reading} ${_src}/export/serial_frame.cpp ${_src}/net/net_connector.cpp
            ${_src}/net/tls_client.cpp ${PROJECT_SOURCE_DIR}/port/posix/port_posix.cpp
            ${PROJECT_SOURCE_DIR}/port/posix/clock_posix.cpp ${PROJECT_SOURCE_DIR}/port/posix/tcp_posix.cpp
    REPLAY_SOURCES ${_bridge_reading}
    LIBS tracelet_test_modules tracelet_port_posix INCLUDES ${_bridge}
    LINK -lmbedtls -lmbedx509 -lmbedcrypto -lpthread
    LABELS serial SECONDS ${_fuzz_seconds})
endif()

# AWS: the X-Amzn-Trace-Id parser with the W3C one it is combined with, and SigV4's request
# canonicalisation (its SHA-256 comes from Mbed TLS's crypto library, linked by path).
tracelet_add_fuzz_target(xray_header_fuzz
  SOURCES ${PROJECT_SOURCE_DIR}/src/context/xray_propagation.cpp ${PROJECT_SOURCE_DIR}/src/context/propagation.cpp
          ${PROJECT_SOURCE_DIR}/src/core/text.cpp
  LIBS tracelet_test_modules tracelet_port_fake LABELS propagation SECONDS ${_fuzz_seconds})
if(TARGET tracelet_aws AND TRACELET_MBEDCRYPTO_LIBRARY)
  tracelet_add_fuzz_target(sigv4_canonical_fuzz
    SOURCES ${PROJECT_SOURCE_DIR}/src/aws/sigv4.cpp ${PROJECT_SOURCE_DIR}/src/export/log.cpp
            ${PROJECT_SOURCE_DIR}/src/export/http_response.cpp ${PROJECT_SOURCE_DIR}/src/core/status.cpp
            ${PROJECT_SOURCE_DIR}/port/fake/port_fake.cpp ${TRACELET_MBEDCRYPTO_LIBRARY}
    LIBS tracelet_test_modules tracelet_port_fake LABELS aws SECONDS ${_fuzz_seconds})
endif()

# Remote sampling: the streaming readers of the X-Ray sampling API's JSON answers.
if(TARGET tracelet_xray_sampling)
  tracelet_add_fuzz_target(sampling_answer_fuzz
    SOURCES ${_src}/xray_sampling/json_stream.cpp ${_src}/xray_sampling/sampling_answer.cpp
            ${_src}/sampling/rule_sampler.cpp ${_src}/sampling/samplers.cpp ${_src}/core/sampler.cpp
            ${_src}/core/text.cpp
    LIBS tracelet_test_modules tracelet_port_fake LABELS sampling SECONDS ${_fuzz_seconds})
endif()

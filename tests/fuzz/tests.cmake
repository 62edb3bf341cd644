# Fuzz targets for every parser of untrusted bytes (the traceparent one lives in
# propagation.cmake): HTTP responses + OTLP response bodies, and ring records.
# Each target is built twice: a replay program (any compiler, corpus + deterministic
# mutations, always run) and, with a libFuzzer-capable clang (see propagation.cmake), a
# coverage-guided libFuzzer+ASan+UBSan run bounded in time.

# tracelet_add_fuzz_target(<name> SOURCES <core sources for the clang build> LIBS <targets>)
function(tracelet_add_fuzz_target name)
  cmake_parse_arguments(F "" "" "SOURCES;LIBS" ${ARGN})
  set(entry ${CMAKE_CURRENT_SOURCE_DIR}/fuzz/${name}.cpp)
  set(corpus ${CMAKE_CURRENT_SOURCE_DIR}/fuzz/corpus/${name})
  add_executable(${name}_replay ${entry} fuzz/replay_main.cpp)
  target_include_directories(${name}_replay PRIVATE ${PROJECT_SOURCE_DIR}/src)
  target_compile_options(${name}_replay PRIVATE ${TRACELET_STRICT_FLAGS})
  target_link_libraries(${name}_replay PRIVATE ${F_LIBS})
  add_test(NAME ${name}_replay COMMAND ${name}_replay -mutations=300 ${corpus})
  set_tests_properties(${name}_replay PROPERTIES LABELS "fuzz")

  if(NOT CMAKE_CROSSCOMPILING AND TRACELET_FUZZ_CXX_WORKS)
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
    add_custom_command(
      OUTPUT ${bin}
      COMMAND ${TRACELET_FUZZ_CXX} -std=c++17 -g -O1 -fno-exceptions -fno-rtti
              -fsanitize=fuzzer,address,undefined -fno-sanitize-recover=all
              -I${PROJECT_SOURCE_DIR}/include -I${PROJECT_SOURCE_DIR}/src -I${TRACELET_PROTO_OUT}
              ${entry} ${cxx_sources} -x c++ ${c_sources} -x none -lprotobuf-nanopb -o ${bin}
      DEPENDS ${entry} ${F_SOURCES} tracelet_otlp_proto
      COMMENT "clang++ -fsanitize=fuzzer,address,undefined: ${name}"
      VERBATIM)
    add_custom_target(${name} ALL DEPENDS ${bin})
    set(work ${CMAKE_CURRENT_BINARY_DIR}/fuzz-corpus/${name})
    set(artifacts ${CMAKE_CURRENT_BINARY_DIR}/fuzz-artifacts)
    file(MAKE_DIRECTORY ${work} ${artifacts})
    add_test(NAME ${name}_libfuzzer
             COMMAND ${bin} -max_total_time=20 -timeout=10 -rss_limit_mb=2048
                     -print_final_stats=1 -artifact_prefix=${artifacts}/ ${work} ${corpus})
    set_tests_properties(${name}_libfuzzer PROPERTIES LABELS "fuzz" TIMEOUT 120)
  endif()
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

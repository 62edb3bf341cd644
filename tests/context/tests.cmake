# W3C Trace Context propagation and samplers (src/context/propagation.cpp, src/sampler.cpp,
# src/sampling_rules_json.cpp, all part of tracelet_test_modules).

tracelet_add_test(propagation_test
  SOURCES ${CMAKE_CURRENT_SOURCE_DIR}/propagation_test.cpp
  LIBS tracelet_test_modules tracelet_port_fake
  LABELS propagation)

tracelet_add_test(sampler_test
  SOURCES ${CMAKE_CURRENT_SOURCE_DIR}/sampler_test.cpp
  LIBS tracelet_test_modules tracelet_port_fake
  LABELS propagation)

tracelet_add_test(sampling_rules_test
  SOURCES ${CMAKE_CURRENT_SOURCE_DIR}/sampling_rules_test.cpp
  LIBS tracelet_test_modules tracelet_port_fake
  LABELS propagation)

# ---- fuzz target: traceparent + tracestate parse/format round trip --------------------------
set(_tp_fuzz_src ${CMAKE_CURRENT_SOURCE_DIR}/fuzz/traceparent_fuzz.cpp)
set(_tp_fuzz_seeds ${CMAKE_CURRENT_SOURCE_DIR}/fuzz/corpus/traceparent)

# Always built: the same fuzz entry point behind the shared replay driver (as in fuzz.cmake),
# compiled by the project's compiler, run over the seed corpus plus deterministic mutations.
add_executable(traceparent_fuzz_replay ${_tp_fuzz_src}
               ${CMAKE_CURRENT_SOURCE_DIR}/fuzz/replay_main.cpp)
target_compile_options(traceparent_fuzz_replay PRIVATE ${TRACELET_STRICT_FLAGS})
target_link_libraries(traceparent_fuzz_replay PRIVATE tracelet_test_modules tracelet_port_fake)
add_test(NAME traceparent_fuzz_replay COMMAND traceparent_fuzz_replay -mutations=300 ${_tp_fuzz_seeds})
set_tests_properties(traceparent_fuzz_replay PROPERTIES LABELS "propagation;fuzz")

# With a clang++ that can link libFuzzer, ASan and UBSan (Debian: clang + libclang-rt-14-dev):
# a real coverage-guided run, bounded to 20 s. It is built by a custom command because CMake
# uses one C++ compiler per project.
if(NOT CMAKE_CROSSCOMPILING)
  if(TRACELET_FUZZ_CXX_WORKS)
    set(_tp_fuzz_bin ${CMAKE_CURRENT_BINARY_DIR}/traceparent_fuzz)
    set(_tp_fuzz_defs "")
    if(TRACELET_CONFIG_FILE)
      list(APPEND _tp_fuzz_defs -DTRACELET_CONFIG_FILE="${TRACELET_CONFIG_FILE}")
    endif()
    file(GLOB _tp_fuzz_headers CONFIGURE_DEPENDS ${PROJECT_SOURCE_DIR}/include/tracelet/*.h)
    # propagation.cpp and the shared text helpers it uses (src/core/text.h).
    set(_tp_fuzz_core ${PROJECT_SOURCE_DIR}/src/context/propagation.cpp ${PROJECT_SOURCE_DIR}/src/core/text.cpp)
    add_custom_command(
      OUTPUT ${_tp_fuzz_bin}
      COMMAND ${TRACELET_FUZZ_CXX} -std=c++17 -g -O1 -fno-exceptions -fno-rtti
              -fsanitize=fuzzer,address,undefined -fno-sanitize-recover=all
              ${TRACELET_STRICT_FLAGS} ${_tp_fuzz_defs} -I${PROJECT_SOURCE_DIR}/include
              -I${PROJECT_SOURCE_DIR}/src ${_tp_fuzz_src} ${_tp_fuzz_core} -o ${_tp_fuzz_bin}
      DEPENDS ${_tp_fuzz_src} ${_tp_fuzz_core} ${PROJECT_SOURCE_DIR}/src/core/text.h
              ${_tp_fuzz_headers}
      COMMENT "clang++ -fsanitize=fuzzer,address,undefined: traceparent_fuzz"
      VERBATIM)
    add_custom_target(traceparent_fuzz ALL DEPENDS ${_tp_fuzz_bin})
    # New inputs go to the build tree; the committed seeds are only read.
    set(_tp_fuzz_work ${CMAKE_CURRENT_BINARY_DIR}/fuzz-corpus/traceparent)
    set(_tp_fuzz_artifacts ${CMAKE_CURRENT_BINARY_DIR}/fuzz-artifacts)
    file(MAKE_DIRECTORY ${_tp_fuzz_work} ${_tp_fuzz_artifacts})
    add_test(NAME traceparent_fuzz_libfuzzer
             COMMAND ${_tp_fuzz_bin} -max_total_time=20 -timeout=10 -rss_limit_mb=2048
                     -print_final_stats=1 -artifact_prefix=${_tp_fuzz_artifacts}/
                     ${_tp_fuzz_work} ${_tp_fuzz_seeds})
    set_tests_properties(traceparent_fuzz_libfuzzer PROPERTIES LABELS "propagation;fuzz" TIMEOUT 120)
  endif()
endif()

# Benchmarks (Google Benchmark): built with the tests, run by tools/bench.sh, never timed in
# CTest. CTest runs each once briefly (group `bench`), so a broken benchmark fails CI.
find_package(benchmark QUIET)
if(NOT benchmark_FOUND)
  list(APPEND TRACELET_TESTS_LEFT_OUT "bench (needs Google Benchmark: apt-get install -y libbenchmark-dev)")
  return()
endif()
# tracelet_add_bench(NAME [LIBS ...] [LABELS ...]): NAME.cpp built against the test modules and
# Google Benchmark (with `LIBS` before them), and its brief CTest run NAME_smoke labelled
# `bench` and `LABELS`.
function(tracelet_add_bench name)
  cmake_parse_arguments(ARG "" "" "LIBS;LABELS" ${ARGN})
  list(PREPEND ARG_LABELS bench)
  add_executable(${name} ${CMAKE_CURRENT_FUNCTION_LIST_DIR}/${name}.cpp)
  target_link_libraries(${name} PRIVATE ${ARG_LIBS} tracelet_test_modules tracelet_port_posix
                                        benchmark::benchmark Threads::Threads)
  target_include_directories(${name} PRIVATE ${PROJECT_SOURCE_DIR}/src)
  target_compile_options(${name} PRIVATE ${TRACELET_STRICT_FLAGS})
  add_test(NAME ${name}_smoke COMMAND ${name} --benchmark_min_time=0.01)
  set_tests_properties(${name}_smoke PROPERTIES LABELS "${ARG_LABELS}")
endfunction()

tracelet_add_bench(span_bench)
tracelet_add_bench(encode_bench)

# Producer tail latency (p50..p99.99, max of start+end) with more producers than cores, and
# the 1-vs-2-thread scaling of recording (--scaling). Smoke run: counters must add up.
add_executable(producer_latency ${CMAKE_CURRENT_LIST_DIR}/producer_latency.cpp)
target_link_libraries(producer_latency PRIVATE tracelet_test_modules tracelet_port_posix Threads::Threads)
target_compile_options(producer_latency PRIVATE ${TRACELET_STRICT_FLAGS})
add_test(NAME producer_latency_smoke COMMAND producer_latency --seconds 0.2)
set_tests_properties(producer_latency_smoke PROPERTIES LABELS bench)

# Sustained export over TLS on loopback, against a tracelet-receiver.
if(TARGET tracelet_net_test_support)
  add_executable(export_bench ${CMAKE_CURRENT_LIST_DIR}/export_bench.cpp)
  target_link_libraries(export_bench PRIVATE tracelet_test_modules tracelet_net_test_support benchmark::benchmark)
  target_include_directories(export_bench PRIVATE ${PROJECT_SOURCE_DIR}/src)
  target_compile_options(export_bench PRIVATE ${TRACELET_STRICT_FLAGS})
  add_test(NAME export_bench_smoke COMMAND export_bench --benchmark_min_time=0.01)
  set_tests_properties(export_bench_smoke PROPERTIES LABELS "bench;net")
endif()

# The receiver's decoding and JSON Lines per span, against copying the same request bytes.
if(TARGET tracelet_receiver_parsers)
  tracelet_add_bench(receiver_bench LIBS tracelet_receiver_parsers LABELS receiver)
endif()

# CPU and bytes per span of gzip bodies against the uncompressed encoding (the floor).
if(TARGET tracelet_gzip)
  tracelet_add_bench(gzip_bench LIBS tracelet_gzip)
endif()

# The receiver's SQLite store: spans/s committed, next to the receiver's answers without it.
if(TARGET tracelet_net_test_support AND TARGET tracelet_receiver_store AND NOT CMAKE_CROSSCOMPILING)
  add_executable(store_bench ${CMAKE_CURRENT_LIST_DIR}/store_bench.cpp)
  target_link_libraries(store_bench PRIVATE tracelet_receiver_store tracelet_net_test_support benchmark::benchmark)
  target_compile_options(store_bench PRIVATE ${TRACELET_STRICT_FLAGS})
  add_test(NAME store_bench_smoke COMMAND store_bench --benchmark_min_time=0.01)
  set_tests_properties(store_bench_smoke PROPERTIES LABELS "bench;net;store")
endif()

# CPU per span of SigV4-signed bodies (an extra hashing pass plus the signature) against
# unsigned ones (the floor), in the same run.
if(TARGET tracelet_aws)
  tracelet_add_bench(sigv4_bench LABELS aws)
endif()

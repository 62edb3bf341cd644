# Benchmarks (Google Benchmark): built with the tests, run by tools/bench.sh, never timed in CTest.
find_package(benchmark REQUIRED)
foreach(bench span_bench encode_bench)
  add_executable(${bench} bench/${bench}.cpp)
  target_link_libraries(${bench} PRIVATE tracelet_test_modules tracelet_port_posix benchmark::benchmark Threads::Threads)
  target_include_directories(${bench} PRIVATE ${PROJECT_SOURCE_DIR}/src)
  target_compile_options(${bench} PRIVATE ${TRACELET_STRICT_FLAGS})
endforeach()
# Smoke run in CTest: each benchmark runs once briefly, so a broken benchmark fails CI.
add_test(NAME span_bench_smoke COMMAND span_bench --benchmark_min_time=0.01)
set_tests_properties(span_bench_smoke PROPERTIES LABELS bench)
add_test(NAME encode_bench_smoke COMMAND encode_bench --benchmark_min_time=0.01)
set_tests_properties(encode_bench_smoke PROPERTIES LABELS bench)

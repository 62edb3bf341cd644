# CPU and bytes per span of gzip bodies against the uncompressed encoding (the floor), on
# boards/demo/sensor_node-like spans. Run: build/x/tests/gzip_bench; CTest only smoke-runs it.
find_package(benchmark)
if(TARGET tracelet_gzip AND TARGET benchmark::benchmark)
  add_executable(gzip_bench bench/gzip_bench.cpp)
  target_link_libraries(gzip_bench PRIVATE tracelet_gzip tracelet_test_modules tracelet_port_posix
                                           benchmark::benchmark Threads::Threads)
  target_include_directories(gzip_bench PRIVATE ${PROJECT_SOURCE_DIR}/src)
  target_compile_options(gzip_bench PRIVATE ${TRACELET_STRICT_FLAGS})
  add_test(NAME gzip_bench_smoke COMMAND gzip_bench --benchmark_min_time=0.01)
  set_tests_properties(gzip_bench_smoke PROPERTIES LABELS bench)
endif()

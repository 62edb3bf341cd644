# The exporter end to end against the local receiver over TLS (needs tests/net.cmake's
# support library, hence a file that sorts after net.cmake).
if(TARGET tracelet_net_test_support)
  tracelet_add_test(exporter_e2e_test SOURCES exporter_e2e_test.cpp
                    LIBS tracelet_test_modules tracelet_net_test_support LABELS net)
endif()

# Sustained export over TLS on loopback (tools/bench.sh runs it; CTest runs it once, briefly).
if(TARGET tracelet_net_test_support AND TARGET benchmark::benchmark)
  add_executable(export_bench bench/export_bench.cpp)
  target_link_libraries(export_bench PRIVATE tracelet_test_modules tracelet_net_test_support benchmark::benchmark)
  target_compile_options(export_bench PRIVATE ${TRACELET_STRICT_FLAGS})
  add_test(NAME export_bench_smoke COMMAND export_bench --benchmark_min_time=0.01)
  set_tests_properties(export_bench_smoke PROPERTIES LABELS "bench;net")
endif()

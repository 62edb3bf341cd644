# The demo device with sampling rules from a JSON file (Linux), run whole (group e2e).
if(TARGET sensor_node AND NOT CMAKE_CROSSCOMPILING)
  add_test(NAME demo_sampling_rules_file
           COMMAND ${CMAKE_COMMAND} -DDEMO=$<TARGET_FILE:sensor_node>
                   -DRULES=${CMAKE_CURRENT_LIST_DIR}/sampling_rules.json
                   -P ${CMAKE_CURRENT_LIST_DIR}/run_sampling_rules.cmake)
  set_tests_properties(demo_sampling_rules_file PROPERTIES LABELS "e2e;demo;sampling" TIMEOUT 90)
endif()

# The demo honours OTEL_TRACES_EXPORTER (none, console, otlp,console): sensor_node run with each
# value, the otlp one against a plain-HTTP tracelet-receiver the test starts and stops by PID.
if(TARGET sensor_node AND TARGET tracelet-receiver AND TARGET tracelet_net_test_support AND
   NOT CMAKE_CROSSCOMPILING)
  tracelet_add_test(demo_traces_exporter_test SOURCES ${CMAKE_CURRENT_LIST_DIR}/demo_traces_exporter_test.cpp
                    LIBS tracelet_net_test_support GROUP e2e LABELS demo net)
  target_compile_definitions(demo_traces_exporter_test PRIVATE
    TRACELET_DEMO_SENSOR_NODE="$<TARGET_FILE:sensor_node>")
  add_dependencies(demo_traces_exporter_test sensor_node tracelet-receiver)
endif()

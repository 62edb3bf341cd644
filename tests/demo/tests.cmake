# The demo device with sampling rules from a JSON file (Linux), end to end.
if(TARGET sensor_node AND NOT CMAKE_CROSSCOMPILING)
  add_test(NAME demo_sampling_rules_file
           COMMAND ${CMAKE_COMMAND} -DDEMO=$<TARGET_FILE:sensor_node>
                   -DRULES=${CMAKE_CURRENT_SOURCE_DIR}/demo/sampling_rules.json
                   -P ${CMAKE_CURRENT_SOURCE_DIR}/demo/run_sampling_rules.cmake)
  set_tests_properties(demo_sampling_rules_file PROPERTIES LABELS "demo;sampling" TIMEOUT 90)
endif()

# The demo device with sampling rules from a JSON file (Linux), run whole (group e2e).
if(TARGET sensor_node AND NOT CMAKE_CROSSCOMPILING)
  add_test(NAME demo_sampling_rules_file
           COMMAND ${CMAKE_COMMAND} -DDEMO=$<TARGET_FILE:sensor_node>
                   -DRULES=${CMAKE_CURRENT_LIST_DIR}/sampling_rules.json
                   -P ${CMAKE_CURRENT_LIST_DIR}/run_sampling_rules.cmake)
  set_tests_properties(demo_sampling_rules_file PROPERTIES LABELS "e2e;demo;sampling" TIMEOUT 90)
endif()

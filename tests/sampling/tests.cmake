# Sampling (src/sampling/): the samplers, the rule sampler and its JSON rules.
tracelet_add_test(sampler_test SOURCES ${CMAKE_CURRENT_LIST_DIR}/sampler_test.cpp
                  LIBS tracelet_test_modules tracelet_port_fake LABELS sampling)
tracelet_add_test(sampling_rules_test SOURCES ${CMAKE_CURRENT_LIST_DIR}/sampling_rules_test.cpp
                  LIBS tracelet_test_modules tracelet_port_fake LABELS sampling)

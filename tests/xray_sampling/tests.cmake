# Remote sampling rules from the X-Ray sampling API (src/xray_sampling/): the streaming answer
# readers, the sampler over a simulated clock (quota, borrow, default rule when the service is
# down: a refused connection on 127.0.0.1), and an end-to-end run against a local server
# (tests/xray_sampling/sampling_service.js) that plays the API, started and stopped by PID.
if(NOT TARGET tracelet_xray_sampling)
  return()
endif()
set(_xs_dir ${CMAKE_CURRENT_LIST_DIR})
tracelet_add_test(sampling_answer_test SOURCES ${_xs_dir}/sampling_answer_test.cpp
                  LIBS tracelet_test_modules tracelet_port_fake LABELS sampling)
if(TARGET tracelet_port_posix)
  tracelet_add_net_test(remote_sampler_test SOURCES ${_xs_dir}/remote_sampler_test.cpp
                        LIBS tracelet_test_modules tracelet_port_posix LABELS sampling net)
endif()
if(TRACELET_NODE AND TARGET tracelet_port_posix AND TARGET tracelet_net_test_support)
  tracelet_add_net_test(xray_sampling_e2e_test SOURCES ${_xs_dir}/xray_sampling_e2e_test.cpp
                        LIBS tracelet_test_modules tracelet_net_test_support GROUP e2e LABELS sampling net
                        DEFINITIONS TRACELET_XS_NODE="${TRACELET_NODE}"
                                    TRACELET_XS_SERVICE_JS="${_xs_dir}/sampling_service.js")
endif()
if(TARGET tracelet_port_posix AND TARGET tracelet_net_test_support AND TARGET tracelet_aws)
  tracelet_add_net_test(receiver_sampling_api_test SOURCES ${_xs_dir}/receiver_sampling_api_test.cpp
                        LIBS tracelet_test_modules tracelet_net_test_support GROUP e2e LABELS sampling net aws)
endif()
if(TARGET tracelet_port_posix)
  tracelet_add_net_test(remote_sampler_stress_test SOURCES ${_xs_dir}/remote_sampler_stress_test.cpp
                        LIBS tracelet_test_modules tracelet_port_posix LABELS sampling concurrency)
endif()
if(TRACELET_NODE AND TARGET sensor_node AND TARGET tracelet_net_test_support AND NOT CMAKE_CROSSCOMPILING)
  tracelet_add_test(demo_remote_sampling_test SOURCES ${_xs_dir}/demo_remote_sampling_test.cpp
                    LIBS tracelet_net_test_support GROUP e2e LABELS demo sampling
                    DEFINITIONS TRACELET_XS_NODE="${TRACELET_NODE}"
                                TRACELET_XS_SERVICE_JS="${_xs_dir}/sampling_service.js"
                                TRACELET_DEMO_SENSOR_NODE="$<TARGET_FILE:sensor_node>")
  add_dependencies(demo_remote_sampling_test sensor_node)
endif()

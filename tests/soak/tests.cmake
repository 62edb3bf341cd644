# The soak (tools/soak.sh MINUTES): producers at a steady rate into a file-backed ring, the
# real exporter over TLS to tracelet-receiver, both killed with SIGKILL and restarted at
# random intervals, then every span accounted for. Its two programs are built here; CTest
# runs one minute of it (soak_1min), the script runs as long as asked.
if(NOT (TARGET tracelet-receiver AND TARGET tracelet_net AND TARGET tracelet_port_posix)
   OR CMAKE_CROSSCOMPILING)
  return()  # tests/support/support.cmake reports e2e as left out without the receiver
endif()
set(_dir ${CMAKE_CURRENT_LIST_DIR})

# One run of the producing process: threads + Tracer on a FileRing + Exporter/NetConnector.
add_executable(tracelet_soak_producer ${_dir}/soak_producer.cpp)
target_link_libraries(tracelet_soak_producer PRIVATE tracelet_net tracelet_test_modules tracelet_port_posix
                                                     Threads::Threads)
target_compile_options(tracelet_soak_producer PRIVATE ${TRACELET_STRICT_FLAGS})

# The verdict: every recorded span delivered or counted, duplicates within their bound.
add_executable(tracelet_soak_check ${_dir}/soak_check.cpp)
target_compile_options(tracelet_soak_check PRIVATE ${TRACELET_STRICT_FLAGS})
target_compile_features(tracelet_soak_check PRIVATE cxx_std_17)

add_test(NAME soak_1min
         COMMAND ${CMAKE_COMMAND} -DSCRIPT=${PROJECT_SOURCE_DIR}/tools/soak.sh
                 -DPRODUCER=$<TARGET_FILE:tracelet_soak_producer> -DCHECK=$<TARGET_FILE:tracelet_soak_check>
                 -DRECEIVER=$<TARGET_FILE:tracelet-receiver> -DWORK=${CMAKE_CURRENT_BINARY_DIR}/soak_1min
                 -P ${_dir}/run_soak.cmake)
# About 60 s of soak plus the final flush and the check; the script bounds itself too.
set_tests_properties(soak_1min PROPERTIES LABELS "e2e;soak;net" TIMEOUT 300)

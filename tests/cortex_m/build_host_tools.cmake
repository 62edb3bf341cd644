# cmake -DSOURCE_DIR=<tracelet> -DBUILD_DIR=<host build> -P build_host_tools.cmake
# Configures BUILD_DIR as a native host build if it is not one yet, then builds the host side
# of the Cortex-M serial end-to-end test. Run by the cm_serial_host_tools CTest fixture.
if(NOT EXISTS "${BUILD_DIR}/CMakeCache.txt")
  message(STATUS "configuring the host build ${BUILD_DIR}")
  # No toolchain file: the host's own compilers, whatever the calling build cross-compiles to.
  execute_process(COMMAND ${CMAKE_COMMAND} -S ${SOURCE_DIR} -B ${BUILD_DIR}
                          -DCMAKE_BUILD_TYPE=RelWithDebInfo
                  RESULT_VARIABLE rc)
  if(NOT rc EQUAL 0)
    message(FATAL_ERROR "configuring the host build ${BUILD_DIR} failed (exit ${rc}). It needs the "
                        "host packages of tools/install-deps.sh (libmbedtls-dev, libgtest-dev, nanopb).")
  endif()
endif()
execute_process(COMMAND ${CMAKE_COMMAND} --build ${BUILD_DIR} -j 2
                        --target tracelet-bridge tracelet-receiver serial_cm4_e2e_test
                RESULT_VARIABLE rc)
if(NOT rc EQUAL 0)
  message(FATAL_ERROR "building tracelet-bridge, tracelet-receiver and serial_cm4_e2e_test in "
                      "${BUILD_DIR} failed (exit ${rc})")
endif()

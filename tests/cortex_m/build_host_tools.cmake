# cmake -DSOURCE_DIR=<tracelet> -DBUILD_DIR=<host build> -P build_host_tools.cmake
# Configures BUILD_DIR as a native host build if it is not one yet, then builds the host side
# of the Cortex-M serial and TLS end-to-end tests. Run by the cm_serial_host_tools CTest fixture.
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
else()
  # An existing tree is configured again first: a make run that regenerates its own build
  # files mid-way does not know targets added since (it read the old Makefile).
  execute_process(COMMAND ${CMAKE_COMMAND} ${BUILD_DIR} RESULT_VARIABLE rc OUTPUT_QUIET)
  if(NOT rc EQUAL 0)
    message(FATAL_ERROR "configuring the host build ${BUILD_DIR} again failed (exit ${rc})")
  endif()
endif()
execute_process(COMMAND ${CMAKE_COMMAND} --build ${BUILD_DIR} -j 2
                        --target tracelet-bridge tracelet-receiver serial_cm4_e2e_test
                                 tls_cm4_e2e_test guestfwd_connector
                RESULT_VARIABLE rc)
if(NOT rc EQUAL 0)
  message(FATAL_ERROR "building tracelet-bridge, tracelet-receiver, serial_cm4_e2e_test, tls_cm4_e2e_test and guestfwd_connector in "
                      "${BUILD_DIR} failed (exit ${rc})")
endif()

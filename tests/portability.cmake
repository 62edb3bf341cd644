# STYLE C1: no OS, architecture or compiler #if in src/ or include/ (a scan, run as a test),
# and a self-test that plants each platform macro in a scratch tree and expects the scan to
# catch it, so a broken pattern cannot pass silently. Group unit: they need nothing but CMake.
add_test(NAME portability_no_platform_ifs
         COMMAND ${CMAKE_COMMAND} -DSOURCE_DIR=${PROJECT_SOURCE_DIR}
                 -P ${CMAKE_CURRENT_LIST_DIR}/portability_check.cmake)
add_test(NAME portability_check_selftest
         COMMAND ${CMAKE_COMMAND} -DSELF_TEST_DIR=${CMAKE_CURRENT_BINARY_DIR}
                 -P ${CMAKE_CURRENT_LIST_DIR}/portability_check.cmake)
set_tests_properties(portability_no_platform_ifs portability_check_selftest
                     PROPERTIES LABELS "unit;style")

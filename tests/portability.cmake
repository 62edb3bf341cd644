# STYLE C1: no OS or architecture #if in src/ or include/ (a grep, run as a test). Group unit:
# it needs nothing but CMake and takes milliseconds.
add_test(NAME core_has_no_platform_ifs
         COMMAND ${CMAKE_COMMAND} -DSOURCE_DIR=${PROJECT_SOURCE_DIR}
                 -P ${CMAKE_CURRENT_SOURCE_DIR}/portability_check.cmake)
set_tests_properties(core_has_no_platform_ifs PROPERTIES LABELS "unit;style")

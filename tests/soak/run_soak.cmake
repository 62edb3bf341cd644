# soak_1min: runs tools/soak.sh 1 with this build's programs and checks its exit status and
# that its totals line says nothing was lost.
execute_process(COMMAND ${CMAKE_COMMAND} -E env TRACELET_SOAK_PRODUCER=${PRODUCER}
                        TRACELET_SOAK_CHECK=${CHECK} TRACELET_RECEIVER=${RECEIVER} TRACELET_SOAK_WORK=${WORK}
                        bash ${SCRIPT} 1
                OUTPUT_VARIABLE out ERROR_VARIABLE err RESULT_VARIABLE rc TIMEOUT 280)
message("${out}")
if(NOT rc EQUAL 0)
  message(FATAL_ERROR "tools/soak.sh 1 exited ${rc}\n${err}")
endif()
string(REGEX MATCH "totals: recorded=([0-9]+) delivered=([0-9]+) dropped=([0-9]+) lost=([0-9-]+) " totals "${out}")
if(NOT totals)
  message(FATAL_ERROR "no totals line in the output of tools/soak.sh 1\n${err}")
endif()
if(NOT CMAKE_MATCH_4 STREQUAL "0")
  message(FATAL_ERROR "tools/soak.sh 1 lost ${CMAKE_MATCH_4} span(s)\n${err}")
endif()
if(CMAKE_MATCH_1 EQUAL 0)
  message(FATAL_ERROR "tools/soak.sh 1 recorded nothing")
endif()
message(STATUS "soak 1 min: recorded ${CMAKE_MATCH_1}, delivered ${CMAKE_MATCH_2}, dropped ${CMAKE_MATCH_3}, lost 0")

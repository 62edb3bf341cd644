# Driver for the CTest test otlp_official_decode (cmake -P):
# runs otlp_fixture_writer into a fresh folder, then check_request.js on what it wrote, so a stale
# request.bin or expected.json from an earlier run can never be checked by mistake.
# Inputs: WRITER, OUT_DIR, NODE, CHECKER; optional EMULATOR ('|'-separated command prefix for
# cross builds, from CMAKE_CROSSCOMPILING_EMULATOR).
foreach(var WRITER OUT_DIR NODE CHECKER)
  if(NOT DEFINED ${var})
    message(FATAL_ERROR "official_decode.cmake needs -D${var}=...")
  endif()
endforeach()
set(emulator "")
if(EMULATOR)
  string(REPLACE "|" ";" emulator "${EMULATOR}")
endif()

file(REMOVE_RECURSE "${OUT_DIR}")
file(MAKE_DIRECTORY "${OUT_DIR}")
execute_process(COMMAND ${emulator} "${WRITER}" "${OUT_DIR}" RESULT_VARIABLE rc)
if(NOT rc EQUAL 0)
  message(FATAL_ERROR "otlp_fixture_writer ${OUT_DIR} failed: ${rc}")
endif()
foreach(f request.bin expected.json)
  if(NOT EXISTS "${OUT_DIR}/${f}")
    message(FATAL_ERROR "otlp_fixture_writer exited 0 but did not write ${OUT_DIR}/${f}")
  endif()
endforeach()
execute_process(COMMAND "${NODE}" "${CHECKER}" "${OUT_DIR}/request.bin" "${OUT_DIR}/expected.json"
                RESULT_VARIABLE rc)
if(NOT rc EQUAL 0)
  message(FATAL_ERROR "check_request.js rejected tracelet's request (exit ${rc}); see the lines above")
endif()

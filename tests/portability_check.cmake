# cmake -DSOURCE_DIR=<tracelet> -P portability_check.cmake
# The core stays platform-free: no OS or architecture tests in src/ or include/ (STYLE C1).
# Platform differences belong in port/<platform>/.
file(GLOB_RECURSE files "${SOURCE_DIR}/src/*.h" "${SOURCE_DIR}/src/*.cpp"
                        "${SOURCE_DIR}/include/*.h")
set(found "")
foreach(f IN LISTS files)
  file(STRINGS "${f}" lines REGEX "__linux__|_WIN32|__ARM_ARCH|__APPLE__|__unix__|__x86_64__|__aarch64__")
  foreach(line IN LISTS lines)
    list(APPEND found "${f}: ${line}")
  endforeach()
endforeach()
list(LENGTH files count)
if(found)
  list(JOIN found "\n" text)
  message(FATAL_ERROR "platform tests in the core (move them to port/):\n${text}")
endif()
message(STATUS "${count} core files checked: no OS or architecture #if")

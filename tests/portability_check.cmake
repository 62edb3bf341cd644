# The core stays platform-free: no OS, architecture or compiler tests in src/ or include/
# (STYLE C1). Platform differences belong in port/<platform>/.
#
#   cmake -DSOURCE_DIR=<tracelet> -P portability_check.cmake
#       fails, listing each hit, if a preprocessor condition (#if, #ifdef, #ifndef, #elif,
#       also continued over `\` lines, with or without defined()) in src/ or include/ names a
#       macro of tracelet_platform_macros below.
#   cmake -DSELF_TEST_DIR=<scratch dir> -P portability_check.cmake
#       proves the check: plants each macro in each directive form into a scratch tree and
#       expects a hit every time, expects no hit for look-alikes (TRACELET_ names, comments,
#       plain code), and runs the script on a planted tree expecting it to fail.

# Macros that identify an OS, architecture, C library or compiler. Each entry matches as a
# prefix of an identifier, so __ARM_ARCH also catches __ARM_ARCH_7M__ and __GNUC also
# __GNUC_MINOR__.
set(tracelet_platform_macros
    # architectures
    __arm__ __arm64 __ARM_ARCH __ARM_EABI __thumb__ __aarch64__ __x86_64 __amd64 __i386 __i686
    _M_IX86 _M_X64 _M_AMD64 _M_ARM __riscv __xtensa__ __AVR __mips __powerpc __PPC __MSP430
    # compilers
    __GNUC __clang _MSC_VER __INTEL_COMPILER __ICCARM__ __IAR_SYSTEMS __CC_ARM __ARMCC_VERSION
    __TI_COMPILER_VERSION__
    # operating systems, RTOSes and SDKs
    __linux _WIN32 _WIN64 __CYGWIN__ __MINGW __APPLE__ __MACH__ __unix __FreeBSD__ __NetBSD__
    __OpenBSD__ __DragonFly__ __ANDROID__ __EMSCRIPTEN__ __ZEPHYR__ ESP_PLATFORM
    # C libraries
    __GLIBC__ __NEWLIB__)

# Sets `out` to the list "file: directive" of platform conditions in `dir`/src and
# `dir`/include, and `count` to the number of files read.
function(tracelet_platform_ifs dir out count)
  list(JOIN tracelet_platform_macros "|" alternatives)
  set(macro_regex "(^|[^A-Za-z0-9_])(${alternatives})")
  file(GLOB_RECURSE files "${dir}/src/*.h" "${dir}/src/*.hpp" "${dir}/src/*.c"
                          "${dir}/src/*.cpp" "${dir}/include/*.h" "${dir}/include/*.hpp")
  set(found "")
  foreach(f IN LISTS files)
    file(READ "${f}" text)
    # One list element per logical line: join `\` continuations first, and take out what CMake
    # lists treat specially (; separates, [ ] group, \ escapes).
    string(REGEX REPLACE "\\\\[ \t]*\r?\n" " " text "${text}")
    string(REPLACE "\\" "/" text "${text}")
    string(REPLACE ";" "," text "${text}")
    string(REPLACE "[" "(" text "${text}")
    string(REPLACE "]" ")" text "${text}")
    string(REPLACE "\n" ";" lines "${text}")
    foreach(line IN LISTS lines)
      if(NOT line MATCHES "^[ \t]*#[ \t]*(el)?if")  # #if #ifdef #ifndef #elif #elifdef ...
        continue()
      endif()
      string(REGEX REPLACE "//.*$" "" condition "${line}")
      string(REGEX REPLACE "/\\*([^*]|\\*[^/])*\\*/" "" condition "${condition}")
      if(condition MATCHES "${macro_regex}")
        file(RELATIVE_PATH shown "${dir}" "${f}")
        string(STRIP "${line}" line)
        list(APPEND found "${shown}: ${line}")
      endif()
    endforeach()
  endforeach()
  list(LENGTH files n)
  set(${out} "${found}" PARENT_SCOPE)
  set(${count} ${n} PARENT_SCOPE)
endfunction()

# Included by tests/CMakeLists.txt's glob of area files: define the function, check nothing.
if(NOT CMAKE_SCRIPT_MODE_FILE)
  return()
endif()

if(DEFINED SELF_TEST_DIR)
  set(root "${SELF_TEST_DIR}/portability_selftest")
  file(REMOVE_RECURSE "${root}")
  set(forms "#if defined(@M@)" "#ifdef @M@" "#ifndef @M@" "#  if @M@ >= 7" "#elif defined @M@"
            "#if !defined( @M@ )" "#if TRACELET_X && \\\n    defined(@M@)")
  set(failures "")
  set(cases 0)
  foreach(macro IN LISTS tracelet_platform_macros)
    foreach(form IN LISTS forms)
      math(EXPR cases "${cases} + 1")
      string(REPLACE "@M@" "${macro}" directive "${form}")
      set(dir "${root}/case${cases}")
      file(WRITE "${dir}/include/tracelet/planted.h"
           "#pragma once\nint a[2]; // [ unbalanced\n${directive}\nint x;\n#endif\n")
      tracelet_platform_ifs("${dir}" hits n)
      list(LENGTH hits nhits)
      if(NOT nhits EQUAL 1)
        list(APPEND failures "missed (${nhits} hits): ${directive}")
      endif()
    endforeach()
  endforeach()
  # Look-alikes that must pass: project macros containing a platform name, platform names in
  # comments or code, and directives that are not conditions.
  set(clean "${root}/clean")
  file(WRITE "${clean}/src/clean.cpp"
       "#if TRACELET_WIN32_COMPAT || MY__linux__ // __linux__ in a comment\n#endif\n"
       "#if TRACELET_X /* _WIN32 */\n#endif\n"
       "#define NOTE \"__ARM_ARCH\"\n#include \"__GNUC__.h\"\n"
       "int __linux__value = 0;  // code, not a condition\n")
  tracelet_platform_ifs("${clean}" hits n)
  if(hits)
    list(APPEND failures "false positive: ${hits}")
  endif()
  # End to end: the script itself fails on a planted tree and passes on the clean one.
  execute_process(COMMAND ${CMAKE_COMMAND} -DSOURCE_DIR=${root}/case1 -P ${CMAKE_SCRIPT_MODE_FILE}
                  RESULT_VARIABLE rc OUTPUT_QUIET ERROR_QUIET)
  if(rc EQUAL 0)
    list(APPEND failures "the script passed a tree with a planted platform #if")
  endif()
  execute_process(COMMAND ${CMAKE_COMMAND} -DSOURCE_DIR=${clean} -P ${CMAKE_SCRIPT_MODE_FILE}
                  RESULT_VARIABLE rc OUTPUT_QUIET ERROR_QUIET)
  if(NOT rc EQUAL 0)
    list(APPEND failures "the script failed the clean tree")
  endif()
  file(REMOVE_RECURSE "${root}")
  if(failures)
    list(JOIN failures "\n" text)
    message(FATAL_ERROR "portability check self-test:\n${text}")
  endif()
  list(LENGTH tracelet_platform_macros nmacros)
  message(STATUS "portability check caught all ${cases} planted conditions "
                 "(${nmacros} macros) and passed the look-alikes")
  return()
endif()

if(NOT DEFINED SOURCE_DIR)
  message(FATAL_ERROR "usage: cmake -DSOURCE_DIR=<tracelet> -P portability_check.cmake")
endif()
tracelet_platform_ifs("${SOURCE_DIR}" found count)
if(count EQUAL 0)
  message(FATAL_ERROR "no files under ${SOURCE_DIR}/src or ${SOURCE_DIR}/include: wrong SOURCE_DIR?")
endif()
if(found)
  list(JOIN found "\n" text)
  message(FATAL_ERROR "platform tests in the core (move them to port/<platform>/):\n${text}")
endif()
message(STATUS "${count} core files checked: no OS, architecture or compiler #if")

# Install rules, the CMake package (find_package(tracelet CONFIG)), tracelet.pc and the .deb
# (CPack). Included from the top-level CMakeLists.txt when TRACELET_INSTALL is ON (hosted builds).
#
# Installed:  include/tracelet/...              public headers (with internal/, which they include)
#             include/tracelet/generated/...    the nanopb headers of tracelet::otlp_proto
#             lib/libtracelet_<module>.a        one archive per module, and the chosen port's
#             lib/cmake/tracelet/               tracelet-config.cmake, -config-version, -targets
#             lib/pkgconfig/tracelet.pc
# Private headers under src/ are never installed.
include(CMakePackageConfigHelpers)

# ---- the chosen port as a real archive -------------------------------------------------------
# In the build tree a port is an INTERFACE target carrying its objects (port/posix). An install
# needs a file: tracelet_port archives the same objects as libtracelet_port_<name>.a, exported
# as tracelet::port_<name>. tracelet::tracelet lists it after every module, so one pass of a
# static link resolves the modules' calls into it.
if(NOT TARGET tracelet_port_${TRACELET_PORT}_objects)
  message(FATAL_ERROR "TRACELET_INSTALL: port/${TRACELET_PORT} has no object library "
                      "tracelet_port_${TRACELET_PORT}_objects to install.\n"
                      "Configure with -DTRACELET_INSTALL=OFF, or give the port one as port/posix does.")
endif()
add_library(tracelet_port STATIC $<TARGET_OBJECTS:tracelet_port_${TRACELET_PORT}_objects>)
set_target_properties(tracelet_port PROPERTIES
  OUTPUT_NAME tracelet_port_${TRACELET_PORT}
  EXPORT_NAME port_${TRACELET_PORT}
  LINKER_LANGUAGE CXX)
target_include_directories(tracelet_port INTERFACE $<INSTALL_INTERFACE:${CMAKE_INSTALL_INCLUDEDIR}>)
# What the port itself needs (posix: Threads::Threads), without its objects. Imported targets
# found in port/<name>/ are not visible here: find Threads again.
find_package(Threads REQUIRED)
get_target_property(_port_libs tracelet_port_${TRACELET_PORT} INTERFACE_LINK_LIBRARIES)
list(FILTER _port_libs EXCLUDE REGEX "TARGET_OBJECTS")
if(_port_libs)
  target_link_libraries(tracelet_port INTERFACE ${_port_libs})
endif()

target_link_libraries(tracelet INTERFACE $<INSTALL_INTERFACE:tracelet_port>)

# ---- gzip (zlib found): an archive too, pulled in by name ---------------------------------
# In the build tree tracelet::gzip puts its object on the link line (src/export). From an
# archive the linker would take nothing: the exporter's weak default hooks already satisfy it.
# `-u tracelet_link_gzip` makes it take the object, whose strong hooks then win.
set(_gzip_targets "")
if(TARGET tracelet_gzip)
  add_library(tracelet_gzip_archive STATIC $<TARGET_OBJECTS:tracelet_gzip_objects>)
  set_target_properties(tracelet_gzip_archive PROPERTIES
    OUTPUT_NAME tracelet_gzip EXPORT_NAME gzip LINKER_LANGUAGE CXX)
  target_link_libraries(tracelet_gzip_archive INTERFACE $<INSTALL_INTERFACE:ZLIB::ZLIB>)
  target_link_options(tracelet_gzip_archive INTERFACE $<INSTALL_INTERFACE:LINKER:-u,tracelet_link_gzip>)
  target_link_libraries(tracelet INTERFACE $<INSTALL_INTERFACE:tracelet_gzip_archive>)
  set(_gzip_targets tracelet_gzip_archive)
  set(TRACELET_WITH_GZIP ON)
else()
  set(TRACELET_WITH_GZIP OFF)
endif()

# ---- targets and headers ---------------------------------------------------------------------
get_property(_modules GLOBAL PROPERTY TRACELET_MODULES)
install(TARGETS ${_modules} tracelet_otlp_proto tracelet_port tracelet ${_gzip_targets}
  EXPORT tracelet-targets
  ARCHIVE DESTINATION ${CMAKE_INSTALL_LIBDIR})
install(DIRECTORY ${PROJECT_SOURCE_DIR}/include/tracelet
  DESTINATION ${CMAKE_INSTALL_INCLUDEDIR} FILES_MATCHING PATTERN "*.h")
# tracelet::otlp_proto's interface (its include path is include/tracelet/generated).
install(DIRECTORY ${TRACELET_PROTO_OUT}/
  DESTINATION ${CMAKE_INSTALL_INCLUDEDIR}/tracelet/generated FILES_MATCHING PATTERN "*.pb.h")
# A build with TRACELET_CONFIG_FILE (e.g. boards/raspberrypi) installs that header beside the
# public ones; tracelet::core then defines TRACELET_CONFIG_FILE="tracelet/<name>" (src/core).
set(_pc_cflags "")
if(TRACELET_CONFIG_FILE)
  get_filename_component(_config_name ${TRACELET_CONFIG_FILE} NAME)
  if(EXISTS ${PROJECT_SOURCE_DIR}/include/tracelet/${_config_name})
    message(FATAL_ERROR "TRACELET_CONFIG_FILE=${TRACELET_CONFIG_FILE} would be installed as "
                        "include/tracelet/${_config_name}, which is a public header already.\n"
                        "Rename it, e.g. to tracelet_config.h.")
  endif()
  install(FILES ${TRACELET_CONFIG_FILE} DESTINATION ${CMAKE_INSTALL_INCLUDEDIR}/tracelet)
  # <...>: no quotes to nest. pkg-config escapes the brackets for a shell, so a plain
  # command line needs `eval "c++ ... $(pkg-config --cflags --libs tracelet)"`; make and
  # CMake's pkg_check_modules undo the escapes themselves.
  set(_pc_cflags " -DTRACELET_CONFIG_FILE=<tracelet/${_config_name}>")
endif()

# ---- CMake package ---------------------------------------------------------------------------
set(_cmake_dir ${CMAKE_INSTALL_LIBDIR}/cmake/tracelet)
install(EXPORT tracelet-targets NAMESPACE tracelet:: DESTINATION ${_cmake_dir})
if(TARGET tracelet_net)
  set(TRACELET_WITH_NET ON)
else()
  set(TRACELET_WITH_NET OFF)
endif()
configure_package_config_file(${CMAKE_CURRENT_LIST_DIR}/tracelet-config.cmake.in
  ${PROJECT_BINARY_DIR}/tracelet-config.cmake INSTALL_DESTINATION ${_cmake_dir})
# 0.x: a find_package(tracelet 0.1) accepts any later 0.y, never 1.0 (AnyNewerVersion would);
# the API may still change between minor versions before 1.0.
write_basic_package_version_file(${PROJECT_BINARY_DIR}/tracelet-config-version.cmake
  VERSION ${PROJECT_VERSION} COMPATIBILITY SameMajorVersion)
install(FILES ${PROJECT_BINARY_DIR}/tracelet-config.cmake
              ${PROJECT_BINARY_DIR}/tracelet-config-version.cmake
        DESTINATION ${_cmake_dir})

# ---- pkg-config ------------------------------------------------------------------------------
# Libs in one-pass order: the modules as tracelet::tracelet lists them (otlp_proto right after
# otlp, its only user), the port, then nanopb and Mbed TLS (TLS -> X.509 -> crypto), threads.
set(_pc_libs "")
foreach(module IN LISTS _hosted_modules)
  if(module STREQUAL "tracelet_gzip")
    string(APPEND _pc_libs " -Wl,-u,tracelet_link_gzip -ltracelet_gzip")
    continue()
  endif()
  string(APPEND _pc_libs " -l${module}")
  if(module STREQUAL "tracelet_otlp")
    string(APPEND _pc_libs " -ltracelet_otlp_proto")
  endif()
endforeach()
string(APPEND _pc_libs " -ltracelet_port_${TRACELET_PORT} -lprotobuf-nanopb")
if(TARGET tracelet_net)
  string(APPEND _pc_libs " -lmbedtls -lmbedx509 -lmbedcrypto")
endif()
if(TARGET tracelet_gzip)
  string(APPEND _pc_libs " -lz")
endif()
string(APPEND _pc_libs " -pthread")
if(IS_ABSOLUTE "${CMAKE_INSTALL_LIBDIR}")
  set(TRACELET_PC_LIBDIR "${CMAKE_INSTALL_LIBDIR}")
else()
  set(TRACELET_PC_LIBDIR "\${exec_prefix}/${CMAKE_INSTALL_LIBDIR}")
endif()
if(IS_ABSOLUTE "${CMAKE_INSTALL_INCLUDEDIR}")
  set(TRACELET_PC_INCLUDEDIR "${CMAKE_INSTALL_INCLUDEDIR}")
else()
  set(TRACELET_PC_INCLUDEDIR "\${prefix}/${CMAKE_INSTALL_INCLUDEDIR}")
endif()
set(TRACELET_PC_LIBS "${_pc_libs}")
set(TRACELET_PC_CFLAGS "${_pc_cflags}")
# The prefix is the one of the install that runs (cmake --install --prefix, CPack's /usr), not
# the one configured: the file is configured twice, the second time inside the install script.
set(TRACELET_PC_PREFIX "@CMAKE_INSTALL_PREFIX@")
configure_file(${CMAKE_CURRENT_LIST_DIR}/tracelet.pc.in ${PROJECT_BINARY_DIR}/tracelet.pc.stage @ONLY)
install(CODE "configure_file(\"${PROJECT_BINARY_DIR}/tracelet.pc.stage\" \"${PROJECT_BINARY_DIR}/tracelet.pc\" @ONLY)")
install(FILES ${PROJECT_BINARY_DIR}/tracelet.pc DESTINATION ${CMAKE_INSTALL_LIBDIR}/pkgconfig)

# ---- .deb: cpack -G DEB -> libtracelet-dev_<version>_<arch>.deb -------------------------------
# Only for tracelet's own build: a project that adds tracelet with add_subdirectory and turns
# TRACELET_INSTALL on packages itself with its own CPack settings.
if(NOT PROJECT_IS_TOP_LEVEL)
  return()
endif()
set(_deb_arch "")
if(CMAKE_CROSSCOMPILING AND CMAKE_LIBRARY_ARCHITECTURE)
  find_program(TRACELET_DPKG_ARCHITECTURE dpkg-architecture)
  if(TRACELET_DPKG_ARCHITECTURE)
    execute_process(COMMAND ${TRACELET_DPKG_ARCHITECTURE} -qDEB_HOST_ARCH -t ${CMAKE_LIBRARY_ARCHITECTURE}
                    OUTPUT_VARIABLE _deb_arch OUTPUT_STRIP_TRAILING_WHITESPACE ERROR_QUIET)
  elseif(CMAKE_LIBRARY_ARCHITECTURE STREQUAL "aarch64-linux-gnu")
    set(_deb_arch arm64)
  elseif(CMAKE_LIBRARY_ARCHITECTURE STREQUAL "arm-linux-gnueabihf")
    set(_deb_arch armhf)
  endif()
elseif(NOT CMAKE_CROSSCOMPILING)
  find_program(TRACELET_DPKG dpkg)
  if(TRACELET_DPKG)
    execute_process(COMMAND ${TRACELET_DPKG} --print-architecture
                    OUTPUT_VARIABLE _deb_arch OUTPUT_STRIP_TRAILING_WHITESPACE ERROR_QUIET)
  endif()
endif()
if(_deb_arch)
  set(CPACK_DEBIAN_PACKAGE_ARCHITECTURE ${_deb_arch})
endif()
set(CPACK_GENERATOR DEB)
set(CPACK_PACKAGE_NAME tracelet)
set(CPACK_PACKAGE_VERSION ${PROJECT_VERSION})
set(CPACK_PACKAGE_DESCRIPTION_SUMMARY
    "Distributed tracing for firmware and small Linux devices (C++17, OTLP) - static libraries and headers")
set(CPACK_PACKAGE_CONTACT "tracelet maintainers")
set(CPACK_PACKAGING_INSTALL_PREFIX /usr)
# The install script then sees CMAKE_INSTALL_PREFIX=/usr (tracelet.pc's prefix), not the
# staging folder.
set(CPACK_SET_DESTDIR ON)
set(CPACK_DEBIAN_PACKAGE_NAME libtracelet-dev)
set(CPACK_DEBIAN_FILE_NAME DEB-DEFAULT)
set(CPACK_DEBIAN_PACKAGE_SECTION libdevel)
# tracelet-config.cmake finds nanopb's CMake package and Mbed TLS 2.x (tls.h includes its
# headers; 3.x changed that API).
set(CPACK_DEBIAN_PACKAGE_DEPENDS "libnanopb-dev (>= 0.4)")
if(TARGET tracelet_net)
  string(APPEND CPACK_DEBIAN_PACKAGE_DEPENDS ", libmbedtls-dev (>= 2.28), libmbedtls-dev (<< 3)")
endif()
if(TARGET tracelet_gzip)
  string(APPEND CPACK_DEBIAN_PACKAGE_DEPENDS ", zlib1g-dev")
endif()
include(CPack)

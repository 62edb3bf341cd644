# Host tools: tools/receiver (black-box over TLS and plain HTTP, fault injection) and
# tools/bridge (serial frames -> OTLP/HTTP), each run as a process against a real receiver.
set(_dir ${CMAKE_CURRENT_LIST_DIR})
if(NOT TARGET tracelet_net_test_support)
  return()  # no receiver: tests/support/support.cmake reports e2e as left out
endif()

# The receiver's head scan and parser on their own.
tracelet_add_test(receiver_parsers_test SOURCES ${_dir}/receiver_parsers_test.cpp
                  LIBS tracelet_receiver_parsers LABELS receiver)
# Span decoding: the hand walk for the usual shape and nanopb for the rest give one result.
tracelet_add_test(receiver_span_decode_test SOURCES ${_dir}/receiver_span_decode_test.cpp
                  LIBS tracelet_receiver_parsers LABELS receiver)
# The JSON text pieces of the receiver's output (doubles as "%.17g" writes them, hex).
tracelet_add_test(receiver_json_test SOURCES ${_dir}/receiver_json_test.cpp
                  LIBS tracelet_receiver_parsers LABELS receiver)

foreach(receiver_test receiver_http_test receiver_faults_test)
  tracelet_add_net_test(${receiver_test} SOURCES ${_dir}/${receiver_test}.cpp
                        LIBS tracelet_net_test_support GROUP e2e LABELS net)
  # They build gzip bodies with zlib when the receiver has it.
  target_link_libraries(${receiver_test} PRIVATE tracelet_receiver_test_zlib)
endforeach()

# The receiver under attack (slow heads and bodies, too many connections, oversized heads,
# bodies that decode to huge span trees, no memory for threads): bounded in count and time,
# loopback only. Host builds: it reads the receiver's peak memory from /proc, runs it under
# prlimit.
if(NOT CMAKE_CROSSCOMPILING)
  tracelet_add_net_test(receiver_limits_test SOURCES ${_dir}/receiver_limits_test.cpp
                        LIBS tracelet_net_test_support GROUP e2e LABELS net)
  # Peak RSS and an address-space limit: what a sanitizer's shadow memory would distort.
  if(NOT TRACELET_SANITIZED)
    tracelet_add_net_test(receiver_memory_test SOURCES ${_dir}/receiver_memory_test.cpp
                          LIBS tracelet_net_test_support GROUP e2e LABELS net)
  endif()
endif()

# The bridge program end to end (real receiver over TLS on 127.0.0.1), plus its sequence
# bookkeeping.
if(TARGET tracelet_bridge_lib)
  tracelet_add_net_test(serial_bridge_test
    SOURCES ${_dir}/serial_bridge_test.cpp
    LIBS tracelet_bridge_lib tracelet_net_test_support
    GROUP e2e LABELS net serial)
  # In cross builds the bridge runs through the same emulator as the tests. '|' separates words.
  set(_bridge_command ${CMAKE_CROSSCOMPILING_EMULATOR} "$<TARGET_FILE:tracelet-bridge>")
  list(JOIN _bridge_command "|" _bridge_command)
  target_compile_definitions(serial_bridge_test PRIVATE TRACELET_BRIDGE_COMMAND="${_bridge_command}")
  add_dependencies(serial_bridge_test tracelet-bridge)
endif()

# The Cortex-M4 end-to-end check (firmware in qemu-system-arm -> UART file -> bridge ->
# receiver). It is a host program, but it needs the firmware image of a cm4 build, so it is
# registered by that build (tests/cortex_m/serial_e2e.cmake), which builds this target in a
# host tree and runs it with TRACELET_SERIAL_FIRMWARE set. Here it is only built.
if(TARGET tracelet_bridge_lib AND NOT CMAKE_CROSSCOMPILING)
  add_executable(serial_cm4_e2e_test ${_dir}/serial_cm4_e2e_test.cpp)
  target_link_libraries(serial_cm4_e2e_test PRIVATE tracelet_net_test_support GTest::gtest
                        GTest::gtest_main Threads::Threads)
  target_include_directories(serial_cm4_e2e_test PRIVATE ${PROJECT_SOURCE_DIR}/tests)
  target_compile_options(serial_cm4_e2e_test PRIVATE ${TRACELET_STRICT_FLAGS})
  target_compile_definitions(serial_cm4_e2e_test PRIVATE
    TRACELET_BRIDGE_COMMAND="$<TARGET_FILE:tracelet-bridge>")
  add_dependencies(serial_cm4_e2e_test tracelet-bridge tracelet-receiver)
endif()

# The receiver's span store (tools/receiver/store.cpp, query.cpp, filter.cpp), when the
# receiver was built with SQLite: the store and its queries in process (unit), and the
# receiver with --db as a process, including kill -9 (e2e).
if(TARGET tracelet_receiver_store)
  tracelet_add_test(store_query_test SOURCES ${_dir}/store_query_test.cpp LIBS tracelet_receiver_store)
  if(NOT CMAKE_CROSSCOMPILING)
    tracelet_add_net_test(receiver_store_test SOURCES ${_dir}/receiver_store_test.cpp
                          LIBS tracelet_net_test_support tracelet_receiver_store GROUP e2e LABELS net store)
  endif()
endif()

# The trace page in a real browser: Debian's headless Chromium driven by puppeteer-core
# (pinned in tests/tools/page/package-lock.json, installed into the build tree, never the
# source tree) while the demo device ships spans to the receiver over TLS. Screenshots are
# written to <build>/tests/tools/receiver_page/ (not committed).
find_program(TRACELET_CHROMIUM NAMES chromium chromium-browser DOC "Chromium for the receiver page test")
if(TARGET tracelet_receiver_store AND TARGET sensor_node AND NOT CMAKE_CROSSCOMPILING)
  if(NOT TRACELET_HAVE_NODE OR NOT TRACELET_CHROMIUM)
    list(APPEND TRACELET_TESTS_LEFT_OUT
         "e2e: receiver_page (needs Node.js 18.19+, npm and Chromium: apt-get install -y nodejs npm chromium)")
  else()
    set(_page_node_dir ${CMAKE_BINARY_DIR}/page_node)
    configure_file(${_dir}/page/package.json ${_page_node_dir}/package.json COPYONLY)
    configure_file(${_dir}/page/package-lock.json ${_page_node_dir}/package-lock.json COPYONLY)
    # --ignore-scripts: puppeteer-core has no install script and downloads no browser.
    add_test(NAME receiver_page_npm_ci
             COMMAND ${TRACELET_NPM} ci --ignore-scripts --no-audit --no-fund --prefer-offline
             WORKING_DIRECTORY ${_page_node_dir})
    set_tests_properties(receiver_page_npm_ci PROPERTIES FIXTURES_SETUP page_node TIMEOUT 600
                         LABELS "e2e;browser")
    add_test(NAME receiver_page
             COMMAND ${TRACELET_NODE} ${_dir}/page/page_test.js
                     --receiver $<TARGET_FILE:tracelet-receiver>
                     --sender $<TARGET_FILE:sensor_node>
                     --chromium ${TRACELET_CHROMIUM}
                     --work ${CMAKE_CURRENT_BINARY_DIR}/receiver_page)
    set_tests_properties(receiver_page PROPERTIES FIXTURES_REQUIRED page_node
                         ENVIRONMENT "NODE_PATH=${_page_node_dir}/node_modules" TIMEOUT 120
                         LABELS "e2e;browser;store")
  endif()
endif()

# The Cortex-M4 TLS export check (firmware over lwIP + Mbed TLS in qemu-system-arm -> guestfwd
# -> guestfwd_connector -> receiver), registered and run by the cm4 build like the one above
# (tests/cortex_m/lwip_e2e.cmake). Here it and the connector are only built.
if(TARGET tracelet-receiver AND NOT CMAKE_CROSSCOMPILING)
  add_executable(guestfwd_connector ${_dir}/guestfwd_connector.cpp)
  target_compile_options(guestfwd_connector PRIVATE ${TRACELET_STRICT_FLAGS})
  add_executable(tls_cm4_e2e_test ${_dir}/tls_cm4_e2e_test.cpp)
  target_link_libraries(tls_cm4_e2e_test PRIVATE tracelet_net_test_support GTest::gtest
                        GTest::gtest_main Threads::Threads)
  target_include_directories(tls_cm4_e2e_test PRIVATE ${PROJECT_SOURCE_DIR}/tests)
  target_compile_options(tls_cm4_e2e_test PRIVATE ${TRACELET_STRICT_FLAGS})
  add_dependencies(tls_cm4_e2e_test tracelet-receiver guestfwd_connector)
endif()

# AWS without a collector: SigV4 signing (src/aws/) on AWS's published example values, the
# exporter's signed requests checked by the official AWS SDK signer, and X-Amzn-Trace-Id
# (src/context/xray_propagation.cpp) against the official OpenTelemetry X-Ray propagator.
if(NOT TARGET tracelet_aws)
  list(APPEND TRACELET_TESTS_LEFT_OUT "aws: SigV4 signing (needs Mbed TLS)")
  return()
endif()
set(_aws_dir ${CMAKE_CURRENT_LIST_DIR})
tracelet_add_test(sigv4_test SOURCES ${_aws_dir}/sigv4_test.cpp LIBS tracelet_test_modules tracelet_port_fake
                  LABELS aws)

# tracelet-receiver --aws-sigv4: the local receiver checks signatures (an offline AWS endpoint).
if(TARGET tracelet_net_test_support)
  tracelet_add_test(receiver_sigv4_test SOURCES ${_aws_dir}/receiver_sigv4_test.cpp
                    LIBS tracelet_test_modules tracelet_net_test_support GROUP e2e LABELS aws net)
endif()

# Proof against the OFFICIAL AWS SDK signer (conformance, finer label aws): the real Exporter +
# NetConnector send SigV4-signed OTLP over TLS (a fresh test CA from tracelet-receiver
# --make-ca) to tests/aws/official_signer.js, which recomputes each signature with
# @smithy/signature-v4 and refuses mismatches. The npm packages (exact versions in
# tests/aws/package-lock.json) are installed into the build tree by a fixture test.
if(NOT TRACELET_HAVE_NODE)
  return()  # tests/CMakeLists.txt reports the conformance group as left out
endif()
if(NOT TARGET tracelet_net_test_support)
  list(APPEND TRACELET_TESTS_LEFT_OUT "conformance: SigV4 against the official signer (needs tracelet-receiver)")
  return()
endif()
set(TRACELET_AWS_NODE_DIR ${CMAKE_BINARY_DIR}/aws_node)
configure_file(${_aws_dir}/package.json ${TRACELET_AWS_NODE_DIR}/package.json COPYONLY)
configure_file(${_aws_dir}/package-lock.json ${TRACELET_AWS_NODE_DIR}/package-lock.json COPYONLY)
add_test(NAME aws_npm_ci
         COMMAND ${TRACELET_NPM} ci --ignore-scripts --no-audit --no-fund --prefer-offline
         WORKING_DIRECTORY ${TRACELET_AWS_NODE_DIR})
set_tests_properties(aws_npm_ci PROPERTIES FIXTURES_SETUP aws_node TIMEOUT 600 LABELS "conformance;aws")

add_executable(sigv4_official_test ${_aws_dir}/sigv4_official_test.cpp)
target_link_libraries(sigv4_official_test PRIVATE tracelet_test_modules tracelet_net_test_support
                                                  GTest::gtest GTest::gtest_main Threads::Threads)
target_include_directories(sigv4_official_test PRIVATE ${PROJECT_SOURCE_DIR}/tests)
target_compile_options(sigv4_official_test PRIVATE ${TRACELET_STRICT_FLAGS})
target_compile_definitions(sigv4_official_test PRIVATE
  TRACELET_AWS_NODE="${TRACELET_NODE}"
  TRACELET_AWS_SIGNER_JS="${_aws_dir}/official_signer.js"
  TRACELET_AWS_NODE_MODULES="${TRACELET_AWS_NODE_DIR}/node_modules")
if(TARGET tracelet_gzip)  # gzip bodies: the compressed bytes are what is signed
  target_link_libraries(sigv4_official_test PRIVATE tracelet_gzip)
  target_compile_definitions(sigv4_official_test PRIVATE TRACELET_AWS_HAVE_GZIP=1)
endif()
tracelet_discover_tests(sigv4_official_test GROUP conformance LABELS aws
                        PROPERTIES FIXTURES_REQUIRED aws_node TIMEOUT 120)

# X-Amzn-Trace-Id across processes with the OFFICIAL OpenTelemetry X-Ray propagator
# (@opentelemetry/propagator-aws-xray, same npm fixture), in the style of
# tests/cross_process/: tracelet calls a small Node service over TCP on 127.0.0.1.
add_executable(xray_cross_process_test ${_aws_dir}/xray_cross_process_test.cpp)
target_link_libraries(xray_cross_process_test PRIVATE tracelet_test_modules tracelet_net_test_support
                                                      GTest::gtest GTest::gtest_main Threads::Threads)
target_include_directories(xray_cross_process_test PRIVATE ${PROJECT_SOURCE_DIR}/tests)
target_compile_options(xray_cross_process_test PRIVATE ${TRACELET_STRICT_FLAGS})
target_compile_definitions(xray_cross_process_test PRIVATE
  TRACELET_XRAY_NODE="${TRACELET_NODE}"
  TRACELET_XRAY_SERVICE_JS="${_aws_dir}/xray_service.js"
  TRACELET_XRAY_NODE_MODULES="${TRACELET_AWS_NODE_DIR}/node_modules")
tracelet_discover_tests(xray_cross_process_test GROUP conformance LABELS aws interprocess
                        PROPERTIES FIXTURES_REQUIRED aws_node TIMEOUT 120)

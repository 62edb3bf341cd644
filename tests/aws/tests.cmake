# AWS without a collector (src/aws/): SigV4 signing on AWS's published example values, and the
# exporter's signed requests checked by the official signer (sigv4_official.cmake).
if(NOT TARGET tracelet_aws)
  list(APPEND TRACELET_TESTS_LEFT_OUT "aws: SigV4 signing (needs Mbed TLS)")
  return()
endif()
set(_aws_dir ${CMAKE_CURRENT_LIST_DIR})
tracelet_add_test(sigv4_test SOURCES ${_aws_dir}/sigv4_test.cpp LIBS tracelet_test_modules tracelet_port_fake
                  LABELS aws)

# Room for real error text: exception stack traces and status messages under the default
# limits, checked in the OTLP request (decoded with the receiver's decoder) and on the console.
tracelet_add_test(error_text_test
  SOURCES error_text_test.cpp ${PROJECT_SOURCE_DIR}/tools/receiver/otlp_decode.cpp
  LIBS tracelet_test_modules tracelet_port_fake)
target_include_directories(error_text_test PRIVATE ${PROJECT_SOURCE_DIR}/tools/receiver)

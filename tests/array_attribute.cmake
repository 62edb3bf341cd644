# Array attribute values: span API, record format and limits, OTLP encoding (decoded back with
# the receiver's decoder, as serial.cmake does) and the console line.
tracelet_add_test(array_attribute_test
  SOURCES array_attribute_test.cpp ${PROJECT_SOURCE_DIR}/tools/receiver/otlp_decode.cpp
  LIBS tracelet_test_modules tracelet_port_fake)
target_include_directories(array_attribute_test PRIVATE ${PROJECT_SOURCE_DIR}/tools/receiver)

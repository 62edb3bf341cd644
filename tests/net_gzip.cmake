# gzip bodies end to end against tracelet-receiver over TLS (needs tests/net.cmake's support
# library, hence a file that sorts after net.cmake, and tracelet::gzip, i.e. zlib).
if(TARGET tracelet_net_test_support AND TARGET tracelet_gzip)
  tracelet_add_test(gzip_e2e_test SOURCES gzip_e2e_test.cpp
                    LIBS tracelet_gzip tracelet_test_modules tracelet_net_test_support LABELS net)
endif()

# The exporter end to end against the local receiver over TLS (needs tests/net.cmake's
# support library, hence a file that sorts after net.cmake).
if(TARGET tracelet_net_test_support)
  tracelet_add_test(exporter_e2e_test SOURCES exporter_e2e_test.cpp
                    LIBS tracelet_core tracelet_net_test_support LABELS net)
endif()

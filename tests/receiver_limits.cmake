# The receiver under attack (slow heads and bodies, too many connections, oversized heads,
# bodies that decode to huge span trees, no memory for threads): bounded in count and time,
# loopback only. Host builds only: it reads the receiver's peak memory from /proc and starts
# it under prlimit.
if(TARGET tracelet_net_test_support AND NOT CMAKE_CROSSCOMPILING)
  tracelet_add_net_test(receiver_limits_test
    SOURCES receiver_limits_test.cpp
    LIBS tracelet_net_test_support
    LABELS net)
endif()

# Networking (src/net/ and the posix port's TCP layer): the TCP transport against servers the
# test runs itself, and the TLS client against a tracelet-receiver it starts. Real sockets on
# 127.0.0.1 only; every receiver a test starts, it stops (by PID) and reaps.
set(_dir ${CMAKE_CURRENT_LIST_DIR})
if(TARGET tracelet_port_posix)
  tracelet_add_net_test(tcp_transport_test
    SOURCES ${_dir}/tcp_transport_test.cpp
    LIBS tracelet_port_posix
    LABELS net)
endif()

if(TARGET tracelet_net_test_support)
  tracelet_add_net_test(tls_client_test SOURCES ${_dir}/tls_client_test.cpp
                        LIBS tracelet_net_test_support GROUP e2e LABELS net)
  if(NOT CMAKE_CROSSCOMPILING AND NOT TRACELET_SANITIZED)
    # Replaces malloc to count heap use: needs a dynamically linked libc (host builds).
    tracelet_add_net_test(tls_heap_test SOURCES ${_dir}/tls_heap_test.cpp
                          LIBS tracelet_net_test_support GROUP e2e LABELS net)
  endif()
endif()

# Who the TLS peers are: servers reached by IP address (iPAddress subjectAltName on 127.0.0.1
# and ::1) and client certificates (mutual TLS) against tracelet-receiver (--listen ::1,
# --client-ca). Certificates are made at test time (tracelet-receiver --make-ca, openssl).
if(TARGET tracelet_net_test_support)
  find_program(TRACELET_OPENSSL openssl)
  if(TRACELET_OPENSSL)
    tracelet_add_net_test(tls_ip_san_test SOURCES ${_dir}/tls_ip_san_test.cpp
                          LIBS tracelet_test_modules tracelet_net_test_support GROUP e2e LABELS net)
  else()
    message(STATUS "tracelet: tls_ip_san_test needs the openssl command (apt-get install -y openssl); "
                   "not registered")
  endif()
  tracelet_add_net_test(mtls_test SOURCES ${_dir}/mtls_test.cpp
                        LIBS tracelet_test_modules tracelet_net_test_support GROUP e2e LABELS net)
  # A TLS-1.3-only server (openssl s_server): the handshake fails with a reason naming TLS 1.3.
  if(TRACELET_OPENSSL)
    tracelet_add_net_test(tls13_server_test SOURCES ${_dir}/tls13_server_test.cpp
                          LIBS tracelet_test_modules tracelet_net_test_support GROUP e2e LABELS net)
  endif()
endif()

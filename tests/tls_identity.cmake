# Who the TLS peers are: servers reached by IP address (iPAddress subjectAltName checks on
# 127.0.0.1 and ::1) and client certificates (mutual TLS) from TlsOptions, ExporterConfig and
# OTEL_EXPORTER_OTLP_[TRACES_]CLIENT_CERTIFICATE / _CLIENT_KEY, against tracelet-receiver
# (--listen ::1, --client-ca). Certificates are made at test time by tracelet-receiver
# --make-ca and, for the per-case subjectAltNames, by the openssl command line.
# (This file sorts after net.cmake, whose support library the handshake tests use.)
tracelet_add_test(env_client_cert_test SOURCES env_client_cert_test.cpp
                  LIBS tracelet_test_modules tracelet_port_fake)

if(TARGET tracelet_net_test_support)
  find_program(TRACELET_OPENSSL openssl)
  if(TRACELET_OPENSSL)
    tracelet_add_net_test(tls_ip_san_test SOURCES tls_ip_san_test.cpp
                          LIBS tracelet_test_modules tracelet_net_test_support LABELS net)
  else()
    message(STATUS "tracelet: tls_ip_san_test needs the openssl command (apt-get install -y openssl); "
                   "not registered")
  endif()
  tracelet_add_net_test(mtls_test SOURCES mtls_test.cpp
                        LIBS tracelet_test_modules tracelet_net_test_support LABELS net)
endif()

# A throwaway PKI for the TLS end-to-end tests, made once per build tree with openssl (P-256):
#   pki/ca.crt                        the CA mps2_an386_tls_demo carries
#   pki/server.crt, pki/server.key    collector.tracelet.test, signed by that CA
#   pki/foreign/ca.crt, server.crt/.key  the same name from another CA (must be refused)
# Sets TRACELET_MPS2_PKI_DIR. Keys stay in the build tree; nothing here is committed.
find_program(TRACELET_OPENSSL openssl REQUIRED)
set(TRACELET_MPS2_PKI_DIR ${CMAKE_CURRENT_BINARY_DIR}/pki CACHE INTERNAL "test PKI of mps2_an386_tls_demo")

function(_tracelet_openssl)
  execute_process(COMMAND ${TRACELET_OPENSSL} ${ARGN} RESULT_VARIABLE rc OUTPUT_QUIET ERROR_VARIABLE err)
  if(NOT rc EQUAL 0)
    message(FATAL_ERROR "openssl ${ARGN} failed (exit ${rc}): ${err}")
  endif()
endfunction()

# _tracelet_make_pki(DIR CA_NAME): a CA and a server certificate for collector.tracelet.test.
function(_tracelet_make_pki dir ca_name)
  if(EXISTS ${dir}/server.crt)
    return()
  endif()
  file(MAKE_DIRECTORY ${dir})
  file(WRITE ${dir}/server.ext
       "basicConstraints=CA:FALSE\nkeyUsage=digitalSignature\nextendedKeyUsage=serverAuth\n"
       "subjectAltName=DNS:collector.tracelet.test\n")
  _tracelet_openssl(req -x509 -newkey ec -pkeyopt ec_paramgen_curve:prime256v1 -nodes
                    -keyout ${dir}/ca.key -out ${dir}/ca.crt -days 3650 -subj "/CN=${ca_name}")
  _tracelet_openssl(req -new -newkey ec -pkeyopt ec_paramgen_curve:prime256v1 -nodes
                    -keyout ${dir}/server.key -out ${dir}/server.csr -subj "/CN=collector.tracelet.test")
  _tracelet_openssl(x509 -req -in ${dir}/server.csr -CA ${dir}/ca.crt -CAkey ${dir}/ca.key
                    -CAcreateserial -out ${dir}/server.crt -days 3650 -sha256 -extfile ${dir}/server.ext)
endfunction()

_tracelet_make_pki(${TRACELET_MPS2_PKI_DIR} "tracelet test collector CA")
_tracelet_make_pki(${TRACELET_MPS2_PKI_DIR}/foreign "some other CA")

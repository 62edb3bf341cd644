/* Mbed TLS 2.28 configuration for a bare-metal OTLP/HTTPS client on Cortex-M (MPS2-AN386 and
 * similar): TLS 1.2 client only, ECDHE key exchange with ECDSA or RSA certificates, AES-GCM,
 * and a fixed heap arena (no malloc). Passed to the build as MBEDTLS_CONFIG_FILE.
 * Without MBEDTLS_HAVE_TIME_DATE certificate validity dates are not checked (no RTC). */
#ifndef TRACELET_MBEDTLS_CONFIG_H
#define TRACELET_MBEDTLS_CONFIG_H

/* System */
#define MBEDTLS_PLATFORM_C
#define MBEDTLS_PLATFORM_MEMORY             /* calloc/free come from the arena below */
#define MBEDTLS_MEMORY_BUFFER_ALLOC_C       /* mbedtls_memory_buffer_alloc_init(arena) */
#define MBEDTLS_MEMORY_DEBUG                /* current/peak arena use, for footprint reports */
/* No MBEDTLS_ENTROPY_C: tracelet's TlsClient seeds the CTR-DRBG straight from
 * tracelet::port::entropy(). */
#define MBEDTLS_HAVE_ASM

/* TLS 1.2 client */
#define MBEDTLS_SSL_TLS_C
#define MBEDTLS_SSL_CLI_C
#define MBEDTLS_SSL_PROTO_TLS1_2
#define MBEDTLS_SSL_SERVER_NAME_INDICATION
#define MBEDTLS_SSL_MAX_FRAGMENT_LENGTH
#define MBEDTLS_SSL_IN_CONTENT_LEN 16384    /* a server may send full 16 KiB records */
#define MBEDTLS_SSL_OUT_CONTENT_LEN 4096    /* our requests go out in smaller records */
#define MBEDTLS_KEY_EXCHANGE_ECDHE_ECDSA_ENABLED
#define MBEDTLS_KEY_EXCHANGE_ECDHE_RSA_ENABLED
#define MBEDTLS_SSL_CIPHERSUITES \
  MBEDTLS_TLS_ECDHE_ECDSA_WITH_AES_128_GCM_SHA256, MBEDTLS_TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256, \
  MBEDTLS_TLS_ECDHE_ECDSA_WITH_AES_256_GCM_SHA384, MBEDTLS_TLS_ECDHE_RSA_WITH_AES_256_GCM_SHA384

/* Crypto */
#define MBEDTLS_AES_C
#define MBEDTLS_AES_ROM_TABLES              /* tables in flash, not RAM */
#define MBEDTLS_GCM_C
#define MBEDTLS_CIPHER_C
#define MBEDTLS_MD_C
#define MBEDTLS_SHA256_C
#define MBEDTLS_SHA512_C                    /* SHA-384 suites and certificates */
#define MBEDTLS_BIGNUM_C
#define MBEDTLS_ECP_C
#define MBEDTLS_ECP_DP_SECP256R1_ENABLED
#define MBEDTLS_ECP_DP_SECP384R1_ENABLED
#define MBEDTLS_ECP_NIST_OPTIM
#define MBEDTLS_ECDH_C
#define MBEDTLS_ECDSA_C
#define MBEDTLS_RSA_C
#define MBEDTLS_PKCS1_V15
#define MBEDTLS_PKCS1_V21
#define MBEDTLS_CTR_DRBG_C

/* Certificates */
#define MBEDTLS_ASN1_PARSE_C
#define MBEDTLS_ASN1_WRITE_C
#define MBEDTLS_OID_C
#define MBEDTLS_PK_C
#define MBEDTLS_PK_PARSE_C
#define MBEDTLS_X509_USE_C
#define MBEDTLS_X509_CRT_PARSE_C
#define MBEDTLS_PEM_PARSE_C
#define MBEDTLS_BASE64_C

#include "mbedtls/check_config.h"

#endif /* TRACELET_MBEDTLS_CONFIG_H */

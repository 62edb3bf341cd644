// --make-ca: a throw-away PKI for local TLS tests, written with Mbed TLS's x509write API.
#include "make_ca.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <mbedtls/asn1write.h>
#include <mbedtls/ctr_drbg.h>
#include <mbedtls/ecp.h>
#include <mbedtls/entropy.h>
#include <mbedtls/error.h>
#include <mbedtls/oid.h>
#include <mbedtls/pk.h>
#include <mbedtls/x509_crt.h>

#include <cerrno>
#include <cstring>
#include <ctime>
#include <vector>

namespace tracelet::receiver {
namespace {

std::string mbedtls_text(const char* what, int rc) {
  char buf[160];
  mbedtls_strerror(rc, buf, sizeof buf);
  return std::string(what) + ": " + buf;
}

// Random generator for key generation and signatures; freed with the object.
struct Rng {
  mbedtls_entropy_context entropy;
  mbedtls_ctr_drbg_context drbg;
  Rng() {
    mbedtls_entropy_init(&entropy);
    mbedtls_ctr_drbg_init(&drbg);
  }
  ~Rng() {
    mbedtls_ctr_drbg_free(&drbg);
    mbedtls_entropy_free(&entropy);
  }
  int seed() {
    static const unsigned char kPers[] = "tracelet-receiver-make-ca";
    return mbedtls_ctr_drbg_seed(&drbg, mbedtls_entropy_func, &entropy, kPers, sizeof kPers - 1);
  }
};

struct Key {
  mbedtls_pk_context pk;
  Key() { mbedtls_pk_init(&pk); }
  ~Key() { mbedtls_pk_free(&pk); }
};

struct CertWriter {
  mbedtls_x509write_cert crt;
  CertWriter() { mbedtls_x509write_crt_init(&crt); }
  ~CertWriter() { mbedtls_x509write_crt_free(&crt); }
};

bool generate_key(Rng& rng, Key& key, std::string& error) {
  int rc = mbedtls_pk_setup(&key.pk, mbedtls_pk_info_from_type(MBEDTLS_PK_ECKEY));
  if (rc == 0) {
    rc = mbedtls_ecp_gen_key(MBEDTLS_ECP_DP_SECP256R1, mbedtls_pk_ec(key.pk),
                             mbedtls_ctr_drbg_random, &rng.drbg);
  }
  if (rc != 0) error = mbedtls_text("generating a P-256 key", rc);
  return rc == 0;
}

bool write_file(const std::string& path, const unsigned char* data, std::size_t len, mode_t mode,
                std::string& error) {
  const int fd = open(path.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, mode);
  if (fd < 0) {
    error = "cannot write " + path + ": " + std::strerror(errno);
    return false;
  }
  std::size_t done = 0;
  while (done < len) {
    const ssize_t n = write(fd, data + done, len - done);
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) {
      error = "cannot write " + path + ": " + std::strerror(errno);
      close(fd);
      return false;
    }
    done += static_cast<std::size_t>(n);
  }
  (void)fchmod(fd, mode);  // O_CREAT's mode is filtered by umask; keys must stay private
  close(fd);
  return true;
}

bool write_key(const std::string& path, Key& key, std::string& error) {
  std::vector<unsigned char> pem(4096);
  const int rc = mbedtls_pk_write_key_pem(&key.pk, pem.data(), pem.size());
  if (rc != 0) {
    error = mbedtls_text("encoding key", rc);
    return false;
  }
  return write_file(path, pem.data(), std::strlen(reinterpret_cast<char*>(pem.data())), 0600,
                    error);
}

// X.509 time "YYYYMMDDhhmmss" for now + offset seconds (UTC).
std::string x509_time(std::time_t offset) {
  const std::time_t t = std::time(nullptr) + offset;
  std::tm tm{};
  gmtime_r(&t, &tm);
  char buf[16];
  std::strftime(buf, sizeof buf, "%Y%m%d%H%M%S", &tm);
  return buf;
}

// subjectAltName: SEQUENCE { [2] "localhost", [2] "127.0.0.1", [7] 127.0.0.1, [7] ::1 }.
// The dNSName "127.0.0.1" is for clients that, like Mbed TLS 2.28 on its own, compare DNS
// names only (tracelet's TlsClient checks the iPAddress entries itself).
// ASN.1 is written back to front, hence the reverse order.
bool san_extension(std::vector<unsigned char>& out, std::string& error) {
  unsigned char buf[128];
  unsigned char* p = buf + sizeof buf;
  static const unsigned char kLoopback[4] = {127, 0, 0, 1};
  static const unsigned char kLoopback6[16] = {0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 1};
  int len = 0;
  int rc = 0;
  auto add = [&](int n) {
    if (n < 0) rc = n;
    else len += n;
  };
  add(mbedtls_asn1_write_tagged_string(&p, buf, MBEDTLS_ASN1_CONTEXT_SPECIFIC | 7,
                                       reinterpret_cast<const char*>(kLoopback6), 16));
  add(mbedtls_asn1_write_tagged_string(&p, buf, MBEDTLS_ASN1_CONTEXT_SPECIFIC | 7,
                                       reinterpret_cast<const char*>(kLoopback), 4));
  add(mbedtls_asn1_write_tagged_string(&p, buf, MBEDTLS_ASN1_CONTEXT_SPECIFIC | 2, "127.0.0.1", 9));
  add(mbedtls_asn1_write_tagged_string(&p, buf, MBEDTLS_ASN1_CONTEXT_SPECIFIC | 2, "localhost", 9));
  add(mbedtls_asn1_write_len(&p, buf, static_cast<std::size_t>(len)));
  add(mbedtls_asn1_write_tag(&p, buf, MBEDTLS_ASN1_CONSTRUCTED | MBEDTLS_ASN1_SEQUENCE));
  if (rc != 0) {
    error = mbedtls_text("encoding subjectAltName", rc);
    return false;
  }
  out.assign(p, buf + sizeof buf);
  return true;
}

// extKeyUsage: SEQUENCE { id-kp-serverAuth } or SEQUENCE { id-kp-clientAuth }.
bool eku_extension(bool client, std::vector<unsigned char>& out, std::string& error) {
  unsigned char buf[32];
  unsigned char* p = buf + sizeof buf;
  int len = client ? mbedtls_asn1_write_oid(&p, buf, MBEDTLS_OID_CLIENT_AUTH,
                                            MBEDTLS_OID_SIZE(MBEDTLS_OID_CLIENT_AUTH))
                   : mbedtls_asn1_write_oid(&p, buf, MBEDTLS_OID_SERVER_AUTH,
                                            MBEDTLS_OID_SIZE(MBEDTLS_OID_SERVER_AUTH));
  int rc = len < 0 ? len : 0;
  if (rc == 0) {
    const int l = mbedtls_asn1_write_len(&p, buf, static_cast<std::size_t>(len));
    const int t = mbedtls_asn1_write_tag(&p, buf, MBEDTLS_ASN1_CONSTRUCTED | MBEDTLS_ASN1_SEQUENCE);
    rc = l < 0 ? l : (t < 0 ? t : 0);
  }
  if (rc != 0) {
    error = mbedtls_text("encoding extKeyUsage", rc);
    return false;
  }
  out.assign(p, buf + sizeof buf);
  return true;
}

struct CertSpec {
  const char* subject;
  const char* issuer;
  bool is_ca;
  unsigned serial;
  bool client = false;  // a client certificate (clientAuth, no subjectAltName)
};

bool write_cert(const std::string& path, const CertSpec& spec, Key& subject_key, Key& issuer_key,
                Rng& rng, std::string& error) {
  CertWriter w;
  mbedtls_x509write_crt_set_version(&w.crt, MBEDTLS_X509_CRT_VERSION_3);
  mbedtls_x509write_crt_set_md_alg(&w.crt, MBEDTLS_MD_SHA256);
  mbedtls_x509write_crt_set_subject_key(&w.crt, &subject_key.pk);
  mbedtls_x509write_crt_set_issuer_key(&w.crt, &issuer_key.pk);

  mbedtls_mpi serial;
  mbedtls_mpi_init(&serial);
  // A random high part keeps serials of successive runs distinct, as clients expect.
  unsigned char serial_bytes[16];
  int rc = mbedtls_ctr_drbg_random(&rng.drbg, serial_bytes, sizeof serial_bytes);
  serial_bytes[0] &= 0x7f;  // positive INTEGER
  serial_bytes[15] = static_cast<unsigned char>(spec.serial);
  if (rc == 0) rc = mbedtls_mpi_read_binary(&serial, serial_bytes, sizeof serial_bytes);
  if (rc == 0) rc = mbedtls_x509write_crt_set_serial(&w.crt, &serial);
  mbedtls_mpi_free(&serial);
  const std::string not_before = x509_time(-24 * 3600);
  const std::string not_after = x509_time(10L * 365 * 24 * 3600);
  if (rc == 0) rc = mbedtls_x509write_crt_set_validity(&w.crt, not_before.c_str(), not_after.c_str());
  if (rc == 0) rc = mbedtls_x509write_crt_set_subject_name(&w.crt, spec.subject);
  if (rc == 0) rc = mbedtls_x509write_crt_set_issuer_name(&w.crt, spec.issuer);
  if (rc == 0) rc = mbedtls_x509write_crt_set_basic_constraints(&w.crt, spec.is_ca ? 1 : 0, spec.is_ca ? 0 : -1);
  if (rc == 0) rc = mbedtls_x509write_crt_set_subject_key_identifier(&w.crt);
  if (rc == 0) rc = mbedtls_x509write_crt_set_authority_key_identifier(&w.crt);
  if (rc == 0) {
    rc = mbedtls_x509write_crt_set_key_usage(
        &w.crt, spec.is_ca ? (MBEDTLS_X509_KU_KEY_CERT_SIGN | MBEDTLS_X509_KU_CRL_SIGN)
                           : (MBEDTLS_X509_KU_DIGITAL_SIGNATURE | MBEDTLS_X509_KU_KEY_AGREEMENT));
  }
  if (rc != 0) {
    error = mbedtls_text("building certificate", rc);
    return false;
  }
  if (!spec.is_ca) {
    std::vector<unsigned char> san;
    std::vector<unsigned char> eku;
    if ((!spec.client && !san_extension(san, error)) || !eku_extension(spec.client, eku, error)) {
      return false;
    }
    if (!spec.client) {
      rc = mbedtls_x509write_crt_set_extension(&w.crt, MBEDTLS_OID_SUBJECT_ALT_NAME,
                                               MBEDTLS_OID_SIZE(MBEDTLS_OID_SUBJECT_ALT_NAME), 0,
                                               san.data(), san.size());
    }
    if (rc == 0) {
      rc = mbedtls_x509write_crt_set_extension(&w.crt, MBEDTLS_OID_EXTENDED_KEY_USAGE,
                                               MBEDTLS_OID_SIZE(MBEDTLS_OID_EXTENDED_KEY_USAGE), 0,
                                               eku.data(), eku.size());
    }
    if (rc != 0) {
      error = mbedtls_text("adding extensions", rc);
      return false;
    }
  }
  std::vector<unsigned char> pem(4096);
  rc = mbedtls_x509write_crt_pem(&w.crt, pem.data(), pem.size(), mbedtls_ctr_drbg_random, &rng.drbg);
  if (rc != 0) {
    error = mbedtls_text("signing certificate", rc);
    return false;
  }
  return write_file(path, pem.data(), std::strlen(reinterpret_cast<char*>(pem.data())), 0644,
                    error);
}

}  // namespace

bool make_ca(const std::string& dir, std::string& error) {
  if (mkdir(dir.c_str(), 0755) != 0 && errno != EEXIST) {
    error = "cannot create " + dir + ": " + std::strerror(errno);
    return false;
  }
  Rng rng;
  if (const int rc = rng.seed(); rc != 0) {
    error = mbedtls_text("seeding the random generator", rc);
    return false;
  }
  Key ca_key;
  Key server_key;
  Key client_key;
  if (!generate_key(rng, ca_key, error) || !generate_key(rng, server_key, error) ||
      !generate_key(rng, client_key, error)) {
    return false;
  }

  static constexpr char kCaName[] = "CN=tracelet test CA,O=tracelet";
  const CertSpec ca{kCaName, kCaName, true, 1};
  const CertSpec server{"CN=localhost,O=tracelet", kCaName, false, 2};
  const CertSpec client{"CN=tracelet-client,O=tracelet", kCaName, false, 3, true};
  return write_key(dir + "/ca.key", ca_key, error) &&
         write_cert(dir + "/ca.crt", ca, ca_key, ca_key, rng, error) &&
         write_key(dir + "/server.key", server_key, error) &&
         write_cert(dir + "/server.crt", server, server_key, ca_key, rng, error) &&
         write_key(dir + "/client.key", client_key, error) &&
         write_cert(dir + "/client.crt", client, client_key, ca_key, rng, error);
}

}  // namespace tracelet::receiver

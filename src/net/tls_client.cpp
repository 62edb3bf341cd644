// TlsClient: Mbed TLS 2.28 glued to a tracelet::Transport.
#include "tracelet/tls.h"

#include <mbedtls/asn1.h>
#include <mbedtls/error.h>
#include <mbedtls/net_sockets.h>  // only for the MBEDTLS_ERR_NET_* codes our BIO reports
#include <mbedtls/oid.h>
#include <mbedtls/pk.h>

#include <cstdio>
#include <cstring>

#include "tracelet/net_port.h"
#include "tracelet/port.h"

namespace tracelet {
namespace {

constexpr std::uint32_t kDefaultHandshakeTimeoutMs = 10000;
constexpr std::uint32_t kCloseNotifyTimeoutMs = 200;

std::uint64_t now_ms() noexcept { return port::monotonic_ns() / 1000000u; }

// CTR-DRBG entropy callback: the platform's entropy source, nothing else.
int drbg_entropy(void*, unsigned char* out, std::size_t len) {
  return port::entropy(out, len) ? 0 : MBEDTLS_ERR_CTR_DRBG_ENTROPY_SOURCE_FAILED;
}

bool looks_like_pem(const std::uint8_t* data, std::size_t size) noexcept {
  static constexpr char kBegin[] = "-----BEGIN";
  std::size_t i = 0;
  while (i < size && (data[i] == ' ' || data[i] == '\t' || data[i] == '\r' || data[i] == '\n')) {
    ++i;
  }
  return size - i >= sizeof kBegin - 1 && std::memcmp(data + i, kBegin, sizeof kBegin - 1) == 0;
}

// Appends `text` to out[*used..cap), always leaving out NUL-terminated.
void append(char* out, std::size_t cap, std::size_t* used, const char* text) noexcept {
  if (*used + 1 >= cap) return;
  const int n = std::snprintf(out + *used, cap - *used, "%s", text);
  if (n > 0) *used += static_cast<std::size_t>(n) < cap - *used ? static_cast<std::size_t>(n)
                                                                 : cap - *used - 1;
}

// ---- IP address literals -------------------------------------------------------------------
// Our own parsers: inet_pton is POSIX, and this file also builds for bare-metal targets.

bool is_dec(char c) noexcept { return c >= '0' && c <= '9'; }

int hex_digit(char c) noexcept {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  if (c >= 'A' && c <= 'F') return c - 'A' + 10;
  return -1;
}

// "a.b.c.d", exactly four decimal parts 0..255 without leading zeros (which some parsers read
// as octal), over s[0..n).
bool parse_ipv4(const char* s, std::size_t n, std::uint8_t out[4]) noexcept {
  std::size_t i = 0;
  for (int part = 0; part < 4; ++part) {
    if (part != 0) {
      if (i >= n || s[i] != '.') return false;
      ++i;
    }
    const std::size_t start = i;
    unsigned value = 0;
    while (i < n && is_dec(s[i]) && i - start < 3) value = value * 10 + static_cast<unsigned>(s[i++] - '0');
    if (i == start || value > 255 || (s[start] == '0' && i - start > 1)) return false;
    out[part] = static_cast<std::uint8_t>(value);
  }
  return i == n;
}

// RFC 4291 section 2.2 text forms: eight hex groups, one "::" for a run of zero groups, and
// an optional dotted IPv4 tail ("::ffff:10.0.0.5"). No brackets, no %zone.
bool parse_ipv6(const char* s, std::uint8_t out[16]) noexcept {
  std::uint16_t groups[8] = {};
  int count = 0;
  int gap = -1;  // index where "::" stands
  std::size_t i = 0;
  const std::size_t n = std::strlen(s);
  if (n >= 2 && s[0] == ':' && s[1] == ':') {
    gap = 0;
    i = 2;
  } else if (n == 0 || s[0] == ':') {
    return false;
  }
  while (i < n) {
    std::size_t end = i;
    while (end < n && s[end] != ':') ++end;
    if (std::memchr(s + i, '.', end - i) != nullptr) {
      // The IPv4 tail: the last thing, worth two groups.
      std::uint8_t v4[4];
      if (end != n || count > 6 || !parse_ipv4(s + i, end - i, v4)) return false;
      groups[count++] = static_cast<std::uint16_t>(v4[0] << 8 | v4[1]);
      groups[count++] = static_cast<std::uint16_t>(v4[2] << 8 | v4[3]);
      i = n;
      break;
    }
    if (end == i || end - i > 4 || count == 8) return false;
    unsigned value = 0;
    for (std::size_t k = i; k < end; ++k) {
      const int d = hex_digit(s[k]);
      if (d < 0) return false;
      value = value * 16 + static_cast<unsigned>(d);
    }
    groups[count++] = static_cast<std::uint16_t>(value);
    i = end;
    if (i == n) break;
    ++i;  // the ':'
    if (i < n && s[i] == ':') {
      if (gap >= 0) return false;  // a second "::"
      gap = count;
      ++i;
    } else if (i == n) {
      return false;  // a trailing single ':'
    }
  }
  if (gap < 0 ? count != 8 : count > 7) return false;
  std::uint16_t full[8] = {};
  if (gap < 0) {
    std::memcpy(full, groups, sizeof full);
  } else {
    const int tail = count - gap;
    for (int k = 0; k < gap; ++k) full[k] = groups[k];
    for (int k = 0; k < tail; ++k) full[8 - tail + k] = groups[gap + k];
  }
  for (int k = 0; k < 8; ++k) {
    out[2 * k] = static_cast<std::uint8_t>(full[k] >> 8);
    out[2 * k + 1] = static_cast<std::uint8_t>(full[k] & 0xff);
  }
  return true;
}

// Writes an address of 4 or 16 bytes as text (IPv6 in the RFC 5952 short form).
void format_ip(const std::uint8_t* ip, std::size_t len, char* out, std::size_t cap) noexcept {
  if (len == 4) {
    std::snprintf(out, cap, "%u.%u.%u.%u", ip[0], ip[1], ip[2], ip[3]);
    return;
  }
  if (len != 16) {
    std::snprintf(out, cap, "(%lu-byte address)", static_cast<unsigned long>(len));
    return;
  }
  unsigned g[8];
  for (int k = 0; k < 8; ++k) g[k] = static_cast<unsigned>(ip[2 * k] << 8 | ip[2 * k + 1]);
  int best = -1;
  int best_len = 1;  // a single zero group is not shortened
  for (int k = 0; k < 8;) {
    int run = 0;
    while (k + run < 8 && g[k + run] == 0) ++run;
    if (run > best_len) {
      best = k;
      best_len = run;
    }
    k += run == 0 ? 1 : run;
  }
  std::size_t used = 0;
  out[0] = '\0';
  for (int k = 0; k < 8; ++k) {
    if (k == best) {
      append(out, cap, &used, "::");
      k += best_len - 1;
      continue;
    }
    char group[8];
    std::snprintf(group, sizeof group, "%s%x", (k == 0 || k == best + best_len) ? "" : ":", g[k]);
    append(out, cap, &used, group);
  }
}

// Calls f(context tag number, value, length) for each GeneralName of the certificate's
// subjectAltName extension, read from the DER itself: Mbed TLS 2.28 keeps only some name
// types in crt->subject_alt_names. Returns false if there is no such extension (or it is
// malformed; Mbed TLS already refused those while parsing the certificate).
template <class F>
bool for_each_alt_name(const mbedtls_x509_crt& crt, F&& f) noexcept {
  unsigned char* p = crt.v3_ext.p;
  if (p == nullptr || crt.v3_ext.len == 0) return false;
  const unsigned char* end = p + crt.v3_ext.len;
  std::size_t len = 0;
  if (*p == (MBEDTLS_ASN1_CONTEXT_SPECIFIC | MBEDTLS_ASN1_CONSTRUCTED | 3) &&
      mbedtls_asn1_get_tag(&p, end, &len, *p) != 0) {
    return false;
  }
  if (mbedtls_asn1_get_tag(&p, end, &len, MBEDTLS_ASN1_CONSTRUCTED | MBEDTLS_ASN1_SEQUENCE) != 0) {
    return false;
  }
  end = p + len;
  while (p < end) {
    // Extension ::= SEQUENCE { extnID OID, critical BOOLEAN DEFAULT FALSE, extnValue OCTET STRING }
    if (mbedtls_asn1_get_tag(&p, end, &len, MBEDTLS_ASN1_CONSTRUCTED | MBEDTLS_ASN1_SEQUENCE) != 0) {
      return false;
    }
    const unsigned char* ext_end = p + len;
    std::size_t oid_len = 0;
    if (mbedtls_asn1_get_tag(&p, ext_end, &oid_len, MBEDTLS_ASN1_OID) != 0) return false;
    const bool is_san = oid_len == MBEDTLS_OID_SIZE(MBEDTLS_OID_SUBJECT_ALT_NAME) &&
                        std::memcmp(p, MBEDTLS_OID_SUBJECT_ALT_NAME, oid_len) == 0;
    p += oid_len;
    if (p < ext_end && *p == MBEDTLS_ASN1_BOOLEAN) {
      int critical = 0;
      if (mbedtls_asn1_get_bool(&p, ext_end, &critical) != 0) return false;
    }
    std::size_t value_len = 0;
    if (mbedtls_asn1_get_tag(&p, ext_end, &value_len, MBEDTLS_ASN1_OCTET_STRING) != 0) return false;
    if (!is_san) {
      p = const_cast<unsigned char*>(ext_end);
      continue;
    }
    unsigned char* q = p;
    const unsigned char* value_end = p + value_len;
    std::size_t names_len = 0;
    if (mbedtls_asn1_get_tag(&q, value_end, &names_len,
                             MBEDTLS_ASN1_CONSTRUCTED | MBEDTLS_ASN1_SEQUENCE) != 0) {
      return false;
    }
    const unsigned char* names_end = q + names_len;
    while (q < names_end) {
      const unsigned char tag = *q++;
      std::size_t name_len = 0;
      if (mbedtls_asn1_get_len(&q, names_end, &name_len) != 0) return false;
      if ((tag & MBEDTLS_ASN1_TAG_CLASS_MASK) == MBEDTLS_ASN1_CONTEXT_SPECIFIC) {
        f(tag & MBEDTLS_ASN1_TAG_VALUE_MASK, q, name_len);
      }
      q += name_len;
    }
    return true;
  }
  return false;
}

constexpr int kSanDnsName = 2;
constexpr int kSanIpAddress = 7;

const char* alert_name(int alert) noexcept {
  switch (alert) {
    case MBEDTLS_SSL_ALERT_MSG_HANDSHAKE_FAILURE: return "handshake_failure";
    case MBEDTLS_SSL_ALERT_MSG_BAD_CERT: return "bad_certificate";
    case MBEDTLS_SSL_ALERT_MSG_UNSUPPORTED_CERT: return "unsupported_certificate";
    case MBEDTLS_SSL_ALERT_MSG_CERT_REVOKED: return "certificate_revoked";
    case MBEDTLS_SSL_ALERT_MSG_CERT_EXPIRED: return "certificate_expired";
    case MBEDTLS_SSL_ALERT_MSG_CERT_UNKNOWN: return "certificate_unknown";
    case MBEDTLS_SSL_ALERT_MSG_UNKNOWN_CA: return "unknown_ca";
    case MBEDTLS_SSL_ALERT_MSG_ACCESS_DENIED: return "access_denied";
    case MBEDTLS_SSL_ALERT_MSG_DECRYPT_ERROR: return "decrypt_error";
    case 116: return "certificate_required";  // TLS 1.3's name for "no certificate sent"
    default: return nullptr;
  }
}

}  // namespace

// ---- lifecycle ------------------------------------------------------------------------------

TlsClient::TlsClient() noexcept {
  mbedtls_ssl_init(&ssl_);
  mbedtls_ssl_config_init(&conf_);
  mbedtls_ctr_drbg_init(&drbg_);
  mbedtls_x509_crt_init(&ca_);
  mbedtls_ssl_session_init(&saved_session_);
  mbedtls_x509_crt_init(&own_cert_);
  mbedtls_pk_init(&own_key_);
}

TlsClient::~TlsClient() { deinit(); }

void TlsClient::deinit() noexcept {
  mbedtls_ssl_free(&ssl_);
  mbedtls_ssl_config_free(&conf_);
  mbedtls_ctr_drbg_free(&drbg_);
  mbedtls_x509_crt_free(&ca_);
  mbedtls_ssl_session_free(&saved_session_);
  mbedtls_x509_crt_free(&own_cert_);
  mbedtls_pk_free(&own_key_);  // zeroizes the private key
  // The _free functions leave zeroed memory; _init makes the "empty" state explicit again.
  mbedtls_ssl_init(&ssl_);
  mbedtls_ssl_config_init(&conf_);
  mbedtls_ctr_drbg_init(&drbg_);
  mbedtls_x509_crt_init(&ca_);
  mbedtls_ssl_session_init(&saved_session_);
  mbedtls_x509_crt_init(&own_cert_);
  mbedtls_pk_init(&own_key_);
  lower_ = Transport{};
  state_ = State::kEmpty;
  has_saved_session_ = false;
  has_client_cert_ = false;
  resumed_ = false;
}

Status TlsClient::fail(Step step, int mbedtls_error, Status status) noexcept {
  error_step_ = step;
  error_ = mbedtls_error;
  return status;
}

Status TlsClient::load_ca(const TlsOptions& options) noexcept {
  int rc = 0;
  ca_path_ = nullptr;
  if (options.ca_data != nullptr && options.ca_size != 0) {
    // Mbed TLS treats a buffer as PEM only if it ends in NUL; without it a PEM bundle would
    // be misparsed as DER and fail with an unhelpful ASN.1 error, so say so up front.
    if (looks_like_pem(options.ca_data, options.ca_size) &&
        options.ca_data[options.ca_size - 1] != '\0') {
      pem_without_nul_ = true;
      return fail(Step::kCa, 0, Status::kInvalidArgument);
    }
    rc = mbedtls_x509_crt_parse(&ca_, options.ca_data, options.ca_size);
  } else {
    const char* path = options.ca_file != nullptr ? options.ca_file : port::default_ca_bundle_path();
    ca_path_ = path;
    if (path == nullptr) return fail(Step::kCa, MBEDTLS_ERR_X509_BAD_INPUT_DATA, Status::kInvalidArgument);
#if defined(MBEDTLS_FS_IO)
    rc = mbedtls_x509_crt_parse_file(&ca_, path);
#else
    // This Mbed TLS build has no file system support: CAs must come from memory.
    rc = MBEDTLS_ERR_X509_FEATURE_UNAVAILABLE;
#endif
  }
  // rc > 0: some certificates of a bundle could not be parsed (system bundles carry a few
  // that Mbed TLS does not support); the rest are usable as long as at least one parsed.
  if (rc < 0 || ca_.raw.len == 0) {
    return fail(Step::kCa, rc < 0 ? rc : MBEDTLS_ERR_X509_INVALID_FORMAT, Status::kInvalidArgument);
  }
  return Status::kOk;
}

Status TlsClient::load_client_identity(const TlsOptions& options) noexcept {
  client_path_ = nullptr;
  const bool cert_in_memory = options.client_cert_data != nullptr && options.client_cert_size != 0;
  const bool key_in_memory = options.client_key_data != nullptr && options.client_key_size != 0;
  const bool cert_given = cert_in_memory || options.client_cert_file != nullptr;
  const bool key_given = key_in_memory || options.client_key_file != nullptr;
  if (!cert_given && !key_given) return Status::kOk;
  if (!key_given) {
    detail_ = "a client certificate was given without its private key";
    return fail(Step::kClientKey, 0, Status::kInvalidArgument);
  }
  if (!cert_given) {
    detail_ = "a client private key was given without its certificate";
    return fail(Step::kClientCert, 0, Status::kInvalidArgument);
  }

  int rc = 0;
  if (cert_in_memory) {
    if (looks_like_pem(options.client_cert_data, options.client_cert_size) &&
        options.client_cert_data[options.client_cert_size - 1] != '\0') {
      pem_without_nul_ = true;
      return fail(Step::kClientCert, 0, Status::kInvalidArgument);
    }
    rc = mbedtls_x509_crt_parse(&own_cert_, options.client_cert_data, options.client_cert_size);
  } else {
    client_path_ = options.client_cert_file;
#if defined(MBEDTLS_FS_IO)
    rc = mbedtls_x509_crt_parse_file(&own_cert_, client_path_);
#else
    rc = MBEDTLS_ERR_X509_FEATURE_UNAVAILABLE;
#endif
  }
  if (rc < 0 || own_cert_.raw.len == 0) {
    return fail(Step::kClientCert, rc < 0 ? rc : MBEDTLS_ERR_X509_INVALID_FORMAT,
                Status::kInvalidArgument);
  }

  client_path_ = nullptr;
  if (key_in_memory) {
    if (looks_like_pem(options.client_key_data, options.client_key_size) &&
        options.client_key_data[options.client_key_size - 1] != '\0') {
      pem_without_nul_ = true;
      return fail(Step::kClientKey, 0, Status::kInvalidArgument);
    }
    rc = mbedtls_pk_parse_key(&own_key_, options.client_key_data, options.client_key_size, nullptr, 0);
  } else {
    client_path_ = options.client_key_file;
#if defined(MBEDTLS_FS_IO)
    rc = mbedtls_pk_parse_keyfile(&own_key_, client_path_, nullptr);
#else
    rc = MBEDTLS_ERR_PK_FEATURE_UNAVAILABLE;
#endif
  }
  if (rc == MBEDTLS_ERR_PK_PASSWORD_REQUIRED) {
    detail_ = "the key is encrypted (password-protected); give it unencrypted";
  }
  if (rc != 0) return fail(Step::kClientKey, rc, Status::kInvalidArgument);
  client_path_ = nullptr;
  rc = mbedtls_pk_check_pair(&own_cert_.pk, &own_key_);
  if (rc != 0) {
    detail_ = "the key is not the private key of the client certificate";
    return fail(Step::kClientKey, rc, Status::kInvalidArgument);
  }
  client_path_ = nullptr;
  has_client_cert_ = true;
  return Status::kOk;
}

Status TlsClient::init(const TlsOptions& options) noexcept {
  deinit();
  error_ = 0;
  error_step_ = Step::kNone;
  verify_flags_ = 0;
  lower_status_ = Status::kOk;
  pem_without_nul_ = false;
  detail_ = nullptr;
  client_path_ = nullptr;
  ip_mismatch_ = false;
  cert_requested_ = false;

  const char* name = options.server_name;
  if (name == nullptr || name[0] == '\0' || std::strlen(name) >= sizeof server_name_) {
    return fail(Step::kInit, MBEDTLS_ERR_SSL_BAD_INPUT_DATA, Status::kInvalidArgument);
  }
  std::memcpy(server_name_, name, std::strlen(name) + 1);
  server_ip_len_ = 0;
  if (parse_ipv4(server_name_, std::strlen(server_name_), server_ip_)) {
    server_ip_len_ = 4;
  } else if (parse_ipv6(server_name_, server_ip_)) {
    server_ip_len_ = 16;
  }
  handshake_timeout_ms_ =
      options.handshake_timeout_ms == 0 ? kDefaultHandshakeTimeoutMs : options.handshake_timeout_ms;

  if (Status s = load_ca(options); s != Status::kOk) return s;
  if (Status s = load_client_identity(options); s != Status::kOk) return s;

  static constexpr unsigned char kPersonalisation[] = "tracelet-tls-client";
  int rc = mbedtls_ctr_drbg_seed(&drbg_, &drbg_entropy, nullptr, kPersonalisation,
                                 sizeof kPersonalisation - 1);
  if (rc != 0) return fail(Step::kSeed, rc, Status::kUnavailable);

  rc = mbedtls_ssl_config_defaults(&conf_, MBEDTLS_SSL_IS_CLIENT, MBEDTLS_SSL_TRANSPORT_STREAM,
                                   MBEDTLS_SSL_PRESET_DEFAULT);
  if (rc != 0) return fail(Step::kSetup, rc, Status::kResourceExhausted);
  mbedtls_ssl_conf_min_version(&conf_, MBEDTLS_SSL_MAJOR_VERSION_3, MBEDTLS_SSL_MINOR_VERSION_3);
  mbedtls_ssl_conf_authmode(&conf_, MBEDTLS_SSL_VERIFY_REQUIRED);
  mbedtls_ssl_conf_ca_chain(&conf_, &ca_, nullptr);
  mbedtls_ssl_conf_rng(&conf_, &mbedtls_ctr_drbg_random, &drbg_);
  // Runs after Mbed TLS's own checks of each certificate; adds the IP address check.
  mbedtls_ssl_conf_verify(&conf_, &verify_peer, this);
  if (has_client_cert_) {
    rc = mbedtls_ssl_conf_own_cert(&conf_, &own_cert_, &own_key_);
    if (rc != 0) return fail(Step::kSetup, rc, Status::kInvalidArgument);
  }

  rc = mbedtls_ssl_setup(&ssl_, &conf_);
  if (rc != 0) {
    return fail(Step::kSetup, rc,
                rc == MBEDTLS_ERR_SSL_ALLOC_FAILED ? Status::kResourceExhausted
                                                   : Status::kInvalidArgument);
  }
  // A host name goes to Mbed TLS (SNI and its dNSName/CN check). An address does not: no SNI
  // for addresses (RFC 6066), and verify_peer() matches it against iPAddress entries, which
  // Mbed TLS 2.28 never compares. NULL says "no name" explicitly, which newer 2.28 releases
  // require before they verify without one.
  rc = mbedtls_ssl_set_hostname(&ssl_, server_ip_len_ != 0 ? nullptr : server_name_);
  if (rc != 0) return fail(Step::kSetup, rc, Status::kResourceExhausted);
  state_ = State::kReady;
  return Status::kOk;
}

// ---- BIO: Mbed TLS record I/O through the lower Transport ----------------------------------

int TlsClient::bio_send(void* ctx, const unsigned char* buf, std::size_t len) {
  auto* self = static_cast<TlsClient*>(ctx);
  const std::int32_t n = self->lower_.send(self->lower_.ctx, buf, len);
  if (n > 0) return static_cast<int>(n);
  if (n == 0) return MBEDTLS_ERR_SSL_WANT_WRITE;
  self->lower_status_ = static_cast<Status>(n);
  return n == static_cast<std::int32_t>(Status::kUnavailable) ? MBEDTLS_ERR_NET_CONN_RESET
                                                              : MBEDTLS_ERR_NET_SEND_FAILED;
}

int TlsClient::bio_recv_timeout(void* ctx, unsigned char* buf, std::size_t len,
                                std::uint32_t timeout_ms) {
  auto* self = static_cast<TlsClient*>(ctx);
  const std::int32_t n = self->lower_.recv(self->lower_.ctx, buf, len, timeout_ms);
  if (n > 0) return static_cast<int>(n);
  // A timeout is reported as "no data yet" (the non-blocking contract): Mbed TLS keeps any
  // partial record and the context stays usable, whereas MBEDTLS_ERR_SSL_TIMEOUT would be
  // fatal for a TLS (non-DTLS) connection. Our callers own the deadlines.
  if (n == 0) return MBEDTLS_ERR_SSL_WANT_READ;
  self->lower_status_ = static_cast<Status>(n);
  // 0 tells Mbed TLS "end of stream" (MBEDTLS_ERR_SSL_CONN_EOF).
  return n == static_cast<std::int32_t>(Status::kUnavailable) ? 0 : MBEDTLS_ERR_NET_RECV_FAILED;
}

// ---- handshake ------------------------------------------------------------------------------

int TlsClient::verify_peer(void* ctx, mbedtls_x509_crt* crt, int depth, std::uint32_t* flags) {
  auto* self = static_cast<TlsClient*>(ctx);
  if (depth != 0 || self->server_ip_len_ == 0 || crt == nullptr) return 0;
  // The leaf certificate, when the server was named by address: one iPAddress entry must be
  // exactly that address (4 bytes for IPv4, 16 for IPv6). The chain, dates and key usage
  // were checked by Mbed TLS as for any host; their flags stay as they are.
  bool found = false;
  std::size_t used = 0;
  char* names = self->peer_names_;
  const std::size_t cap = sizeof self->peer_names_;
  names[0] = '\0';
  const bool has_san = for_each_alt_name(*crt, [&](int tag, const unsigned char* value, std::size_t len) {
    char text[64];
    if (tag == kSanIpAddress) {
      if (len == self->server_ip_len_ && std::memcmp(value, self->server_ip_, len) == 0) found = true;
      std::snprintf(text, sizeof text, "%sIP:", used == 0 ? "" : ", ");
      append(names, cap, &used, text);
      format_ip(value, len, text, sizeof text);
      append(names, cap, &used, text);
    } else if (tag == kSanDnsName) {
      std::size_t k = 0;
      for (; k < len && k + 1 < sizeof text; ++k) {
        const unsigned char c = value[k];
        text[k] = (c >= 0x20 && c < 0x7f) ? static_cast<char>(c) : '?';
      }
      text[k] = '\0';
      append(names, cap, &used, used == 0 ? "DNS:" : ", DNS:");
      append(names, cap, &used, text);
    }
  });
  if (!has_san) append(names, cap, &used, "no subjectAltName at all");
  else if (used == 0) append(names, cap, &used, "no DNS or IP names");
  if (!found) {
    self->ip_mismatch_ = true;
    *flags |= MBEDTLS_X509_BADCERT_CN_MISMATCH;  // makes the handshake fail as a name mismatch
  }
  return 0;
}

void TlsClient::save_session() noexcept {
  // Resumed if the server accepted the session id we offered (it echoes it back); a full
  // handshake gets a fresh id.
  resumed_ = has_saved_session_ && ssl_.session != nullptr && saved_session_.id_len != 0 &&
             ssl_.session->id_len == saved_session_.id_len &&
             std::memcmp(ssl_.session->id, saved_session_.id, saved_session_.id_len) == 0;
  mbedtls_ssl_session_free(&saved_session_);
  mbedtls_ssl_session_init(&saved_session_);
  has_saved_session_ = mbedtls_ssl_get_session(&ssl_, &saved_session_) == 0;
}

Status TlsClient::handshake(Transport lower) noexcept {
  if (state_ != State::kReady) return fail(Step::kHandshake, 0, Status::kFailedPrecondition);
  if (lower.send == nullptr || lower.recv == nullptr) {
    return fail(Step::kHandshake, 0, Status::kInvalidArgument);
  }
  lower_ = lower;
  error_ = 0;
  error_step_ = Step::kNone;
  verify_flags_ = 0;
  alert_ = -1;
  hello_refused_ = false;
  lower_status_ = Status::kOk;
  resumed_ = false;
  ip_mismatch_ = false;
  cert_requested_ = false;
  detail_ = nullptr;
  ssl_.client_auth = 0;  // set again by Mbed TLS if this server sends a CertificateRequest
  mbedtls_ssl_set_bio(&ssl_, this, &bio_send, nullptr, &bio_recv_timeout);
  if (has_saved_session_) {
    // A session the server no longer knows just falls back to a full handshake.
    (void)mbedtls_ssl_set_session(&ssl_, &saved_session_);
  }
  state_ = State::kHandshaking;

  const std::uint64_t deadline = now_ms() + handshake_timeout_ms_;
  int rc = 0;
  for (;;) {
    const std::uint64_t now = now_ms();
    if (now >= deadline) {
      rc = MBEDTLS_ERR_SSL_TIMEOUT;
      break;
    }
    mbedtls_ssl_conf_read_timeout(&conf_, static_cast<std::uint32_t>(deadline - now));
    rc = mbedtls_ssl_handshake(&ssl_);
    if (rc == 0) break;
    // WANT_READ also means the lower recv timed out; the deadline check above ends it.
    if (rc != MBEDTLS_ERR_SSL_WANT_READ && rc != MBEDTLS_ERR_SSL_WANT_WRITE) break;
  }
  if (rc == 0) {
    state_ = State::kConnected;
    save_session();
    return Status::kOk;
  }

  verify_flags_ = mbedtls_ssl_get_verify_result(&ssl_);
  if (verify_flags_ == static_cast<std::uint32_t>(-1)) verify_flags_ = 0;  // not checked yet
  // The server's fatal alert (level, description) is still in the input buffer.
  alert_ = (rc == MBEDTLS_ERR_SSL_FATAL_ALERT_MESSAGE && ssl_.in_msg != nullptr) ? ssl_.in_msg[1] : -1;
  // Closed (or reset, which can discard an alert already sent) before any ServerHello.
  hello_refused_ = ssl_.state <= MBEDTLS_SSL_SERVER_HELLO &&
                   (rc == MBEDTLS_ERR_SSL_CONN_EOF || lower_status_ == Status::kUnavailable);
  cert_requested_ = ssl_.client_auth != 0;  // the server sent a CertificateRequest
  Status status = Status::kDataLoss;
  if (rc == MBEDTLS_ERR_SSL_TIMEOUT) {
    status = Status::kTimeout;
  } else if (rc == MBEDTLS_ERR_X509_CERT_VERIFY_FAILED) {
    status = Status::kDataLoss;
  } else if (lower_status_ != Status::kOk || rc == MBEDTLS_ERR_SSL_CONN_EOF) {
    status = Status::kUnavailable;
  }
  (void)fail(Step::kHandshake, rc, status);
  // Ready for another attempt on a new lower connection; the reason stays readable.
  (void)mbedtls_ssl_session_reset(&ssl_);
  lower_ = Transport{};
  state_ = State::kReady;
  return status;
}

// ---- application data -----------------------------------------------------------------------

std::int32_t TlsClient::send(const std::uint8_t* data, std::size_t len) noexcept {
  if (state_ != State::kConnected) {
    return static_cast<std::int32_t>(state_ == State::kBroken ? Status::kUnavailable
                                                              : Status::kFailedPrecondition);
  }
  if (data == nullptr && len != 0) return static_cast<std::int32_t>(Status::kInvalidArgument);
  if (len == 0) return 0;
  const int rc = mbedtls_ssl_write(&ssl_, data, len);
  if (rc > 0) return static_cast<std::int32_t>(rc);
  if (rc == MBEDTLS_ERR_SSL_WANT_WRITE || rc == MBEDTLS_ERR_SSL_WANT_READ) return 0;
  state_ = State::kBroken;
  const Status status = lower_status_ != Status::kOk ? Status::kUnavailable : Status::kDataLoss;
  return static_cast<std::int32_t>(fail(Step::kSend, rc, status));
}

std::int32_t TlsClient::recv(std::uint8_t* data, std::size_t cap, std::uint32_t timeout_ms) noexcept {
  if (state_ != State::kConnected) {
    return static_cast<std::int32_t>(state_ == State::kBroken ? Status::kUnavailable
                                                              : Status::kFailedPrecondition);
  }
  if (data == nullptr || cap == 0) return static_cast<std::int32_t>(Status::kInvalidArgument);
  const std::uint64_t deadline = now_ms() + timeout_ms;
  for (;;) {
    const std::uint64_t now = now_ms();
    const std::uint32_t left = now >= deadline ? 0 : static_cast<std::uint32_t>(deadline - now);
    mbedtls_ssl_conf_read_timeout(&conf_, left);
    const int rc = mbedtls_ssl_read(&ssl_, data, cap);
    if (rc > 0) return static_cast<std::int32_t>(rc);
    if (rc == MBEDTLS_ERR_SSL_WANT_READ || rc == MBEDTLS_ERR_SSL_WANT_WRITE) {
      // Nothing in time, or a record without application data was consumed: wait on
      // until the deadline, then report a timeout.
      if (left == 0) return 0;
      continue;
    }
    state_ = State::kBroken;
    if (rc == 0 || rc == MBEDTLS_ERR_SSL_PEER_CLOSE_NOTIFY || rc == MBEDTLS_ERR_SSL_CONN_EOF ||
        lower_status_ != Status::kOk) {
      return static_cast<std::int32_t>(fail(Step::kRecv, rc, Status::kUnavailable));
    }
    return static_cast<std::int32_t>(fail(Step::kRecv, rc, Status::kDataLoss));
  }
}

Transport TlsClient::transport() noexcept {
  Transport t;
  t.ctx = this;
  t.send = [](void* ctx, const std::uint8_t* data, std::size_t len) -> std::int32_t {
    return static_cast<TlsClient*>(ctx)->send(data, len);
  };
  t.recv = [](void* ctx, std::uint8_t* data, std::size_t cap, std::uint32_t timeout_ms) -> std::int32_t {
    return static_cast<TlsClient*>(ctx)->recv(data, cap, timeout_ms);
  };
  return t;
}

void TlsClient::close() noexcept {
  if (state_ == State::kConnected) {
    // Best effort: tells the server the stream ended on purpose (not truncated).
    mbedtls_ssl_conf_read_timeout(&conf_, kCloseNotifyTimeoutMs);
    for (int attempt = 0; attempt < 3; ++attempt) {
      const int rc = mbedtls_ssl_close_notify(&ssl_);
      if (rc != MBEDTLS_ERR_SSL_WANT_WRITE && rc != MBEDTLS_ERR_SSL_WANT_READ) break;
    }
  }
  if (state_ == State::kConnected || state_ == State::kBroken || state_ == State::kHandshaking) {
    (void)mbedtls_ssl_session_reset(&ssl_);
    state_ = State::kReady;
  }
  lower_ = Transport{};
}

void TlsClient::forget_session() noexcept {
  mbedtls_ssl_session_free(&saved_session_);
  mbedtls_ssl_session_init(&saved_session_);
  has_saved_session_ = false;
}

// ---- error text -----------------------------------------------------------------------------

const char* TlsClient::describe_error(char* out, std::size_t cap) const noexcept {
  if (out == nullptr || cap == 0) return out;
  out[0] = '\0';
  std::size_t used = 0;
  if (error_step_ == Step::kNone) {
    append(out, cap, &used, "no error");
    return out;
  }
  const char* step = "tls";
  switch (error_step_) {
    case Step::kNone: break;
    case Step::kInit: step = "init"; break;
    case Step::kCa: step = "CA"; break;
    case Step::kClientCert: step = "client certificate"; break;
    case Step::kClientKey: step = "client key"; break;
    case Step::kSeed: step = "DRBG seed"; break;
    case Step::kSetup: step = "setup"; break;
    case Step::kHandshake: step = "handshake"; break;
    case Step::kSend: step = "send"; break;
    case Step::kRecv: step = "recv"; break;
  }
  append(out, cap, &used, step);
  append(out, cap, &used, ": ");

  if (error_step_ == Step::kCa && ca_path_ != nullptr) {
    append(out, cap, &used, "cannot load CA file '");
    append(out, cap, &used, ca_path_);
    append(out, cap, &used, "': ");
  }
  if ((error_step_ == Step::kClientCert || error_step_ == Step::kClientKey) && client_path_ != nullptr) {
    append(out, cap, &used, "cannot load '");
    append(out, cap, &used, client_path_);  // a path only: key bytes are never shown
    append(out, cap, &used, "': ");
  }
  if (pem_without_nul_) {
    append(out, cap, &used, error_step_ == Step::kCa ? "PEM CA buffer must include its NUL terminator in ca_size"
                            : error_step_ == Step::kClientCert
                                ? "PEM buffer must include its NUL terminator in client_cert_size"
                                : "PEM buffer must include its NUL terminator in client_key_size");
    return out;
  }
  if (detail_ != nullptr && error_step_ != Step::kHandshake) {
    append(out, cap, &used, detail_);
    return out;
  }
  if (error_ == MBEDTLS_ERR_X509_CERT_VERIFY_FAILED && verify_flags_ != 0) {
    append(out, cap, &used, "certificate verification failed: ");
    std::uint32_t flags = verify_flags_;
    if (ip_mismatch_) {
      // Our check, not Mbed TLS's CN comparison: say what the certificate names instead.
      char ip[48];
      format_ip(server_ip_, server_ip_len_, ip, sizeof ip);
      append(out, cap, &used, "certificate has no IP address ");
      append(out, cap, &used, ip);
      append(out, cap, &used, " in its subjectAltName (it names: ");
      append(out, cap, &used, peer_names_);
      append(out, cap, &used, ")");
      flags &= ~static_cast<std::uint32_t>(MBEDTLS_X509_BADCERT_CN_MISMATCH);
      if (flags == 0) return out;
      append(out, cap, &used, "; ");
    }
    char info[512];
    const int n = mbedtls_x509_crt_verify_info(info, sizeof info, "", flags);
    if (n > 0) {
      // One line per failed check; join them so the reason stays one log line.
      for (char* c = info; *c != '\0'; ++c) {
        if (*c == '\n') *c = (c[1] == '\0') ? '\0' : ';';
      }
      append(out, cap, &used, info);
    }
    return out;
  }
  if (error_ == MBEDTLS_ERR_SSL_TIMEOUT) {
    append(out, cap, &used, "timed out");
    return out;
  }
  if (alert_ >= 0 && cert_requested_ && alert_name(alert_) != nullptr) {
    // The server asked for a client certificate (mutual TLS), then ended the handshake.
    append(out, cap, &used, has_client_cert_
                                ? "the server refused our client certificate (alert "
                                : "the server requires a client certificate (mutual TLS) and none "
                                  "is configured (alert ");
    append(out, cap, &used, alert_name(alert_));
    append(out, cap, &used, ")");
    return out;
  }
  if (alert_ == MBEDTLS_SSL_ALERT_MSG_PROTOCOL_VERSION) {
    // What a TLS-1.3-only server answers a TLS 1.2 ClientHello with.
    append(out, cap, &used, "the server refused the protocol version (alert protocol_version): "
                            "it requires TLS 1.3, and this build speaks TLS 1.2 only (Mbed TLS 2.28)");
    return out;
  }
  if (lower_status_ != Status::kOk) {
    append(out, cap, &used, lower_status_ == Status::kUnavailable
                                ? "transport closed by peer or unreachable"
                                : "transport failed");
    append(out, cap, &used, " (");
  }
  if (error_ != 0) {
    char text[160];
#if defined(MBEDTLS_ERROR_C)
    mbedtls_strerror(error_, text, sizeof text);
#else
    text[0] = '\0';
#endif
    char code[32];
    std::snprintf(code, sizeof code, "%s-0x%04x", text[0] != '\0' ? " " : "",
                  static_cast<unsigned>(-error_));
    append(out, cap, &used, text);
    append(out, cap, &used, code);
  } else if (error_step_ == Step::kHandshake || error_step_ == Step::kInit) {
    append(out, cap, &used, "invalid state or argument");
  }
  if (lower_status_ != Status::kOk) append(out, cap, &used, ")");
  if (error_step_ == Step::kHandshake && cert_requested_) {
    // The server closed without a reason we could read (some close before their alert
    // arrives, some send none), but it had asked for a client certificate.
    append(out, cap, &used, has_client_cert_
                                ? "; the server had asked for a client certificate (mutual TLS) and "
                                  "may have refused ours"
                                : "; the server had asked for a client certificate (mutual TLS) and "
                                  "none is configured");
  } else if (error_step_ == Step::kHandshake && hello_refused_) {
    append(out, cap, &used, "; the server hung up on our ClientHello: it may require TLS 1.3 (this "
                            "build speaks TLS 1.2 only, Mbed TLS 2.28) or share no cipher suite with it");
  }
  return out;
}

}  // namespace tracelet

// TlsClient: Mbed TLS 2.28 glued to a tracelet::Transport.
#include "tracelet/tls.h"

#include <mbedtls/error.h>
#include <mbedtls/net_sockets.h>  // only for the MBEDTLS_ERR_NET_* codes our BIO reports

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

}  // namespace

// ---- lifecycle ------------------------------------------------------------------------------

TlsClient::TlsClient() noexcept {
  mbedtls_ssl_init(&ssl_);
  mbedtls_ssl_config_init(&conf_);
  mbedtls_ctr_drbg_init(&drbg_);
  mbedtls_x509_crt_init(&ca_);
  mbedtls_ssl_session_init(&saved_session_);
}

TlsClient::~TlsClient() { deinit(); }

void TlsClient::deinit() noexcept {
  mbedtls_ssl_free(&ssl_);
  mbedtls_ssl_config_free(&conf_);
  mbedtls_ctr_drbg_free(&drbg_);
  mbedtls_x509_crt_free(&ca_);
  mbedtls_ssl_session_free(&saved_session_);
  // The _free functions leave zeroed memory; _init makes the "empty" state explicit again.
  mbedtls_ssl_init(&ssl_);
  mbedtls_ssl_config_init(&conf_);
  mbedtls_ctr_drbg_init(&drbg_);
  mbedtls_x509_crt_init(&ca_);
  mbedtls_ssl_session_init(&saved_session_);
  lower_ = Transport{};
  state_ = State::kEmpty;
  has_saved_session_ = false;
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

Status TlsClient::init(const TlsOptions& options) noexcept {
  deinit();
  error_ = 0;
  error_step_ = Step::kNone;
  verify_flags_ = 0;
  lower_status_ = Status::kOk;
  pem_without_nul_ = false;

  const char* name = options.server_name;
  if (name == nullptr || name[0] == '\0' || std::strlen(name) >= sizeof server_name_) {
    return fail(Step::kInit, MBEDTLS_ERR_SSL_BAD_INPUT_DATA, Status::kInvalidArgument);
  }
  std::memcpy(server_name_, name, std::strlen(name) + 1);
  handshake_timeout_ms_ =
      options.handshake_timeout_ms == 0 ? kDefaultHandshakeTimeoutMs : options.handshake_timeout_ms;

  if (Status s = load_ca(options); s != Status::kOk) return s;

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

  rc = mbedtls_ssl_setup(&ssl_, &conf_);
  if (rc != 0) {
    return fail(Step::kSetup, rc,
                rc == MBEDTLS_ERR_SSL_ALLOC_FAILED ? Status::kResourceExhausted
                                                   : Status::kInvalidArgument);
  }
  rc = mbedtls_ssl_set_hostname(&ssl_, server_name_);
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
  lower_status_ = Status::kOk;
  resumed_ = false;
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
  if (pem_without_nul_ && error_step_ == Step::kCa) {
    append(out, cap, &used, "PEM CA buffer must include its NUL terminator in ca_size");
    return out;
  }
  if (error_ == MBEDTLS_ERR_X509_CERT_VERIFY_FAILED && verify_flags_ != 0) {
    append(out, cap, &used, "certificate verification failed: ");
    char info[512];
    const int n = mbedtls_x509_crt_verify_info(info, sizeof info, "", verify_flags_);
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
  return out;
}

}  // namespace tracelet

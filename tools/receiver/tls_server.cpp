#include "tls_server.h"

#include <sys/socket.h>
#include <unistd.h>

#include <mbedtls/ctr_drbg.h>
#include <mbedtls/entropy.h>
#include <mbedtls/error.h>
#include <mbedtls/net_sockets.h>
#include <mbedtls/pk.h>
#include <mbedtls/ssl.h>
#include <mbedtls/x509_crt.h>

#include <cerrno>
#include <cstdio>
#include <cstring>
#include <fstream>
#include <sstream>

namespace tracelet::receiver {

std::string mbedtls_error_text(const char* what, int rc) {
  char text[160];
  mbedtls_strerror(rc, text, sizeof text);
  char code[24];
  std::snprintf(code, sizeof code, " (-0x%04x)", static_cast<unsigned>(-rc));
  return std::string(what) + ": " + text + code;
}

namespace {

bool read_file(const std::string& path, std::string& out, std::string& error) {
  std::ifstream in(path, std::ios::binary);
  if (!in) {
    error = "cannot read " + path + ": " + std::strerror(errno);
    return false;
  }
  std::ostringstream ss;
  ss << in.rdbuf();
  out = ss.str();
  return true;
}

// Wraps the shared cache to learn whether this connection's handshake resumed a session.
struct CacheProbe {
  mbedtls_ssl_cache_context* cache;
  bool hit;
};

int probe_get(void* ctx, mbedtls_ssl_session* session) {
  auto* probe = static_cast<CacheProbe*>(ctx);
  const int rc = mbedtls_ssl_cache_get(probe->cache, session);
  if (rc == 0) probe->hit = true;
  return rc;
}

int probe_set(void* ctx, const mbedtls_ssl_session* session) {
  return mbedtls_ssl_cache_set(static_cast<CacheProbe*>(ctx)->cache, session);
}

// The socket under one TLS connection, read ahead: Mbed TLS asks for a record's 5-byte
// header and then its body, each a read of its own, so small reads straight from the socket
// cost two poll() and two recv() calls per record. This takes whatever has arrived (up to
// a full 16 KB record and the next header) in one recv and serves Mbed TLS from it.
struct ReadAheadSocket {
  explicit ReadAheadSocket(const int& socket_fd) : fd(socket_fd) {}
  const int& fd;  // the connection's descriptor; -1 once closed
  unsigned char in[16384 + 512];
  std::size_t begin = 0;
  std::size_t end = 0;
};

int bio_send(void* ctx, const unsigned char* buf, std::size_t len) {
  const int fd = static_cast<ReadAheadSocket*>(ctx)->fd;
  for (;;) {
    const ssize_t n = send(fd, buf, len, MSG_NOSIGNAL);
    if (n >= 0) return static_cast<int>(n);
    if (errno == EINTR) continue;
    if (errno == EAGAIN || errno == EWOULDBLOCK) return MBEDTLS_ERR_NET_SEND_FAILED;  // SO_SNDTIMEO
    return errno == EPIPE || errno == ECONNRESET ? MBEDTLS_ERR_NET_CONN_RESET
                                                 : MBEDTLS_ERR_NET_SEND_FAILED;
  }
}

// One recv of what is there; 0 at EOF, -1 with errno (EAGAIN: nothing yet).
ssize_t recv_available(int fd, unsigned char* buf, std::size_t len, int flags) {
  for (;;) {
    const ssize_t n = recv(fd, buf, len, flags);
    if (n >= 0 || errno != EINTR) return n;
  }
}

int bio_recv_timeout(void* ctx, unsigned char* buf, std::size_t len, std::uint32_t timeout_ms) {
  auto* socket = static_cast<ReadAheadSocket*>(ctx);
  if (socket->begin == socket->end) {
    socket->begin = socket->end = 0;
    ssize_t n = recv_available(socket->fd, socket->in, sizeof socket->in, MSG_DONTWAIT);
    if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK)) {
      const int ready = sock::wait_readable(socket->fd, static_cast<int>(timeout_ms));
      // "No data yet" rather than MBEDTLS_ERR_SSL_TIMEOUT, which would end a TLS connection;
      // the loops above keep their own deadlines and watch the stop flag.
      if (ready == 0) return MBEDTLS_ERR_SSL_WANT_READ;
      if (ready < 0) return MBEDTLS_ERR_NET_RECV_FAILED;
      n = recv_available(socket->fd, socket->in, sizeof socket->in, MSG_DONTWAIT);
      if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK)) return MBEDTLS_ERR_SSL_WANT_READ;
    }
    if (n == 0) return 0;  // EOF
    if (n < 0) return errno == ECONNRESET ? MBEDTLS_ERR_NET_CONN_RESET : MBEDTLS_ERR_NET_RECV_FAILED;
    socket->end = static_cast<std::size_t>(n);
  }
  const std::size_t n = len < socket->end - socket->begin ? len : socket->end - socket->begin;
  std::memcpy(buf, socket->in + socket->begin, n);
  socket->begin += n;
  return static_cast<int>(n);
}

// One TLS connection with everything it needs, so handshakes on different threads share
// nothing but the (locked) session cache.
class TlsConnection final : public Connection {
 public:
  explicit TlsConnection(int fd) : fd_(fd), socket_(fd_) {
    mbedtls_entropy_init(&entropy_);
    mbedtls_ctr_drbg_init(&drbg_);
    mbedtls_x509_crt_init(&cert_);
    mbedtls_x509_crt_init(&client_ca_);
    mbedtls_pk_init(&key_);
    mbedtls_ssl_config_init(&conf_);
    mbedtls_ssl_init(&ssl_);
  }

  ~TlsConnection() override {
    if (fd_ >= 0) close(fd_);
    mbedtls_ssl_free(&ssl_);
    mbedtls_ssl_config_free(&conf_);
    mbedtls_pk_free(&key_);
    mbedtls_x509_crt_free(&client_ca_);
    mbedtls_x509_crt_free(&cert_);
    mbedtls_ctr_drbg_free(&drbg_);
    mbedtls_entropy_free(&entropy_);
  }

  bool setup(const std::string& cert_pem, const std::string& key_pem,
             const std::string& client_ca_pem, mbedtls_ssl_cache_context* cache) {
    static const unsigned char kPers[] = "tracelet-receiver";
    int rc = mbedtls_ctr_drbg_seed(&drbg_, mbedtls_entropy_func, &entropy_, kPers, sizeof kPers - 1);
    if (rc != 0) return fail("seeding DRBG", rc);
    rc = mbedtls_x509_crt_parse(&cert_, reinterpret_cast<const unsigned char*>(cert_pem.c_str()),
                                cert_pem.size() + 1);
    if (rc != 0) return fail("parsing certificate", rc);
    rc = mbedtls_pk_parse_key(&key_, reinterpret_cast<const unsigned char*>(key_pem.c_str()),
                              key_pem.size() + 1, nullptr, 0);
    if (rc != 0) return fail("parsing key", rc);
    rc = mbedtls_ssl_config_defaults(&conf_, MBEDTLS_SSL_IS_SERVER, MBEDTLS_SSL_TRANSPORT_STREAM,
                                     MBEDTLS_SSL_PRESET_DEFAULT);
    if (rc != 0) return fail("config", rc);
    mbedtls_ssl_conf_rng(&conf_, mbedtls_ctr_drbg_random, &drbg_);
    rc = mbedtls_ssl_conf_own_cert(&conf_, &cert_, &key_);
    if (rc != 0) return fail("own certificate", rc);
    if (!client_ca_pem.empty()) {
      // Mutual TLS: a client certificate is required and must chain to this CA.
      rc = mbedtls_x509_crt_parse(&client_ca_, reinterpret_cast<const unsigned char*>(client_ca_pem.c_str()),
                                  client_ca_pem.size() + 1);
      if (rc != 0) return fail("parsing client CA", rc);
      mbedtls_ssl_conf_ca_chain(&conf_, &client_ca_, nullptr);
      mbedtls_ssl_conf_authmode(&conf_, MBEDTLS_SSL_VERIFY_REQUIRED);
    }
    probe_.cache = cache;
    probe_.hit = false;
    mbedtls_ssl_conf_session_cache(&conf_, &probe_, probe_get, probe_set);
    rc = mbedtls_ssl_setup(&ssl_, &conf_);
    if (rc != 0) return fail("ssl setup", rc);
    mbedtls_ssl_set_bio(&ssl_, &socket_, bio_send, nullptr, bio_recv_timeout);
    return true;
  }

  bool handshake(int timeout_ms, const std::atomic<bool>& stop) {
    const long start = now_ms();
    for (;;) {
      const long left = timeout_ms - (now_ms() - start);
      if (left <= 0) return fail("TLS handshake", MBEDTLS_ERR_SSL_TIMEOUT);
      if (stop.load()) return fail("TLS handshake (shutting down)", MBEDTLS_ERR_SSL_TIMEOUT);
      // Short slices, so a client that never finishes cannot delay shutdown.
      mbedtls_ssl_conf_read_timeout(&conf_, static_cast<std::uint32_t>(left < 200 ? left : 200));
      const int rc = mbedtls_ssl_handshake(&ssl_);
      if (rc == 0) return true;
      if (rc == MBEDTLS_ERR_SSL_WANT_READ || rc == MBEDTLS_ERR_SSL_WANT_WRITE) continue;
      if (rc == MBEDTLS_ERR_X509_CERT_VERIFY_FAILED) {
        // Only client certificates are verified here: say which check failed.
        char info[256];
        const int n = mbedtls_x509_crt_verify_info(info, sizeof info, "",
                                                   mbedtls_ssl_get_verify_result(&ssl_));
        std::string text = n > 0 ? std::string(info, static_cast<std::size_t>(n)) : std::string();
        while (!text.empty() && text.back() == '\n') text.pop_back();
        for (char& c : text) if (c == '\n') c = ';';
        fail("TLS handshake: client certificate refused", rc);
        error_ += ": " + text;
        refused_client_ = true;
        return false;
      }
      if (rc == MBEDTLS_ERR_SSL_NO_CLIENT_CERTIFICATE) {
        refused_client_ = true;
        missing_client_cert_ = true;
        return fail("TLS handshake: client certificate required (--client-ca) but none sent", rc);
      }
      return fail("TLS handshake", rc);
    }
  }

  bool resumed() const { return probe_.hit; }

  // The subject of the client's certificate, or "" when it sent none (or the session was
  // resumed from the cache without one).
  std::string client_subject() const {
    const mbedtls_x509_crt* peer = mbedtls_ssl_get_peer_cert(&ssl_);
    if (peer == nullptr) return "";
    char dn[256];
    return mbedtls_x509_dn_gets(dn, sizeof dn, &peer->subject) > 0 ? dn : "";
  }

  long read(std::uint8_t* buf, std::size_t cap, int timeout_ms) override {
    if (fd_ < 0) return -1;
    mbedtls_ssl_conf_read_timeout(&conf_, static_cast<std::uint32_t>(timeout_ms > 0 ? timeout_ms : 1));
    const int rc = mbedtls_ssl_read(&ssl_, buf, cap);
    if (rc > 0) return rc;
    if (rc == MBEDTLS_ERR_SSL_WANT_READ || rc == MBEDTLS_ERR_SSL_WANT_WRITE) return 0;
    if (rc != 0 && rc != MBEDTLS_ERR_SSL_PEER_CLOSE_NOTIFY && rc != MBEDTLS_ERR_SSL_CONN_EOF) {
      error_ = mbedtls_error_text("TLS read", rc);
    }
    return -1;
  }

  bool write_all(const void* data, std::size_t len) override {
    const auto* p = static_cast<const unsigned char*>(data);
    while (len > 0) {
      const int rc = mbedtls_ssl_write(&ssl_, p, len);
      if (rc == MBEDTLS_ERR_SSL_WANT_WRITE || rc == MBEDTLS_ERR_SSL_WANT_READ) continue;
      if (rc <= 0) {
        fail("TLS write", rc);
        return false;
      }
      p += rc;
      len -= static_cast<std::size_t>(rc);
    }
    return true;
  }

  void close_gracefully() override {
    if (fd_ < 0) return;
    (void)mbedtls_ssl_close_notify(&ssl_);
    sock::shutdown_and_drain(fd_, 500);
    fd_ = -1;
  }

  void abort() override {
    sock::reset_and_close(fd_);
    fd_ = -1;
  }

  // After a refused client certificate: the client must read why (a fatal alert) rather than
  // see a reset, which would discard the alert. Mbed TLS has sent one for a certificate that
  // failed verification; for a missing certificate it sends none, so this does (TLS 1.2 has
  // no certificate_required alert; handshake_failure is what servers send). Then the rest of
  // the client's flight is drained, so closing does not turn into a reset either.
  bool client_certificate_refused() const { return refused_client_; }
  void refuse() {
    if (fd_ < 0) return;
    if (missing_client_cert_) {
      (void)mbedtls_ssl_send_alert_message(&ssl_, MBEDTLS_SSL_ALERT_LEVEL_FATAL,
                                           MBEDTLS_SSL_ALERT_MSG_HANDSHAKE_FAILURE);
    }
    sock::shutdown_and_drain(fd_, 500);
    fd_ = -1;
  }

 private:
  bool fail(const char* what, int rc) {
    error_ = mbedtls_error_text(what, rc);
    return false;
  }

  int fd_;
  ReadAheadSocket socket_;
  bool refused_client_ = false;
  bool missing_client_cert_ = false;
  CacheProbe probe_{nullptr, false};
  mbedtls_entropy_context entropy_;
  mbedtls_ctr_drbg_context drbg_;
  mbedtls_x509_crt cert_;
  mbedtls_x509_crt client_ca_;
  mbedtls_pk_context key_;
  mbedtls_ssl_config conf_;
  mbedtls_ssl_context ssl_;
};

}  // namespace

TlsServer::TlsServer() { mbedtls_ssl_cache_init(&cache_); }

TlsServer::~TlsServer() { mbedtls_ssl_cache_free(&cache_); }

bool TlsServer::load(const std::string& cert_file, const std::string& key_file,
                     const std::string& client_ca_file, std::string& error) {
  if (!read_file(cert_file, cert_pem_, error) || !read_file(key_file, key_pem_, error)) return false;
  if (!client_ca_file.empty()) {
    if (!read_file(client_ca_file, client_ca_pem_, error)) return false;
    if (client_ca_pem_.empty()) {
      error = "--client-ca " + client_ca_file + " is empty";
      return false;
    }
  }
  // Parse once now so a bad file fails at startup rather than at the first connection.
  TlsConnection probe(-1);
  if (!probe.setup(cert_pem_, key_pem_, client_ca_pem_, &cache_)) {
    error = probe.error() + " (" + cert_file + ", " + key_file +
            (client_ca_file.empty() ? "" : ", " + client_ca_file) + ")";
    return false;
  }
  return true;
}

std::unique_ptr<Connection> TlsServer::handshake(int fd, int timeout_ms,
                                                 const std::atomic<bool>& stop, bool& resumed,
                                                 std::string& client, std::string& error) {
  auto conn = std::make_unique<TlsConnection>(fd);
  if (!conn->setup(cert_pem_, key_pem_, client_ca_pem_, &cache_) || !conn->handshake(timeout_ms, stop)) {
    error = conn->error();
    if (conn->client_certificate_refused()) {
      conn->refuse();
    } else {
      conn->abort();
    }
    return nullptr;
  }
  resumed = conn->resumed();
  client = conn->client_subject();
  return conn;
}

}  // namespace tracelet::receiver

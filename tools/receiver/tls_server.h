#pragma once
#include <atomic>
#include <memory>
#include <string>

#include <mbedtls/ssl_cache.h>

#include "connection.h"

namespace tracelet::receiver {

/// Server side of TLS for the receiver: the certificate and key (loaded once), and a session
/// cache shared by all connections so reconnecting clients can resume.
class TlsServer {
 public:
  TlsServer();
  ~TlsServer();
  TlsServer(const TlsServer&) = delete;
  TlsServer& operator=(const TlsServer&) = delete;

  /// Reads and checks the PEM certificate and key, and the client CA when `client_ca_file` is
  /// not empty (then every handshake requires a client certificate it verifies). False with
  /// `error` set on failure.
  bool load(const std::string& cert_file, const std::string& key_file,
            const std::string& client_ca_file, std::string& error);

  /// Runs the server handshake on the accepted socket `fd` (taking ownership of it) within
  /// `timeout_ms`, giving up early once `stop` is set. On success returns the connection,
  /// sets `resumed` when the client resumed a cached session and `client` to the subject of
  /// the client's certificate (empty without one); on failure returns nullptr with `error`
  /// set (fd closed).
  std::unique_ptr<Connection> handshake(int fd, int timeout_ms, const std::atomic<bool>& stop,
                                        bool& resumed, std::string& client, std::string& error);

 private:
  std::string cert_pem_;
  std::string key_pem_;
  std::string client_ca_pem_;  // empty: client certificates are neither asked for nor checked
  mbedtls_ssl_cache_context cache_;  // locks internally (MBEDTLS_THREADING_C)
};

/// "what: Mbed TLS error text (-0xNNNN)".
std::string mbedtls_error_text(const char* what, int rc);

}  // namespace tracelet::receiver

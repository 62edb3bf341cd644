#pragma once
#include <cstddef>
#include <cstdint>

#include <mbedtls/ctr_drbg.h>
#include <mbedtls/ssl.h>
#include <mbedtls/x509_crt.h>

#include "tracelet/status.h"
#include "tracelet/transport.h"

/// TLS 1.2 client on Mbed TLS 2.28 that runs over any Transport (usually a TCP connection from
/// net_port.h) and is itself a Transport, so the HTTP exporter does not know whether it talks
/// through TLS. The server certificate is always verified (chain to the configured CA, validity
/// dates where the platform has a clock, and the host name); there is no insecure mode.
namespace tracelet {

/// Options for TlsClient::init(). Zero means default. Read during init() only: nothing here
/// needs to outlive init() (the host name and the CA are copied into the client).
struct TlsOptions {
  /// Required. Host name sent as SNI and matched against the certificate's DNS names / CN.
  /// For a numeric address, the certificate must carry it as a DNS name too (Mbed TLS 2.28
  /// ignores IP-address SAN entries). At most 253 characters.
  const char* server_name = nullptr;
  /// Trusted CA certificates in memory: PEM (one or more certificates; the NUL terminator
  /// must be included in ca_size, as sizeof on a string literal does) or one DER certificate.
  /// Use this on devices that keep their CA in flash. Takes precedence over ca_file.
  const std::uint8_t* ca_data = nullptr;
  std::size_t ca_size = 0;
  /// PEM bundle file with the trusted CAs, used when ca_data is null. When both are unset, the
  /// platform default tracelet::port::default_ca_bundle_path() is used (Debian:
  /// /etc/ssl/certs/ca-certificates.crt); a platform without one makes init() fail.
  const char* ca_file = nullptr;
  /// Upper bound for one handshake() in milliseconds. 0 = default (10000).
  std::uint32_t handshake_timeout_ms = 0;
};

/// One TLS client connection, in caller-owned storage (a global, a member or the stack:
/// sizeof is 2616 bytes on x86_64, plus what Mbed TLS allocates, see below). Lifecycle:
///
///   TlsClient tls;                       // constructor cannot fail, allocates nothing
///   tls.init(options);                   // once: parses the CA, seeds the DRBG
///   tcp_connect(&conn, ...);             // caller opens the lower transport
///   tls.handshake(tcp_transport(&conn)); // full handshake, or a resumed one after the first
///   ... tls.transport() send/recv, any number of HTTP requests (keep-alive) ...
///   tls.close(); tcp_close(&conn);       // clean close; handshake() again to reconnect
///   tls.deinit();                        // or just let the destructor run
///
/// Heap: Mbed TLS allocates during init() (the parsed CA chain and two record buffers of about
/// 16.6 KB each, kept until deinit()), and during each handshake (key exchange state and the
/// peer's certificate chain, freed when the handshake ends, except the saved session).
/// Measured on x86_64 (tests/net/tls_heap_test.cpp, one-certificate CA in memory): init keeps
/// ~38 KB, a full handshake adds a peak of ~8.5 KB (1.3 KB kept for the saved session), a
/// resumed one ~2.7 KB; the Debian system bundle instead keeps ~445 KB. No allocation
/// happens in send()/recv() once connected.
/// Threads: one thread at a time per TlsClient; separate TlsClients are independent.
class TlsClient {
 public:
  /// Puts every Mbed TLS context into its empty state. Cannot fail, allocates nothing.
  TlsClient() noexcept;
  /// Same as deinit().
  ~TlsClient();
  TlsClient(const TlsClient&) = delete;  // owns Mbed TLS state that points into itself
  TlsClient& operator=(const TlsClient&) = delete;

  /// Configures the client: copies the server name, parses the CA, seeds the CTR-DRBG from
  /// tracelet::port::entropy(), requires certificate verification and TLS >= 1.2.
  /// Calling init() again first does deinit().
  /// Return values:
  ///   kOk                 – ready for handshake()
  ///   kInvalidArgument    – server_name missing or too long; no CA given and the platform has
  ///                         no default; the CA could not be read or parsed (a PEM buffer
  ///                         without its NUL terminator is reported as such)
  ///   kUnavailable        – tracelet::port::entropy() failed, so no secure keys can be made
  ///   kResourceExhausted  – Mbed TLS could not allocate its buffers
  /// On failure describe_error() says what went wrong.
  [[nodiscard]] Status init(const TlsOptions& options) noexcept;

  /// Runs the TLS handshake over `lower`, which must be a freshly connected transport that
  /// outlives this connection (the client keeps a copy of the Transport, not of its ctx).
  /// Offers the session saved from the previous successful handshake, so a reconnect to the
  /// same server usually skips the certificate exchange (see session_resumed()).
  /// Blocks: up to options.handshake_timeout_ms (a lower send() that blocks may add its own
  /// send timeout once).
  /// Return values:
  ///   kOk                 – connected; use send()/recv() or transport()
  ///   kFailedPrecondition – init() did not succeed, or a connection is already open
  ///   kInvalidArgument    – `lower` has no send/recv function
  ///   kTimeout            – the server did not finish the handshake in time
  ///   kUnavailable        – the lower transport closed or failed during the handshake
  ///   kDataLoss           – the peer's certificate failed verification (untrusted chain,
  ///                         wrong host name, expired...), or the peer is not speaking TLS,
  ///                         sent an alert, or offered nothing acceptable
  /// On failure the client is ready for another handshake() on a new lower connection, and
  /// describe_error() gives the reason (for certificates: each failed check, e.g.
  /// "The certificate Common Name (CN) does not match with the expected CN").
  [[nodiscard]] Status handshake(Transport lower) noexcept;

  /// Encrypts and sends up to `len` bytes. Returns bytes accepted (>0), 0 if the lower
  /// transport would block (call again with the same data and length: Mbed TLS may already
  /// hold part of the record), or a negative Status: kFailedPrecondition when not connected,
  /// kUnavailable when the connection is gone, kDataLoss on a TLS error.
  [[nodiscard]] std::int32_t send(const std::uint8_t* data, std::size_t len) noexcept;

  /// Receives up to `cap` decrypted bytes, waiting at most `timeout_ms`.
  /// Returns bytes read (>0), 0 on timeout, or a negative Status: kUnavailable when the
  /// server closed the connection (close_notify or EOF), kFailedPrecondition when not
  /// connected, kDataLoss on a TLS error (bad record MAC, unexpected message...).
  [[nodiscard]] std::int32_t recv(std::uint8_t* data, std::size_t cap,
                                  std::uint32_t timeout_ms) noexcept;

  /// This client as a Transport (ctx = this). Valid while this TlsClient lives.
  Transport transport() noexcept;

  /// Ends the connection: sends close_notify if the connection is still healthy (bounded by
  /// a short timeout), then resets the TLS state so handshake() can run again. Keeps the CA,
  /// the configuration and the saved session. Does not close the lower transport: the caller
  /// owns it. Idempotent.
  void close() noexcept;

  /// Forgets the saved session, so the next handshake() is a full one.
  void forget_session() noexcept;

  /// Frees everything Mbed TLS allocated and returns to the freshly constructed state.
  /// Idempotent; safe after a failed init().
  void deinit() noexcept;

  /// True between a successful handshake() and close() or a fatal send/recv error.
  bool connected() const noexcept { return state_ == State::kConnected; }

  /// True if the last successful handshake() resumed the previous session (abbreviated
  /// handshake, no certificate transfer).
  bool session_resumed() const noexcept { return resumed_; }

  /// Mbed TLS error code (negative) of the last failure, 0 if none.
  int mbedtls_error() const noexcept { return error_; }

  /// Mbed TLS certificate verification flags (MBEDTLS_X509_BADCERT_*) of the last
  /// handshake, 0 if the certificate was accepted or not checked yet.
  std::uint32_t verify_flags() const noexcept { return verify_flags_; }

  /// Writes a one-line, NUL-terminated reason for the last failure into `out` (truncated to
  /// `cap`), e.g. "handshake: certificate verification failed: The certificate is not
  /// correctly signed by the trusted CA". "no error" when nothing failed. Returns `out`.
  const char* describe_error(char* out, std::size_t cap) const noexcept;

 private:
  enum class State : std::uint8_t { kEmpty, kReady, kHandshaking, kConnected, kBroken };
  enum class Step : std::uint8_t { kNone, kInit, kCa, kSeed, kSetup, kHandshake, kSend, kRecv };

  static int bio_send(void* ctx, const unsigned char* buf, std::size_t len);
  static int bio_recv_timeout(void* ctx, unsigned char* buf, std::size_t len,
                              std::uint32_t timeout_ms);
  Status load_ca(const TlsOptions& options) noexcept;
  Status fail(Step step, int mbedtls_error, Status status) noexcept;
  void save_session() noexcept;

  mbedtls_ssl_context ssl_;
  mbedtls_ssl_config conf_;
  mbedtls_ctr_drbg_context drbg_;
  mbedtls_x509_crt ca_;
  mbedtls_ssl_session saved_session_;
  Transport lower_{};
  std::uint32_t handshake_timeout_ms_ = 0;
  std::uint32_t verify_flags_ = 0;
  int error_ = 0;
  Status lower_status_ = Status::kOk;  // why the lower transport failed, if it did
  State state_ = State::kEmpty;
  Step error_step_ = Step::kNone;
  bool has_saved_session_ = false;
  bool resumed_ = false;
  bool pem_without_nul_ = false;
  char server_name_[254] = {};
};

}  // namespace tracelet

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
  /// Required. The name the server's certificate must carry. At most 253 characters.
  ///  - A host name ("collector.example") is sent as SNI and matched by Mbed TLS against the
  ///    certificate's dNSName entries (or its CN when it has none), as before.
  ///  - An IP address literal, IPv4 ("10.0.0.5") or IPv6 ("::1", "fd00::5"; no brackets, no
  ///    %zone), is matched by tracelet against the certificate's iPAddress subjectAltName
  ///    entries only, the way the OpenTelemetry SDKs (OpenSSL, Node, Go) do it: a dNSName or
  ///    CN that spells the address does not count, and no SNI is sent (RFC 6066 forbids
  ///    addresses there). Mbed TLS 2.28 itself compares DNS names only, hence this check.
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
  /// Client certificate for servers that require one (mutual TLS), with its private key.
  /// Give both or neither. Each comes from memory (PEM including its NUL terminator in the
  /// size, or DER; memory wins over the file, as for the CA) or from a file (PEM or DER).
  /// The key must not be encrypted. The certificate is presented only when the server asks.
  /// Error texts may name the key's file, never show its contents.
  const char* client_cert_file = nullptr;
  const std::uint8_t* client_cert_data = nullptr;
  std::size_t client_cert_size = 0;
  const char* client_key_file = nullptr;
  const std::uint8_t* client_key_data = nullptr;
  std::size_t client_key_size = 0;
};

/// One TLS client connection, in caller-owned storage (a global, a member or the stack:
/// sizeof is 3456 bytes on x86_64, plus what Mbed TLS allocates, see below). Lifecycle:
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
/// Every method: ISR-safe: no. Blocking and allocation are stated per method below; the
/// accessors (connected(), session_resumed(), mbedtls_error(), verify_flags(),
/// describe_error(), transport()) never block or allocate.
class TlsClient {
 public:
  /// Puts every Mbed TLS context into its empty state. Cannot fail, allocates nothing.
  TlsClient() noexcept;
  /// Same as deinit().
  ~TlsClient();
  TlsClient(const TlsClient&) = delete;  // owns Mbed TLS state that points into itself
  TlsClient& operator=(const TlsClient&) = delete;

  /// Configures the client: copies the server name, parses the CA (and the client
  /// certificate and key, when given), seeds the CTR-DRBG from tracelet::port::entropy(),
  /// requires certificate verification and TLS >= 1.2. Calling init() again first does
  /// deinit().
  /// Blocks: reads the CA and client files if given, and port::entropy(). Allocates: yes, from
  /// Mbed TLS's heap (CA chain, client identity and record buffers, kept until deinit()).
  /// Return values:
  ///   kOk                 – ready for handshake()
  ///   kInvalidArgument    – server_name missing or too long; no CA given and the platform has
  ///                         no default; the CA could not be read or parsed (a PEM buffer
  ///                         without its NUL terminator is reported as such); a client
  ///                         certificate without its key or the reverse, either unreadable or
  ///                         unparsable, an encrypted key, or a key that is not the
  ///                         certificate's
  ///   kUnavailable        – tracelet::port::entropy() failed, so no secure keys can be made
  ///   kResourceExhausted  – Mbed TLS could not allocate its buffers
  /// On failure describe_error() says what went wrong.
  [[nodiscard]] Status init(const TlsOptions& options) noexcept;

  /// Runs the TLS handshake over `lower`, which must be a freshly connected transport that
  /// outlives this connection (the client keeps a copy of the Transport, not of its ctx).
  /// Offers the session saved from the previous successful handshake, so a reconnect to the
  /// same server usually skips the certificate exchange (see session_resumed()).
  /// Blocks: up to options.handshake_timeout_ms (a lower send() that blocks may add its own
  /// send timeout once). Allocates: yes, from Mbed TLS's heap (freed when it ends, except the
  /// saved session).
  /// Return values:
  ///   kOk                 – connected; use send()/recv() or transport()
  ///   kFailedPrecondition – init() did not succeed, or a connection is already open
  ///   kInvalidArgument    – `lower` has no send/recv function
  ///   kTimeout            – the server did not finish the handshake in time
  ///   kUnavailable        – the lower transport closed or failed during the handshake
  ///   kDataLoss           – the peer's certificate failed verification (untrusted chain,
  ///                         wrong host name or address, expired...), or the peer is not
  ///                         speaking TLS, sent an alert (e.g. it wants a client certificate,
  ///                         or refused ours), or offered nothing acceptable. Nothing was
  ///                         sent: the status names the kind of failure, not lost data.
  /// On failure the client is ready for another handshake() on a new lower connection, and
  /// describe_error() gives the reason (for certificates: each failed check, e.g.
  /// "The certificate Common Name (CN) does not match with the expected CN", or
  /// "certificate has no IP address 10.0.0.5 in its subjectAltName (it names: DNS:a.example)").
  [[nodiscard]] Status handshake(Transport lower) noexcept;

  /// Encrypts and sends up to `len` bytes. Returns bytes accepted (>0), 0 if the lower
  /// transport would block (call again with the same data and length: Mbed TLS may already
  /// hold part of the record), or a negative Status: kFailedPrecondition when not connected,
  /// kUnavailable when the connection is gone, kDataLoss on a TLS error.
  /// Blocks: as the lower transport's send(). Allocates: never.
  [[nodiscard]] std::int32_t send(const std::uint8_t* data, std::size_t len) noexcept;

  /// Receives up to `cap` decrypted bytes, waiting at most `timeout_ms`.
  /// Returns bytes read (>0), 0 on timeout, or a negative Status: kUnavailable when the
  /// server closed the connection (close_notify or EOF), kFailedPrecondition when not
  /// connected, kDataLoss on a TLS error (bad record MAC, unexpected message...).
  /// Blocks: up to timeout_ms. Allocates: never.
  [[nodiscard]] std::int32_t recv(std::uint8_t* data, std::size_t cap,
                                  std::uint32_t timeout_ms) noexcept;

  /// This client as a Transport (ctx = this). Valid while this TlsClient lives.
  Transport transport() noexcept;

  /// Ends the connection: sends close_notify if the connection is still healthy (bounded by
  /// a short timeout), then resets the TLS state so handshake() can run again. Keeps the CA,
  /// the configuration and the saved session. Does not close the lower transport: the caller
  /// owns it. Idempotent. Blocks: up to about 200 ms for close_notify. Allocates: never.
  void close() noexcept;

  /// Forgets the saved session, so the next handshake() is a full one. Frees; never blocks.
  void forget_session() noexcept;

  /// Frees everything Mbed TLS allocated and returns to the freshly constructed state.
  /// Idempotent; safe after a failed init(). Frees; never blocks.
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
  enum class Step : std::uint8_t {
    kNone, kInit, kCa, kClientCert, kClientKey, kSeed, kSetup, kHandshake, kSend, kRecv
  };

  static int bio_send(void* ctx, const unsigned char* buf, std::size_t len);
  static int bio_recv_timeout(void* ctx, unsigned char* buf, std::size_t len,
                              std::uint32_t timeout_ms);
  static int verify_peer(void* ctx, mbedtls_x509_crt* crt, int depth, std::uint32_t* flags);
  Status load_ca(const TlsOptions& options) noexcept;
  Status load_client_identity(const TlsOptions& options) noexcept;
  Status fail(Step step, int mbedtls_error, Status status) noexcept;
  void save_session() noexcept;

  mbedtls_ssl_context ssl_;
  mbedtls_ssl_config conf_;
  mbedtls_ctr_drbg_context drbg_;
  mbedtls_x509_crt ca_;
  mbedtls_ssl_session saved_session_;
  mbedtls_x509_crt own_cert_;  // client certificate (mTLS), empty when none is configured
  mbedtls_pk_context own_key_;
  Transport lower_{};
  std::uint32_t handshake_timeout_ms_ = 0;
  std::uint32_t verify_flags_ = 0;
  int error_ = 0;
  int alert_ = -1;  // description of a fatal alert the server sent during the handshake
  bool hello_refused_ = false;  // the server hung up before its ServerHello
  const char* ca_path_ = nullptr;  // the CA file last loaded (owned by the caller's options)
  const char* client_path_ = nullptr;  // the client certificate or key file that failed to load
  const char* detail_ = nullptr;       // a fixed sentence for failures no Mbed TLS code names
  Status lower_status_ = Status::kOk;  // why the lower transport failed, if it did
  State state_ = State::kEmpty;
  Step error_step_ = Step::kNone;
  bool has_saved_session_ = false;
  bool resumed_ = false;
  bool pem_without_nul_ = false;
  bool has_client_cert_ = false;
  bool cert_requested_ = false;   // the server asked for a client certificate (last handshake)
  bool ip_mismatch_ = false;      // the peer's certificate lacks the server_name address
  std::uint8_t server_ip_len_ = 0;  // 4 or 16 when server_name is an IP literal, else 0
  std::uint8_t server_ip_[16] = {};
  char server_name_[254] = {};
  char peer_names_[160] = {};     // the peer's subjectAltName entries, for the mismatch reason
};

}  // namespace tracelet

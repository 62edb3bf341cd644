#pragma once
#include <cstddef>
#include <cstdint>

#include "tracelet/exporter.h"
#include "tracelet/exporter_config.h"
#include "tracelet/net_port.h"
#include "tracelet/tls.h"

namespace tracelet {

/// The exporter's Connector over the port's TCP and, for https endpoints, the Mbed TLS
/// client: certificate verification against the configured CA (or the platform bundle),
/// SNI and host-name checks (or the address check for a host given as an IP address), the
/// client certificate when one is configured (mutual TLS), session resumption on reconnect.
/// Caller-owned storage.
/// Every method: ISR-safe: no (the exporting thread). The connector's open() blocks up to its
/// timeout_ms for the TCP connect and again for the TLS handshake, and allocates from Mbed
/// TLS's heap (see TlsClient: init on the first https connect, then each handshake).
/// close() blocks at most for TLS close_notify (a short timeout) and the port's tcp_close().
class NetConnector {
 public:
  NetConnector() noexcept = default;
  NetConnector(const NetConnector&) = delete;
  NetConnector& operator=(const NetConnector&) = delete;
  ~NetConnector() { close(); }

  /// Keeps the CA settings of `config` (read again at each connect). Never fails.
  void configure(const ExporterConfig& config) noexcept { config_ = config; }
  /// The Connector to hand to Exporter::init(); valid while this object lives.
  Connector connector() noexcept;
  void close() noexcept;
  /// True if the last TLS connection resumed the previous session.
  bool session_resumed() const noexcept { return tls_.session_resumed(); }

 private:
  static Status open(void* ctx, const char* host, std::uint16_t port, bool tls,
                     std::uint32_t timeout_ms, Transport* out, char* error, std::size_t cap);
  static void close_cb(void* ctx);

  ExporterConfig config_{};
  port::TcpConnection tcp_{};
  TlsClient tls_;
  bool tls_ready_ = false;
  bool use_tls_ = false;
  char tls_host_[254] = {};
};

}  // namespace tracelet

#pragma once
#include <cstdint>
#include <string>

#include "tracelet/net_port.h"
#include "tracelet/tls.h"

namespace tracelet::test {

/// A TCP connection plus a TlsClient on top of it, the way the exporter will hold them.
struct TlsSession {
  port::TcpConnection tcp{};
  TlsClient tls;
  bool initialised = false;

  ~TlsSession() { close(); }

  /// init() (first call only), TCP connect to 127.0.0.1:`port`, handshake.
  Status open(std::uint16_t port, const TlsOptions& options) {
    if (!initialised) {
      if (Status s = tls.init(options); s != Status::kOk) return s;
      initialised = true;
    }
    if (Status s = port::tcp_connect(&tcp, "127.0.0.1", port, 3000); s != Status::kOk) return s;
    const Status s = tls.handshake(port::tcp_transport(&tcp));
    if (s != Status::kOk) port::tcp_close(&tcp);
    return s;
  }

  /// Clean close of TLS and TCP; open() again reconnects (resuming the session).
  void close() {
    tls.close();
    port::tcp_close(&tcp);
  }

  Transport transport() { return tls.transport(); }

  std::string reason() const {
    char buf[512];
    return tls.describe_error(buf, sizeof buf);
  }
};

}  // namespace tracelet::test

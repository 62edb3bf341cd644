// tracelet::port networking template (include/tracelet/net_port.h): only firmware that uses
// the OTLP/HTTP exporter needs it. Copy to net_<your_platform>.cpp and replace each body; the
// contract (return values, blocking limits) is in net_port.h. Map the TCP functions onto the
// platform's stack: BSD-style sockets (lwIP's socket API, an RTOS's), lwIP's netconn API, or a
// modem's AT socket commands. Everything runs in the exporting thread, never in interrupt
// handlers, so blocking up to the stated timeouts is fine; nothing may allocate beyond what
// the stack itself does. Placeholder bodies compile and report "unavailable".
#include <cstddef>
#include <cstdint>
#include <cstdio>

#include "tracelet/net_port.h"
#include "tracelet/port.h"

namespace tracelet::port {
namespace {
std::int32_t as_result(Status s) noexcept { return static_cast<std::int32_t>(s); }

// Transport adapters: the exporter and the TLS client talk to a connection through these.
std::int32_t transport_send(void* ctx, const std::uint8_t* data, std::size_t len) {
  return tcp_send(static_cast<TcpConnection*>(ctx), data, len);
}
std::int32_t transport_recv(void* ctx, std::uint8_t* data, std::size_t cap,
                            std::uint32_t timeout_ms) {
  return tcp_recv(static_cast<TcpConnection*>(ctx), data, cap, timeout_ms);
}
}  // namespace

// Resolve `host` (DNS or a numeric address), then connect, trying each address until one
// answers or timeout_ms (0 = 10000) has passed in total. Use a non-blocking connect and wait
// for it with the stack's select/poll, so the timeout holds. On success store the socket in
// conn->handle; on failure keep the stack's error code in conn->last_error and your own code
// for the failing step in conn->last_step (tcp_describe_error() turns both into text).
Status tcp_connect(TcpConnection* conn, const char* host, std::uint16_t port,
                   std::uint32_t timeout_ms) noexcept {
  if (conn == nullptr || host == nullptr || host[0] == '\0' || port == 0) {
    return Status::kInvalidArgument;
  }
  if (conn->handle >= 0) return Status::kFailedPrecondition;
  (void)timeout_ms;
  conn->last_step = 1;  // PORT: resolve, connect, set conn->handle
  return Status::kUnavailable;
}

// Send what fits, waiting up to conn->send_timeout_ms (0 = 5000) for room. Return the bytes
// taken, 0 when still no room (the caller retries with the same data), kUnavailable when the
// peer closed or reset the connection. Suppress SIGPIPE-style signals if the stack has them.
std::int32_t tcp_send(TcpConnection* conn, const std::uint8_t* data, std::size_t len) noexcept {
  if (conn == nullptr || (data == nullptr && len != 0)) return as_result(Status::kInvalidArgument);
  if (conn->handle < 0) return as_result(Status::kUnavailable);
  return 0;  // PORT: send()
}

// Receive what is there, waiting up to timeout_ms for the first byte (0 = don't wait). Return
// the bytes read, 0 on timeout, kUnavailable when the peer closed (a 0-byte read) or reset.
std::int32_t tcp_recv(TcpConnection* conn, std::uint8_t* data, std::size_t cap,
                      std::uint32_t timeout_ms) noexcept {
  if (conn == nullptr || data == nullptr || cap == 0) return as_result(Status::kInvalidArgument);
  if (conn->handle < 0) return as_result(Status::kUnavailable);
  (void)timeout_ms;
  return 0;  // PORT: wait for readable, then recv()
}

// Close the socket if open and set conn->handle = -1. Idempotent; keep last_error.
void tcp_close(TcpConnection* conn) noexcept {
  if (conn == nullptr || conn->handle < 0) return;
  conn->handle = -1;  // PORT: close the socket first
}

// Usually unchanged from this template.
Transport tcp_transport(TcpConnection* conn) noexcept {
  Transport t;
  t.ctx = conn;
  t.send = &transport_send;
  t.recv = &transport_recv;
  return t;
}

// One line of text for conn->last_step/last_error, truncated to cap, NUL-terminated.
const char* tcp_describe_error(const TcpConnection* conn, char* out, std::size_t cap) noexcept {
  if (out == nullptr || cap == 0) return out;
  if (conn == nullptr || conn->last_step == 0) {
    std::snprintf(out, cap, "no error");
  } else {
    // PORT: name the step and the stack's error text
    std::snprintf(out, cap, "error %d at step %u", static_cast<int>(conn->last_error),
                  static_cast<unsigned>(conn->last_step));
  }
  return out;
}

// Sleep at least ms of monotonic time: the OS's delay on an RTOS, or idle (WFI) until
// monotonic_ns() passes the deadline on bare metal (port/cortex_m/net_cortex_m.cpp).
void sleep_ms(std::uint32_t ms) noexcept {
  const std::uint64_t until = monotonic_ns() + std::uint64_t{ms} * 1000000u;
  while (monotonic_ns() < until) {
    // PORT: sleep or idle instead of spinning
  }
}

// Path of a PEM bundle of trusted roots for the TLS client, or nullptr without a file system
// (the application then passes its CA from memory).
const char* default_ca_bundle_path() noexcept {
  return nullptr;  // PORT: a path, if the platform has a CA bundle file
}

}  // namespace tracelet::port

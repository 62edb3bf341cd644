#pragma once
#include <cstddef>
#include <cstdint>

#include "tracelet/status.h"
#include "tracelet/transport.h"

/// The networking half of the platform contract: one outgoing TCP connection at a time per
/// TcpConnection object, plus a sleep for retry back-off. Implemented once per platform in
/// port/<name>/ (POSIX: port/posix/tcp_posix.cpp; a bare-metal port maps it onto lwIP or a
/// modem driver). Nothing here allocates: every connection lives in caller-owned storage.
///
/// Contexts: called only from the thread that exports (the exporter's background thread, or
/// whoever calls Exporter::poll()/flush() and NetConnector), never on the recording path and
/// never from interrupt handlers, so implementations may block for the times stated below.
/// Threads: one TcpConnection is used by one thread at a time. Different connections are
/// independent, and the functions without a connection are thread-safe.
namespace tracelet::port {

/// Caller-owned state of one TCP connection. Zero-initialise it (`TcpConnection c{};`) before
/// the first tcp_connect(); after tcp_close() it can be connected again. Copying an open
/// connection aliases the same socket: don't.
struct TcpConnection {
  /// Port-defined handle: a file descriptor on POSIX, a socket number or driver handle on
  /// other ports. -1 while closed. Read-only for callers.
  std::intptr_t handle = -1;
  /// How long tcp_send() may wait for room in the send buffer before it returns 0
  /// ("would block"). 0 = default (5000 ms). Callers may change it at any time.
  std::uint32_t send_timeout_ms = 0;
  /// Port-specific code of the last failure (errno or getaddrinfo code on POSIX), 0 if none.
  /// Turned into text by tcp_describe_error().
  std::int32_t last_error = 0;
  /// Port-defined code of the step that failed last (0 = none); only for tcp_describe_error().
  std::uint8_t last_step = 0;
};

/// Resolves `host` (a name or a numeric IPv4/IPv6 address) and connects to `host:port`, trying
/// each resolved address in order until one answers or `timeout_ms` (0 = default 10000 ms)
/// has passed in total. `conn` must be closed (handle == -1).
/// Blocks: yes, up to timeout_ms for the connects. Name resolution itself is the platform's
/// resolver and may take longer on a broken DNS setup (POSIX getaddrinfo has no timeout).
/// Allocates: only what the platform resolver allocates internally, freed before returning.
/// Return values:
///   kOk                 – connected; conn.handle is valid
///   kInvalidArgument    – conn or host is null/empty, or port is 0
///   kFailedPrecondition – conn is already open
///   kUnavailable        – the name did not resolve, or every address refused/was unreachable
///   kTimeout            – no address answered within timeout_ms
[[nodiscard]] Status tcp_connect(TcpConnection* conn, const char* host, std::uint16_t port,
                                 std::uint32_t timeout_ms) noexcept;

/// Sends up to `len` bytes. Waits up to conn->send_timeout_ms for buffer space.
/// Returns bytes accepted (>0, possibly fewer than len), 0 if nothing could be sent in time
/// (call again with the same data), or a negative Status: kUnavailable if the peer closed or
/// reset the connection or conn is not open, kInvalidArgument for a null pointer.
/// Never raises SIGPIPE. Blocks: up to conn->send_timeout_ms.
[[nodiscard]] std::int32_t tcp_send(TcpConnection* conn, const std::uint8_t* data,
                                    std::size_t len) noexcept;

/// Receives up to `cap` bytes, waiting at most `timeout_ms` (0 = only what is already there).
/// Returns bytes read (>0), 0 if nothing arrived in time, or a negative Status:
/// kUnavailable if the peer closed or reset the connection or conn is not open,
/// kInvalidArgument for a null pointer. Blocks: up to timeout_ms.
[[nodiscard]] std::int32_t tcp_recv(TcpConnection* conn, std::uint8_t* data, std::size_t cap,
                                    std::uint32_t timeout_ms) noexcept;

/// Closes the connection and marks it closed. Idempotent; safe on a never-opened connection.
/// Keeps last_error so a caller can still describe why it gave up. Blocks: no longer than the
/// platform's close of a socket (no lingering wait for unsent data is required).
void tcp_close(TcpConnection* conn) noexcept;

/// A Transport whose ctx is `conn` and whose send/recv are tcp_send/tcp_recv. `conn` must
/// outlive every use of the returned Transport. Never fails, never allocates.
Transport tcp_transport(TcpConnection* conn) noexcept;

/// Writes a one-line, NUL-terminated description of conn->last_error into `out`
/// (e.g. "connect: Connection refused"), truncated to `cap` bytes. Returns `out`.
/// With cap == 0 nothing is written and `out` is returned unchanged. Blocks: never.
const char* tcp_describe_error(const TcpConnection* conn, char* out, std::size_t cap) noexcept;

/// Sleeps at least `ms` milliseconds of monotonic time (resumes after signals). For retry
/// back-off in exporter threads only; never called on the recording path. Blocks: `ms` (a
/// bare-metal port may idle the core, e.g. WFI, but must keep interrupts serviced).
void sleep_ms(std::uint32_t ms) noexcept;

/// Path of the platform's default PEM bundle of trusted root certificates, used by the TLS
/// client when the caller gives no CA. POSIX: "/etc/ssl/certs/ca-certificates.crt" (Debian
/// package ca-certificates). Returns nullptr on platforms without a file system, where the
/// caller must pass its CA from memory. Blocks: never. The string is static.
const char* default_ca_bundle_path() noexcept;

}  // namespace tracelet::port

#pragma once
#include <cstddef>
#include <cstdint>

namespace tracelet {

/// A byte stream to a collector: a TCP socket, a TLS session on top of one, a UART, or an
/// in-memory pipe in tests. Plain function pointers plus a context, so the same shape maps
/// one-to-one onto mbedtls_ssl_set_bio() and onto a bare-metal driver.
/// Called only by consumers (exporters, the TLS client), never on the recording path and never
/// from interrupt handlers, so both functions may block: send() for its own bounded wait,
/// recv() up to `timeout_ms`. One thread at a time uses one Transport.
struct Transport {
  void* ctx = nullptr;
  /// Returns bytes accepted (>0), 0 if it would block, or a negative tracelet::Status.
  std::int32_t (*send)(void* ctx, const std::uint8_t* data, std::size_t len) = nullptr;
  /// Returns bytes read (>0), 0 on timeout, or a negative tracelet::Status
  /// (kUnavailable when the peer closed the stream).
  std::int32_t (*recv)(void* ctx, std::uint8_t* data, std::size_t cap,
                       std::uint32_t timeout_ms) = nullptr;
};

}  // namespace tracelet

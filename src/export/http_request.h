#pragma once
#include <pb_encode.h>

#include <cstddef>
#include <cstdint>

#include "export/http_response.h"
#include "tracelet/config.h"
#include "tracelet/status.h"
#include "tracelet/transport.h"

namespace tracelet::detail {

/// Buffers small writes (headers, nanopb's many tiny field writes) into one fixed buffer and
/// hands full buffers to a Transport, retrying partial and would-block sends until
/// `deadline_ms` (port::monotonic_ns() milliseconds).
class TransportWriter {
 public:
  TransportWriter(const Transport& transport, std::uint64_t deadline_ms) noexcept
      : transport_(transport), deadline_ms_(deadline_ms) {}
  bool write(const void* data, std::size_t len) noexcept;
  bool write_text(const char* text) noexcept;
  bool flush() noexcept;
  /// nanopb output stream that writes through this writer.
  pb_ostream_t stream() noexcept;
  /// Why the last write failed: kTimeout, kUnavailable (peer closed), kDataLoss (TLS error).
  Status status() const noexcept { return status_; }
  std::uint64_t bytes() const noexcept { return bytes_; }

 private:
  bool send_all(const std::uint8_t* data, std::size_t len) noexcept;
  static bool on_nanopb_write(pb_ostream_t* stream, const pb_byte_t* buf, std::size_t count);

  Transport transport_;
  std::uint64_t deadline_ms_;
  Status status_ = Status::kOk;
  std::uint64_t bytes_ = 0;
  std::size_t used_ = 0;
  std::uint8_t buffer_[TRACELET_HTTP_SEND_BUFFER_BYTES];
};

std::uint64_t monotonic_ms() noexcept;

/// Reads one HTTP response from `transport` into `parser` until it is complete, malformed,
/// the peer closes, or `deadline_ms` (monotonic_ms() time) passes. Returns the parser's last
/// result: kDone, kError, or kNeedMore when the deadline passed first. When the transport
/// ended the stream, its negative status (kUnavailable: peer closed; kDataLoss: TLS error) is
/// stored in `*stream_end` if given, else `*stream_end` is left alone.
HttpResponseParser::Result receive_response(const Transport& transport, std::uint64_t deadline_ms,
                                            HttpResponseParser& parser,
                                            Status* stream_end = nullptr) noexcept;

}  // namespace tracelet::detail

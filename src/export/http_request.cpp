#include "export/http_request.h"

#include <cstring>

#include "tracelet/port.h"

namespace tracelet::detail {

std::uint64_t monotonic_ms() noexcept { return port::monotonic_ns() / 1000000u; }

bool TransportWriter::send_all(const std::uint8_t* data, std::size_t len) noexcept {
  while (len != 0) {
    if (monotonic_ms() > deadline_ms_) {
      status_ = Status::kTimeout;
      return false;
    }
    std::int32_t sent = transport_.send(transport_.ctx, data, len);
    if (sent < 0) {
      status_ = static_cast<Status>(sent);
      return false;
    }
    // 0 = would block: the transport already waited its own send timeout; try until deadline.
    data += sent;
    len -= static_cast<std::size_t>(sent);
    bytes_ += static_cast<std::uint64_t>(sent);
  }
  return true;
}

bool TransportWriter::write(const void* data, std::size_t len) noexcept {
  const auto* p = static_cast<const std::uint8_t*>(data);
  if (status_ != Status::kOk) return false;
  while (len != 0) {
    if (used_ == sizeof buffer_ && !flush()) return false;
    std::size_t n = sizeof buffer_ - used_;
    if (n > len) n = len;
    std::memcpy(buffer_ + used_, p, n);
    used_ += n;
    p += n;
    len -= n;
  }
  return true;
}

bool TransportWriter::write_text(const char* text) noexcept { return write(text, std::strlen(text)); }

bool TransportWriter::flush() noexcept {
  if (status_ != Status::kOk) return false;
  bool ok = send_all(buffer_, used_);
  used_ = 0;
  return ok;
}

bool TransportWriter::on_nanopb_write(pb_ostream_t* stream, const pb_byte_t* buf,
                                      std::size_t count) {
  return static_cast<TransportWriter*>(stream->state)->write(buf, count);
}

pb_ostream_t TransportWriter::stream() noexcept {
  pb_ostream_t stream = {&on_nanopb_write, this, SIZE_MAX, 0, nullptr};
  return stream;
}

HttpResponseParser::Result receive_response(const Transport& transport, std::uint64_t deadline_ms,
                                            HttpResponseParser& parser, Status* stream_end) noexcept {
  HttpResponseParser::Result result = HttpResponseParser::Result::kNeedMore;
  std::uint8_t buffer[512];
  while (result == HttpResponseParser::Result::kNeedMore) {
    const std::uint64_t now = monotonic_ms();
    if (now >= deadline_ms) break;
    const std::int32_t got = transport.recv(transport.ctx, buffer, sizeof buffer,
                                            static_cast<std::uint32_t>(deadline_ms - now));
    if (got < 0) {
      if (stream_end != nullptr) *stream_end = static_cast<Status>(got);
      return parser.end_of_stream();
    }
    std::size_t consumed = 0;
    if (got > 0) result = parser.feed(buffer, static_cast<std::size_t>(got), consumed);
  }
  return result;
}

}  // namespace tracelet::detail

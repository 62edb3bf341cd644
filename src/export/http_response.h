#pragma once
#include <cstddef>
#include <cstdint>

namespace tracelet::detail {

/// Incremental HTTP/1.1 response parser with fixed memory: status line, the headers the
/// exporter needs (Content-Length, Transfer-Encoding: chunked, Connection, Retry-After,
/// Content-Type), and the body: Content-Length, chunked, or until the peer closes. Bodies are
/// kept up to kMaxBody bytes (the rest is read and counted, not stored). Any malformed input
/// is a kError with a reason; nothing in the input can make it read or write out of bounds.
class HttpResponseParser {
 public:
  static constexpr std::size_t kMaxBody = 1024;
  static constexpr std::size_t kMaxLine = 512;
  static constexpr std::size_t kMaxHeaderBytes = 16 * 1024;
  enum class Result : std::uint8_t { kNeedMore, kDone, kError };

  HttpResponseParser() noexcept { reset(); }
  void reset() noexcept;

  /// Consumes bytes of one response. After kDone, bytes past the response are not consumed
  /// (`consumed` tells how many were used).
  Result feed(const std::uint8_t* data, std::size_t len, std::size_t& consumed) noexcept;
  /// The peer closed the connection: completes a body that runs until close, else kError.
  Result end_of_stream() noexcept;
  /// Also hands every body byte (de-chunked) to `sink` as it arrives, for answers larger than
  /// kMaxBody that a caller parses as a stream (the X-Ray sampling API's JSON). Kept by reset().
  void set_body_sink(void (*sink)(void* ctx, const std::uint8_t* data, std::size_t len), void* ctx) noexcept {
    body_sink_ = sink;
    body_sink_ctx_ = ctx;
  }

  int status() const noexcept { return status_; }
  bool connection_close() const noexcept { return connection_close_; }
  bool has_retry_after() const noexcept { return retry_after_[0] != '\0'; }
  const char* retry_after() const noexcept { return retry_after_; }
  /// The Date header's value, or nullptr when the answer had none (signers take UTC from it).
  const char* date() const noexcept { return date_[0] != '\0' ? date_ : nullptr; }
  bool body_is_protobuf() const noexcept { return protobuf_; }
  const std::uint8_t* body() const noexcept { return body_; }
  std::size_t body_len() const noexcept {
    return body_len_ < kMaxBody ? static_cast<std::size_t>(body_len_) : kMaxBody;
  }
  std::uint64_t body_total() const noexcept { return body_len_; }
  const char* error() const noexcept { return error_; }

 private:
  enum class State : std::uint8_t {
    kStatusLine, kHeaders, kBody, kBodyUntilClose, kChunkSize, kChunkData, kChunkDataEnd,
    kTrailers, kDone, kError
  };
  Result fail(const char* reason) noexcept;
  bool take_line(const std::uint8_t*& p, const std::uint8_t* end) noexcept;
  Result on_status_line() noexcept;
  Result on_header_line() noexcept;
  Result on_chunk_size_line() noexcept;
  void keep_body(const std::uint8_t* p, std::size_t n) noexcept;

  State state_ = State::kStatusLine;
  int status_ = 0;
  bool chunked_ = false;
  bool connection_close_ = false;
  bool protobuf_ = false;
  bool has_length_ = false;
  bool line_complete_ = false;
  std::uint64_t remaining_ = 0;   // body or chunk bytes still to read
  std::uint64_t body_len_ = 0;
  std::size_t header_bytes_ = 0;
  std::size_t line_len_ = 0;      // bytes kept in line_ (longer lines are cut, not overflowed)
  std::size_t line_total_ = 0;    // bytes the line really had
  const char* error_ = "";
  void (*body_sink_)(void* ctx, const std::uint8_t* data, std::size_t len) = nullptr;
  void* body_sink_ctx_ = nullptr;
  char line_[kMaxLine + 1] = {};
  char retry_after_[64] = {};
  char date_[40] = {};
  std::uint8_t body_[kMaxBody] = {};
};

/// Seconds to wait from a Retry-After value: delta-seconds, or an IMF-fixdate HTTP-date
/// compared with `now_unix_s`. Returns false if the value is neither.
bool parse_retry_after(const char* value, std::uint64_t now_unix_s, std::uint32_t& seconds) noexcept;

/// Unix seconds of an IMF-fixdate HTTP-date ("Sun, 06 Nov 1994 08:49:37 GMT", RFC 7231 7.1.1.1,
/// the form servers must send). False for anything else (the obsolete forms included).
bool parse_http_date(const char* value, std::int64_t& unix_s) noexcept;

}  // namespace tracelet::detail

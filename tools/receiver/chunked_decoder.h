#pragma once
#include <cstddef>
#include <cstdint>
#include <string>

#include "http.h"

namespace tracelet::receiver {

/// Decodes a request body sent with Transfer-Encoding: chunked (RFC 9112 section 7.1),
/// incrementally, as bytes arrive from the connection.
///
/// Strict where leniency would let two parsers disagree on where the body ends: every line
/// must end in CRLF, chunk sizes are plain hex (no sign, no "0x", at most 16 digits), chunk
/// extensions must be well formed and are ignored, trailer fields must be well formed and
/// are discarded. Nothing after the final CRLF is consumed, so a pipelined request that
/// follows stays in the caller's buffer.
class ChunkedDecoder {
 public:
  enum class Result {
    kNeedMore,  // everything given was consumed or is an incomplete line: read more
    kDone,      // the body is complete; bytes past `consumed` belong to the next request
    kError,     // malformed or too large: answer error() and close the connection
  };

  /// `max_body` bounds the decoded size (sum of chunk sizes): a larger body is a 413 as soon
  /// as a chunk size announces it, before its data is read.
  explicit ChunkedDecoder(std::uint64_t max_body) : max_body_(max_body) {}

  /// Decodes from `data[0..len)`, appending chunk data to `out`. `consumed` is set to how many
  /// bytes were used; the caller drops them and calls again with the rest plus new input.
  /// After kDone or kError further calls return the same result and consume nothing.
  Result feed(const char* data, std::size_t len, std::size_t& consumed, std::string& out);

  /// Why decoding failed (status 400, 413 or 431, and a reason); valid after kError.
  const HeadError& error() const { return error_; }

  /// Decoded bytes so far.
  std::uint64_t decoded() const { return decoded_; }

  /// Longest chunk-size line (with extensions) accepted, in bytes without the CRLF.
  static constexpr std::size_t kMaxSizeLineBytes = 4096;
  /// Largest trailer section accepted, in bytes.
  static constexpr std::size_t kMaxTrailerBytes = 16 * 1024;

 private:
  enum class State { kSizeLine, kData, kDataEnd, kTrailer, kDone, kError };

  Result fail(int status, std::string reason);
  bool parse_size_line(const std::string& line);
  bool check_trailer_line(const std::string& line);

  std::uint64_t max_body_;
  State state_ = State::kSizeLine;
  std::uint64_t remaining_ = 0;  // bytes left in the current chunk
  std::uint64_t decoded_ = 0;
  std::size_t trailer_bytes_ = 0;
  HeadError error_;
};

}  // namespace tracelet::receiver

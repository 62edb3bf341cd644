// Small text helpers shared by the core's parsers and message builders (env_config, sampler,
// sampling_rules_json, propagation), so each rule (what counts as whitespace, what is valid
// UTF-8, how a message is cut) is written once. Private to the core: not installed.
// Everything here is noexcept, allocates nothing and touches only the bytes it is given.
#pragma once

#include <cstddef>
#include <cstdint>
#include <string_view>

namespace tracelet::detail {

// ---- characters --------------------------------------------------------------------------

/// 'A'..'Z' become 'a'..'z'; every other byte (digits, punctuation, UTF-8) is returned as is.
constexpr char to_lower_ascii(char c) noexcept {
  return (c >= 'A' && c <= 'Z') ? static_cast<char>(c - 'A' + 'a') : c;
}

/// RFC 9110 optional whitespace (OWS): space or horizontal tab. What HTTP header values and
/// the OTEL_* environment variables may carry around a value.
constexpr bool is_ows(char c) noexcept { return c == ' ' || c == '\t'; }

/// Space, tab, LF or CR: JSON whitespace (RFC 8259), and what trim_space() removes.
constexpr bool is_space(char c) noexcept { return is_ows(c) || c == '\n' || c == '\r'; }

/// The value of a hex digit of either case (0..15), or -1 for any other byte.
constexpr int hex_value(char c) noexcept {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  if (c >= 'A' && c <= 'F') return c - 'A' + 10;
  return -1;
}

/// Writes `n` bytes as 2n lower-case hex digits (no terminator): the form of trace and span
/// ids in every propagation header.
inline void encode_hex(const std::uint8_t* in, std::size_t n, char* out) noexcept {
  constexpr char kDigits[] = "0123456789abcdef";
  for (std::size_t i = 0; i < n; ++i) {
    out[2 * i] = kDigits[in[i] >> 4];
    out[2 * i + 1] = kDigits[in[i] & 0x0f];
  }
}

// ---- strings -----------------------------------------------------------------------------

/// `s` without leading and trailing OWS (space, tab); a view into `s`.
std::string_view trim_ows(std::string_view s) noexcept;

/// `s` without leading and trailing space, tab, LF and CR; a view into `s`.
std::string_view trim_space(std::string_view s) noexcept;

/// ASCII case-insensitive equality; bytes >= 0x80 must match exactly.
bool iequals(std::string_view a, std::string_view b) noexcept;

/// True when `s` begins with `prefix`, compared as iequals() does.
bool istarts_with(std::string_view s, std::string_view prefix) noexcept;

// ---- UTF-8 -------------------------------------------------------------------------------

/// Length (1 to 4) of the well-formed UTF-8 sequence that starts at `s[at]`, or 0 when there
/// is none: `at` past the end, a continuation or invalid lead byte, a sequence cut off by the
/// end of `s`, an overlong form, a UTF-16 surrogate or a code point above U+10FFFF.
std::size_t utf8_sequence_length(std::string_view s, std::size_t at) noexcept;

/// True when all of `s` is strict UTF-8 (see utf8_sequence_length). OTLP carries strings as
/// protobuf `string`, which receivers reject when it is not UTF-8.
bool is_utf8(std::string_view s) noexcept;

// ---- bounded message text ----------------------------------------------------------------

/// Builds a message in a caller's buffer of `cap` bytes. The buffer is NUL-terminated after
/// every write (when cap > 0); what does not fit is cut silently, never overflows. `out` may
/// be nullptr to only measure. length() counts every character put, including those cut, so
/// a caller can report the size a complete message needs (as snprintf does).
/// Holds only a pointer into the caller's buffer: a copy continues the same message.
class Text {
 public:
  /// Starts an empty message (writes the NUL when out != nullptr and cap > 0).
  Text(char* out, std::size_t cap) noexcept : out_(out), cap_(cap) {
    if (out_ != nullptr && cap_ > 0) out_[0] = '\0';
  }
  /// Appends one character.
  Text& put_char(char c) noexcept;
  /// Appends `s`.
  Text& put(std::string_view s) noexcept;
  /// Appends at most `max` characters of `s`, then "..." when `s` was longer. For repeating
  /// input: control characters (below 0x20, and 0x7f) are written as "\xNN".
  Text& put_clipped(std::string_view s, std::size_t max) noexcept;
  /// Appends `v` in decimal.
  Text& put_uint(std::uint64_t v) noexcept;
  /// Characters put so far, including those that did not fit.
  std::size_t length() const noexcept { return len_; }

 private:
  char* out_;
  std::size_t cap_;
  std::size_t len_ = 0;
};

}  // namespace tracelet::detail

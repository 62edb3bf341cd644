// Shared text helpers of the core; contracts in src/text.h.
#include "core/text.h"

namespace tracelet::detail {

namespace {

template <class IsTrimmed>
std::string_view trim_if(std::string_view s, IsTrimmed is_trimmed) noexcept {
  while (!s.empty() && is_trimmed(s.front())) s.remove_prefix(1);
  while (!s.empty() && is_trimmed(s.back())) s.remove_suffix(1);
  return s;
}

}  // namespace

// ---- strings -----------------------------------------------------------------------------

std::string_view trim_ows(std::string_view s) noexcept { return trim_if(s, is_ows); }

std::string_view trim_space(std::string_view s) noexcept { return trim_if(s, is_space); }

bool iequals(std::string_view a, std::string_view b) noexcept {
  if (a.size() != b.size()) return false;
  for (std::size_t i = 0; i < a.size(); ++i) {
    if (to_lower_ascii(a[i]) != to_lower_ascii(b[i])) return false;
  }
  return true;
}

bool istarts_with(std::string_view s, std::string_view prefix) noexcept {
  return s.size() >= prefix.size() && iequals(s.substr(0, prefix.size()), prefix);
}

// ---- UTF-8 -------------------------------------------------------------------------------

std::size_t utf8_sequence_length(std::string_view s, std::size_t at) noexcept {
  if (at >= s.size()) return 0;
  const auto b0 = static_cast<unsigned char>(s[at]);
  if (b0 < 0x80) return 1;
  std::size_t n;
  std::uint32_t cp;
  if (b0 >= 0xC2 && b0 <= 0xDF) {
    n = 2;
    cp = b0 & 0x1Fu;
  } else if (b0 >= 0xE0 && b0 <= 0xEF) {
    n = 3;
    cp = b0 & 0x0Fu;
  } else if (b0 >= 0xF0 && b0 <= 0xF4) {
    n = 4;
    cp = b0 & 0x07u;
  } else {
    return 0;  // continuation byte, overlong lead (C0/C1) or beyond U+10FFFF
  }
  if (s.size() - at < n) return 0;
  for (std::size_t k = 1; k < n; ++k) {
    const auto b = static_cast<unsigned char>(s[at + k]);
    if ((b & 0xC0u) != 0x80u) return 0;
    cp = (cp << 6) | (b & 0x3Fu);
  }
  if ((n == 3 && cp < 0x800) || (n == 4 && cp < 0x10000) || cp > 0x10FFFF) return 0;
  if (cp >= 0xD800 && cp <= 0xDFFF) return 0;  // UTF-16 surrogates are not characters
  return n;
}

bool is_utf8(std::string_view s) noexcept {
  std::size_t i = 0;
  while (i < s.size()) {
    const std::size_t n = utf8_sequence_length(s, i);
    if (n == 0) return false;
    i += n;
  }
  return true;
}

// ---- bounded message text ----------------------------------------------------------------

Text& Text::put_char(char c) noexcept {
  if (out_ != nullptr && len_ + 1 < cap_) {
    out_[len_] = c;
    out_[len_ + 1] = '\0';
  }
  ++len_;
  return *this;
}

Text& Text::put(std::string_view s) noexcept {
  for (const char c : s) put_char(c);
  return *this;
}

Text& Text::put_clipped(std::string_view s, std::size_t max) noexcept {
  // Input repeated in a message ends up in logs: a control character there could end the line
  // and forge another, so each is written as \xNN.
  static constexpr char kHex[] = "0123456789abcdef";
  for (const char c : s.substr(0, max)) {
    const auto u = static_cast<unsigned char>(c);
    if (u < 0x20 || u == 0x7f) {
      put("\\x").put_char(kHex[u >> 4]).put_char(kHex[u & 0xf]);
    } else {
      put_char(c);
    }
  }
  return s.size() > max ? put("...") : *this;
}

Text& Text::put_uint(std::uint64_t v) noexcept {
  char digits[20];  // 2^64 - 1 has 20 decimal digits
  std::size_t n = 0;
  do {
    digits[n++] = static_cast<char>('0' + v % 10);
    v /= 10;
  } while (v != 0);
  while (n > 0) put_char(digits[--n]);
  return *this;
}

}  // namespace tracelet::detail

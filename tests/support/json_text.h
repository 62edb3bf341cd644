#pragma once
// JSON text for the test programs that write expected values as JSON
// (tests/otlp/fixture_writer.cpp, tests/interop/tracelet_sender.cpp). Header-only: those
// programs do not link the support library.
#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <string>
#include <string_view>

namespace tracelet::test {

/// `s` as a JSON string: '"' and '\' escaped, control characters as \u00XX, everything else
/// (UTF-8 included) passed through.
inline std::string quote(std::string_view s) {
  std::string out = "\"";
  for (char c : s) {
    const auto u = static_cast<unsigned char>(c);
    if (c == '"' || c == '\\') {
      out += '\\';
      out += c;
    } else if (u < 0x20) {
      char buf[8];
      std::snprintf(buf, sizeof buf, "\\u%04x", u);
      out += buf;
    } else {
      out += c;
    }
  }
  return out + "\"";
}

/// `n` bytes as lowercase hex (ids in OTLP/JSON and in the tests' normalized form).
inline std::string hex(const std::uint8_t* data, std::size_t n) {
  static const char kDigits[] = "0123456789abcdef";
  std::string out;
  for (std::size_t i = 0; i < n; ++i) {
    out += kDigits[data[i] >> 4];
    out += kDigits[data[i] & 0xF];
  }
  return out;
}

}  // namespace tracelet::test

#pragma once
// Request bodies framed and encoded the way other OTLP clients send them (chunked transfer
// coding, gzip content coding), for the receiver tests. Header-only: only the test programs
// link zlib (tracelet_receiver_test_zlib), not the support library.
#include <algorithm>
#include <cstddef>
#include <string>
#include <vector>

#ifndef TRACELET_RECEIVER_HAVE_ZLIB
#error "TRACELET_RECEIVER_HAVE_ZLIB (0 or 1) comes from tools/receiver/CMakeLists.txt (tracelet_receiver_test_zlib)"
#endif
#if TRACELET_RECEIVER_HAVE_ZLIB
#define ZLIB_CONST
#include <zlib.h>
#endif

namespace tracelet::test {

/// The head of a chunked POST /v1/traces; `extra_headers` are complete "Name: value\r\n" lines.
inline std::string chunked_head(const std::string& extra_headers = "") {
  return "POST /v1/traces HTTP/1.1\r\nHost: localhost\r\nContent-Type: application/x-protobuf\r\n"
         "Transfer-Encoding: chunked\r\n" + extra_headers + "\r\n";
}

/// Chunked transfer coding of `body`: chunk sizes are taken from `sizes` in turn (cycled),
/// written in varied but valid forms (lower and upper case hex, leading zeros), each followed
/// by extensions[i % n] when given; `trailers` (complete "Name: value\r\n" lines) end it.
inline std::string chunk_body(const std::string& body, const std::vector<std::size_t>& sizes,
                              const std::vector<std::string>& extensions = {}, const std::string& trailers = "") {
  static const char kLower[] = "0123456789abcdef";
  static const char kUpper[] = "0123456789ABCDEF";
  std::string out;
  std::size_t pos = 0;
  for (std::size_t i = 0; pos < body.size(); ++i) {
    const std::size_t n = std::min(sizes[i % sizes.size()], body.size() - pos);
    const char* digits = i % 3 == 1 ? kUpper : kLower;
    std::string hex;
    for (std::size_t v = n; v > 0; v >>= 4) hex.insert(hex.begin(), digits[v & 15]);
    if (i % 5 == 2) hex.insert(0, "00");
    out += hex;
    if (!extensions.empty()) out += extensions[i % extensions.size()];
    out += "\r\n" + body.substr(pos, n) + "\r\n";
    pos += n;
  }
  return out + "0\r\n" + trailers + "\r\n";
}

#if TRACELET_RECEIVER_HAVE_ZLIB
/// `data` compressed as one gzip member, the way an OTLP exporter with compression=gzip sends
/// it. Empty if zlib failed.
inline std::string gzip(const std::string& data, int level = Z_DEFAULT_COMPRESSION) {
  z_stream zs{};
  if (deflateInit2(&zs, level, Z_DEFLATED, 16 + MAX_WBITS, 8, Z_DEFAULT_STRATEGY) != Z_OK) return std::string();
  std::string out(deflateBound(&zs, static_cast<uLong>(data.size())), '\0');
  zs.next_in = reinterpret_cast<const Bytef*>(data.data());
  zs.avail_in = static_cast<uInt>(data.size());
  zs.next_out = reinterpret_cast<Bytef*>(&out[0]);
  zs.avail_out = static_cast<uInt>(out.size());
  const int rc = deflate(&zs, Z_FINISH);
  out.resize(zs.total_out);
  (void)deflateEnd(&zs);
  return rc == Z_STREAM_END ? out : std::string();
}
#endif

}  // namespace tracelet::test

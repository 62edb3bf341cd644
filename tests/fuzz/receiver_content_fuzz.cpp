// Fuzz target: the receiver's Content-Encoding decoding (tools/receiver/content_coding.cpp).
// The first byte picks a Content-Encoding value (gzip, x-gzip, gzip twice, identity, none,
// unknown codings, lists) and the rest is the body, taken as it is (corrupt, truncated or
// concatenated gzip members, bombs) and also gzip-compressed here with zlib: a body that was
// really compressed must come back byte for byte. Checks that a decoded body never passes the
// limit and that every refusal carries a status the receiver may send and a reason.
#define ZLIB_CONST  // next_in points to const bytes
#include <zlib.h>

#include <cstdint>
#include <cstdlib>
#include <string>
#include <vector>

#include "content_coding.h"

namespace {

// One gzip member of `in`, as a client would send it.
std::string gzip(const std::string& in) {
  z_stream zs{};
  if (deflateInit2(&zs, Z_DEFAULT_COMPRESSION, Z_DEFLATED, 16 + MAX_WBITS, 8, Z_DEFAULT_STRATEGY) != Z_OK) {
    std::abort();
  }
  std::string out(deflateBound(&zs, static_cast<uLong>(in.size())) + 32, '\0');
  zs.next_in = reinterpret_cast<const Bytef*>(in.data());
  zs.avail_in = static_cast<uInt>(in.size());
  zs.next_out = reinterpret_cast<Bytef*>(&out[0]);
  zs.avail_out = static_cast<uInt>(out.size());
  if (deflate(&zs, Z_FINISH) != Z_STREAM_END) std::abort();
  out.resize(zs.total_out);
  (void)deflateEnd(&zs);
  return out;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  using namespace tracelet::receiver;
  static const char* const kCodings[] = {
      nullptr, "gzip", "x-gzip", "GZIP", "gzip, gzip", "identity", "none", "gzip, identity",
      "identity, gzip", "br", "deflate", "", " , ", "gzip;q=1", "gzip, br", "x-gzip,gzip,gzip"};
  constexpr std::size_t kCount = sizeof kCodings / sizeof kCodings[0];
  if (size == 0) return 0;
  const std::uint64_t max_body = data[0] & 0x80 ? 4096 : 256 * 1024;
  const char* const coding = kCodings[data[0] % kCount];
  const std::string header = coding != nullptr ? coding : "";
  const std::string body(reinterpret_cast<const char*>(data) + 1, size - 1);

  std::string out;
  HeadError error;
  const bool ok = decode_content(coding != nullptr ? &header : nullptr, body, max_body, out, error);
  if (ok) {
    const bool gzipped = header.find("gzip") != std::string::npos || header.find("GZIP") != std::string::npos;
    if (gzipped && out.size() > max_body) std::abort();
    if (!gzipped && out != body) std::abort();  // no coding to undo: the body as it came
  } else {
    if (error.reason.empty()) std::abort();
    if (error.status != 400 && error.status != 413 && error.status != 415) std::abort();
  }

  if (!gzip_supported()) return 0;
  // Really compressed: it must inflate to the bytes, or be refused as too large.
  const std::string packed = gzip(body);
  const std::string gzip_header = "gzip";
  out.clear();
  if (decode_content(&gzip_header, packed, max_body, out, error)) {
    if (out != body) std::abort();
  } else if (error.status != 413 || body.size() <= max_body) {
    std::abort();
  }
  // Two members, as a client that compresses in pieces sends them.
  const std::string half = body.substr(0, body.size() / 2);
  const std::string two = gzip(half) + gzip(body.substr(half.size()));
  out.clear();
  if (!decode_content(&gzip_header, two, 1u << 20, out, error) || out != body) std::abort();
  return 0;
}

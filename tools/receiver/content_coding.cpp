#include "content_coding.h"

#include <algorithm>
#include <vector>

#ifndef TRACELET_RECEIVER_HAVE_ZLIB
#error "TRACELET_RECEIVER_HAVE_ZLIB (0 or 1) is set by tools/receiver/CMakeLists.txt"
#endif
#if TRACELET_RECEIVER_HAVE_ZLIB
#define ZLIB_CONST  // next_in points to const bytes
#include <zlib.h>
#endif

namespace tracelet::receiver {
namespace {

#if TRACELET_RECEIVER_HAVE_ZLIB
// Inflates one gzip layer (one or more concatenated gzip members, RFC 1952 2.2) into `out`,
// stopping with 413 as soon as the output passes `max_body`.
bool gunzip(const std::string& in, std::uint64_t max_body, std::string& out, HeadError& error) {
  z_stream zs{};
  if (inflateInit2(&zs, 16 + MAX_WBITS) != Z_OK) {  // 16: expect a gzip header and trailer
    error = {500, "zlib inflateInit2 failed"};
    return false;
  }
  out.clear();
  const auto* next = reinterpret_cast<const Bytef*>(in.data());
  std::size_t left = in.size();  // not yet handed to zlib (avail_in is only 32 bits)
  std::vector<Bytef> buf(64 * 1024);
  bool ok = false;
  for (;;) {
    if (zs.avail_in == 0 && left > 0) {
      const std::size_t piece = std::min<std::size_t>(left, 1u << 30);
      zs.next_in = next;
      zs.avail_in = static_cast<uInt>(piece);
      next += piece;
      left -= piece;
    }
    zs.next_out = buf.data();
    zs.avail_out = static_cast<uInt>(buf.size());
    const int rc = inflate(&zs, Z_NO_FLUSH);
    const std::size_t produced = buf.size() - zs.avail_out;
    if (out.size() + produced > max_body) {
      error = {413, "gzip body inflates to more than the limit of " + std::to_string(max_body) +
                        " bytes (--max-body; " + std::to_string(in.size()) + " bytes compressed)"};
      break;
    }
    out.append(reinterpret_cast<const char*>(buf.data()), produced);
    const bool input_done = zs.avail_in == 0 && left == 0;
    if (rc == Z_STREAM_END) {
      if (input_done) {
        ok = true;
        break;
      }
      // More bytes follow the member: another member (gzip allows several), or garbage,
      // which the next inflate() reports as a bad header.
      (void)inflateReset(&zs);
      continue;
    }
    if (rc == Z_OK) continue;
    if (rc == Z_BUF_ERROR && input_done) {
      error = {400, "gzip body is truncated (" + std::to_string(in.size()) +
                        " bytes end before the gzip trailer)"};
      break;
    }
    if (rc == Z_MEM_ERROR) {
      error = {500, "out of memory while inflating the gzip body"};
      break;
    }
    error = {400, std::string("corrupt gzip body: ") + (zs.msg != nullptr ? zs.msg : "zlib error " + std::to_string(rc))};
    break;
  }
  (void)inflateEnd(&zs);
  return ok;
}
#endif

}  // namespace

bool gzip_supported() { return TRACELET_RECEIVER_HAVE_ZLIB != 0; }

const char* accepted_encodings() { return TRACELET_RECEIVER_HAVE_ZLIB ? "gzip, identity" : "identity"; }

bool decode_content(const std::string* content_encoding, const std::string& body,
                    std::uint64_t max_body, std::string& out, HeadError& error) {
  const std::vector<std::string> codings =
      content_encoding != nullptr ? split_codings(*content_encoding) : std::vector<std::string>();
  // Check every coding before doing any work, so an unknown one is always a 415.
  for (const std::string& c : codings) {
    if (c == "identity" || c == "none") continue;
    if (c == "gzip" || c == "x-gzip") {
      if (gzip_supported()) continue;
      error = {415, "Content-Encoding " + c + " is not supported by this build of "
                    "tracelet-receiver (built without zlib: install zlib1g-dev and rebuild); "
                    "send the body uncompressed"};
      return false;
    }
    error = {415, "Content-Encoding '" + c + "' is not supported; use gzip or none (identity)"};
    return false;
  }
  out = body;
#if TRACELET_RECEIVER_HAVE_ZLIB
  // Codings are listed in the order they were applied: undo the last one first.
  for (auto it = codings.rbegin(); it != codings.rend(); ++it) {
    if (*it != "gzip" && *it != "x-gzip") continue;
    std::string inflated;
    if (!gunzip(out, max_body, inflated, error)) return false;
    out.swap(inflated);
  }
#else
  (void)max_body;
#endif
  return true;
}

}  // namespace tracelet::receiver

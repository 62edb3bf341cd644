// Fuzz target: the receiver's request head and body framing (tools/receiver/http.cpp), the
// way serve_request() drives them: bytes arrive in reads of random size and are scanned for
// the end of the head after each, the head is parsed, its headers decide the framing, and a
// Content-Length body is cut from what follows. Checks that the scan does not depend on how
// the bytes were split, that an accepted head holds only what HTTP allows (tokens, a target
// starting with '/', no CR, LF or NUL in a value: a bare LF taken into a value would hide a
// header from this parser that a proxy in front sees), and that the framing never accepts
// both Content-Length and Transfer-Encoding nor a length over the limit.
#include <cstdint>
#include <cstdlib>
#include <string>

#include "http.h"

namespace {

using tracelet::receiver::HeadScan;

constexpr std::size_t kMaxHead = 2048;  // small, so the 431 path is reached often

bool same(const HeadScan& a, const HeadScan& b) {
  return a.state == b.state && a.head_end == b.head_end && a.error.status == b.error.status &&
         a.error.reason == b.error.reason;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  using namespace tracelet::receiver;
  if (size == 0) return 0;
  const std::size_t step = (data[0] % 31) + 1;
  const std::uint64_t max_body = data[0] < 128 ? 64 : 1u << 20;
  const std::string input(reinterpret_cast<const char*>(data) + 1, size - 1);

  // In reads of `step` bytes, as a connection delivers them.
  std::string buffer;
  HeadScan scan;
  std::size_t at = 0;
  while (scan.state == HeadScan::State::kNeedMore && at < input.size()) {
    const std::size_t n = input.size() - at < step ? input.size() - at : step;
    buffer.append(input, at, n);
    at += n;
    scan = scan_request_head(buffer, kMaxHead);
  }
  // All at once, as when the whole head arrives in one read.
  std::string whole = input.substr(0, at);
  const HeadScan once = scan_request_head(whole, kMaxHead);
  if (!same(scan, once) || whole != buffer) std::abort();

  if (scan.state == HeadScan::State::kError) {
    if (scan.error.status != 400 && scan.error.status != 431) std::abort();
    return 0;
  }
  if (scan.state == HeadScan::State::kNeedMore) {
    if (buffer.size() > kMaxHead || buffer.find("\r\n\r\n") != std::string::npos) std::abort();
    return 0;
  }
  if (scan.head_end + 4 > kMaxHead || buffer.compare(scan.head_end, 4, "\r\n\r\n") != 0 ||
      buffer.find("\r\n\r\n") != scan.head_end || buffer[0] < 'A' || buffer[0] > 'Z') {
    std::abort();
  }

  RequestHead head;
  HeadError error;
  if (!parse_request_head(buffer.substr(0, scan.head_end), head, error)) {
    if (error.status != 400 && error.status != 505) std::abort();
    if (error.reason.empty()) std::abort();
    return 0;
  }
  if (head.method.empty() || head.target.empty() || head.target[0] != '/' ||
      head.target.compare(0, head.path.size(), head.path) != 0 ||
      head.path.find('?') != std::string::npos ||
      (head.version != "HTTP/1.1" && head.version != "HTTP/1.0")) {
    std::abort();
  }
  for (const char c : head.method) {
    if (!is_tchar(static_cast<unsigned char>(c))) std::abort();
  }
  for (const char c : head.target) {
    const auto u = static_cast<unsigned char>(c);
    if (u <= 0x20 || u == 0x7f) std::abort();  // one word of visible characters
  }
  for (const auto& h : head.headers) {
    if (h.first.empty()) std::abort();
    for (const char c : h.first) {
      if (!is_tchar(static_cast<unsigned char>(c)) || (c >= 'A' && c <= 'Z')) std::abort();
    }
    for (const char c : h.second) {
      if (c == '\r' || c == '\n' || c == '\0') std::abort();
    }
    if (!h.second.empty() && (h.second.front() == ' ' || h.second.front() == '\t' ||
                              h.second.back() == ' ' || h.second.back() == '\t')) {
      std::abort();
    }
  }

  const BodyFraming framing = decide_framing(head, max_body, error);
  if (!framing.ok) {
    if (error.status != 400 && error.status != 411 && error.status != 413 && error.status != 501) {
      std::abort();
    }
    if (error.reason.empty()) std::abort();
    return 0;
  }
  const bool has_length = head.header("content-length") != nullptr;
  const bool has_te = head.header("transfer-encoding") != nullptr;
  if (framing.chunked) {
    if (!has_te || has_length || head.version != "HTTP/1.1") std::abort();
  } else {
    if (has_te || framing.length > max_body) std::abort();
    if ((head.method == "POST" || head.method == "PUT") && !has_length) std::abort();
    // The body, and whatever follows it for the next request.
    buffer.erase(0, scan.head_end + 4);
    buffer.append(input, at, std::string::npos);
    const std::size_t length = static_cast<std::size_t>(framing.length);
    if (buffer.size() >= length) {
      const std::string body = buffer.substr(0, length);
      buffer.erase(0, length);
      if (body.size() != length) std::abort();
    }
  }
  return 0;
}

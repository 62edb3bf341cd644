#include "http.h"

#include <algorithm>
#include <cctype>
#include <cstring>

namespace tracelet::receiver {
namespace {

std::string lower(std::string s) {
  std::transform(s.begin(), s.end(), s.begin(),
                 [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
  return s;
}

std::string trim(const std::string& s) {
  std::size_t b = 0;
  std::size_t e = s.size();
  while (b < e && (s[b] == ' ' || s[b] == '\t')) ++b;
  while (e > b && (s[e - 1] == ' ' || s[e - 1] == '\t')) --e;
  return s.substr(b, e - b);
}

bool is_token(const std::string& s) {
  return !s.empty() && std::all_of(s.begin(), s.end(), [](unsigned char c) { return is_tchar(c); });
}

// The elements of a comma-separated header value, trimmed; empty ones included.
std::vector<std::string> list_items(const std::string& list) {
  std::vector<std::string> out;
  std::size_t start = 0;
  while (start <= list.size()) {
    std::size_t comma = list.find(',', start);
    if (comma == std::string::npos) comma = list.size();
    out.push_back(trim(list.substr(start, comma - start)));
    start = comma + 1;
  }
  return out;
}

bool has_token(const std::string& list, const char* token) {
  // Comma-separated, case-insensitive (Connection: keep-alive, Upgrade).
  const std::vector<std::string> items = list_items(lower(list));
  return std::find(items.begin(), items.end(), token) != items.end();
}

}  // namespace

bool is_tchar(unsigned char c) {
  if ((c >= '0' && c <= '9') || (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z')) return true;
  return c != '\0' && std::strchr("!#$%&'*+-.^_`|~", c) != nullptr;
}

std::vector<std::string> split_codings(const std::string& list) {
  std::vector<std::string> out;
  for (const std::string& item : list_items(list)) {
    // A coding may carry parameters ("name;q=1"); only the name matters here.
    const std::string name = lower(trim(item.substr(0, item.find(';'))));
    if (!name.empty()) out.push_back(name);
  }
  return out;
}

const std::string* RequestHead::header(const char* name) const {
  for (const auto& h : headers) {
    if (h.first == name) return &h.second;
  }
  return nullptr;
}

HeadScan scan_request_head(std::string& buffer, std::size_t max_head_bytes) {
  HeadScan scan;
  // One erase for all of them: a client sending nothing but CRLFs must not cost a copy each.
  buffer.erase(0, std::min(buffer.find_first_not_of("\r\n"), buffer.size()));
  if (!buffer.empty() && (buffer[0] < 'A' || buffer[0] > 'Z')) {
    scan.state = HeadScan::State::kError;
    scan.error = {400, buffer[0] == 0x16 ? "TLS handshake received on a plain HTTP port (--plain)"
                                         : "not an HTTP request"};
    return scan;
  }
  const std::size_t head_end = buffer.find("\r\n\r\n");
  if ((head_end == std::string::npos ? buffer.size() : head_end + 4) > max_head_bytes) {
    scan.state = HeadScan::State::kError;
    scan.error = {431, "request head larger than " + std::to_string(max_head_bytes) + " bytes"};
    return scan;
  }
  if (head_end != std::string::npos) {
    scan.state = HeadScan::State::kComplete;
    scan.head_end = head_end;
  }
  return scan;
}

bool parse_request_head(const std::string& text, RequestHead& out, HeadError& error) {
  std::vector<std::string> lines;
  std::size_t start = 0;
  while (start < text.size()) {
    std::size_t end = text.find("\r\n", start);
    if (end == std::string::npos) end = text.size();
    lines.push_back(text.substr(start, end - start));
    start = end + 2;
  }
  if (lines.empty()) {
    error = {400, "empty request"};
    return false;
  }
  // RFC 9110 5.5: CR, LF and NUL inside a field are dangerous (a proxy in front may end a line
  // at a bare LF and see a header this parser would take as part of a value), so they are
  // refused, anywhere in the head.
  for (const std::string& l : lines) {
    if (l.find_first_of(std::string("\r\n\0", 3)) != std::string::npos) {
      error = {400, "CR, LF or NUL inside a line of the request head"};
      return false;
    }
  }
  const std::string& line = lines[0];
  const std::size_t sp1 = line.find(' ');
  const std::size_t sp2 = sp1 == std::string::npos ? std::string::npos : line.find(' ', sp1 + 1);
  if (sp2 == std::string::npos || line.find(' ', sp2 + 1) != std::string::npos) {
    error = {400, "malformed request line"};
    return false;
  }
  out.method = line.substr(0, sp1);
  out.target = line.substr(sp1 + 1, sp2 - sp1 - 1);
  out.version = line.substr(sp2 + 1);
  const bool target_ok = std::none_of(out.target.begin(), out.target.end(), [](unsigned char c) {
    return c < 0x20 || c == 0x7f;
  });
  if (!is_token(out.method) || out.target.empty() || out.target[0] != '/' || !target_ok) {
    error = {400, "malformed request line"};
    return false;
  }
  if (out.version != "HTTP/1.1" && out.version != "HTTP/1.0") {
    error = {505, "only HTTP/1.0 and HTTP/1.1 are supported"};
    return false;
  }
  out.path = out.target.substr(0, out.target.find('?'));
  for (std::size_t i = 1; i < lines.size(); ++i) {
    const std::string& h = lines[i];
    if (!h.empty() && (h[0] == ' ' || h[0] == '\t')) {
      error = {400, "folded header lines are not allowed"};
      return false;
    }
    const std::size_t colon = h.find(':');
    if (colon == std::string::npos || !is_token(h.substr(0, colon))) {
      error = {400, "malformed header line"};
      return false;
    }
    out.headers.emplace_back(lower(h.substr(0, colon)), trim(h.substr(colon + 1)));
  }
  return true;
}

BodyFraming decide_framing(const RequestHead& head, std::uint64_t max_body, HeadError& error) {
  BodyFraming f;
  const std::string* connection = head.header("connection");
  if (head.version == "HTTP/1.0") {
    f.keep_alive = connection != nullptr && has_token(*connection, "keep-alive");
  } else {
    f.keep_alive = connection == nullptr || !has_token(*connection, "close");
  }
  const std::string* expect = head.header("expect");
  f.expect_continue = expect != nullptr && lower(*expect) == "100-continue";

  // Several Transfer-Encoding lines form one list (RFC 9110 5.3).
  bool have_te = false;
  std::string te_list;
  for (const auto& h : head.headers) {
    if (h.first != "transfer-encoding") continue;
    te_list += (have_te ? ", " : "") + h.second;
    have_te = true;
  }
  if (have_te) {
    if (head.version == "HTTP/1.0") {
      // RFC 9112 6.1: an HTTP/1.0 message with Transfer-Encoding has faulty framing.
      error = {400, "Transfer-Encoding in an HTTP/1.0 request (RFC 9112 section 6.1)"};
      return f;
    }
    if (head.header("content-length") != nullptr) {
      // RFC 9112 6.3 lets a server refuse this; a front end that honours the other header
      // would see a different body, which is how requests are smuggled.
      error = {400, "both Transfer-Encoding and Content-Length are present (refused as a "
                    "request-smuggling risk, RFC 9112 section 6.3)"};
      return f;
    }
    const std::vector<std::string> codings = split_codings(te_list);
    if (codings.empty()) {
      error = {400, "empty Transfer-Encoding"};
      return f;
    }
    if (codings.back() != "chunked") {
      error = {400, "Transfer-Encoding '" + te_list + "' does not end in chunked, so the body "
                    "length cannot be determined (RFC 9112 section 6.3)"};
      return f;
    }
    for (std::size_t i = 0; i + 1 < codings.size(); ++i) {
      if (codings[i] == "chunked") {
        error = {400, "Transfer-Encoding '" + te_list + "' applies chunked more than once"};
        return f;
      }
    }
    if (codings.size() > 1) {
      error = {501, "transfer coding '" + codings.front() + "' is not implemented (only chunked); "
                    "send a compressed body with Content-Encoding: gzip instead"};
      return f;
    }
    f.chunked = true;
    f.ok = true;
    return f;
  }

  bool have_length = false;
  for (const auto& h : head.headers) {
    if (h.first != "content-length") continue;
    const std::string& v = h.second;
    if (v.empty() || v.size() > 18 || !std::all_of(v.begin(), v.end(), [](unsigned char c) { return std::isdigit(c) != 0; })) {
      error = {400, "invalid Content-Length '" + v + "'"};
      return f;
    }
    const std::uint64_t n = std::stoull(v);
    if (have_length && n != f.length) {
      error = {400, "conflicting Content-Length headers"};
      return f;
    }
    have_length = true;
    f.length = n;
  }
  if (!have_length && (head.method == "POST" || head.method == "PUT")) {
    error = {411, "a " + head.method + " body needs Content-Length"};
    return f;
  }
  if (f.length > max_body) {
    error = {413, "body of " + std::to_string(f.length) + " bytes exceeds the limit of " +
                      std::to_string(max_body) + " bytes (--max-body)"};
    return f;
  }
  f.ok = true;
  return f;
}

std::string media_type(const std::string& content_type) {
  return lower(trim(content_type.substr(0, content_type.find(';'))));
}

const char* reason_phrase(int status) {
  switch (status) {
    case 100: return "Continue";
    case 200: return "OK";
    case 400: return "Bad Request";
    case 404: return "Not Found";
    case 405: return "Method Not Allowed";
    case 408: return "Request Timeout";
    case 411: return "Length Required";
    case 413: return "Payload Too Large";
    case 415: return "Unsupported Media Type";
    case 429: return "Too Many Requests";
    case 431: return "Request Header Fields Too Large";
    case 500: return "Internal Server Error";
    case 501: return "Not Implemented";
    case 502: return "Bad Gateway";
    case 503: return "Service Unavailable";
    case 504: return "Gateway Timeout";
    case 505: return "HTTP Version Not Supported";
    default: return status < 500 ? "Client Error" : "Server Error";
  }
}

std::string build_response(int status, const std::string& content_type, const std::string& body,
                           bool keep_alive, const std::vector<std::string>& extra_headers) {
  std::string r = "HTTP/1.1 " + std::to_string(status) + " " + reason_phrase(status) + "\r\n";
  if (!content_type.empty()) r += "Content-Type: " + content_type + "\r\n";
  r += "Content-Length: " + std::to_string(body.size()) + "\r\n";
  if (!keep_alive) r += "Connection: close\r\n";
  for (const auto& h : extra_headers) r += h + "\r\n";
  r += "\r\n";
  r += body;
  return r;
}

}  // namespace tracelet::receiver

#include "http_call.h"

#include <cstdarg>
#include <cstdio>
#include <cstring>

#include "tracelet/net_port.h"
#include "tracelet/port.h"

namespace tracelet::demo {
namespace {

constexpr std::uint32_t kDefaultConnectTimeoutMs = 2000;
constexpr std::uint32_t kDefaultTimeoutMs = 5000;

// ---- character classes (RFC 9110 section 5.6.2) ------------------------------------------

bool is_tchar(char c) noexcept {
  if ((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9')) return true;
  return c != '\0' && std::strchr("!#$%&'*+-.^_`|~", c) != nullptr;
}

bool is_token(std::string_view s) noexcept {
  if (s.empty()) return false;
  for (char c : s) {
    if (!is_tchar(c)) return false;
  }
  return true;
}

// Field values may hold visible ASCII, spaces, tabs and obs-text; never CR, LF or other CTLs.
bool is_field_value(std::string_view s) noexcept {
  for (char c : s) {
    const auto u = static_cast<unsigned char>(c);
    if ((u < 0x20 && c != '\t') || u == 0x7F) return false;
  }
  return true;
}

std::string_view trim_ows(std::string_view s) noexcept {
  while (!s.empty() && (s.front() == ' ' || s.front() == '\t')) s.remove_prefix(1);
  while (!s.empty() && (s.back() == ' ' || s.back() == '\t')) s.remove_suffix(1);
  return s;
}

void copy_cstr(char* out, std::size_t cap, std::string_view s) noexcept {
  const std::size_t n = s.size() < cap - 1 ? s.size() : cap - 1;
  std::memcpy(out, s.data(), n);
  out[n] = '\0';
}

// ---- bounded text building ----------------------------------------------------------------

// Appends into a fixed buffer; remembers overflow instead of failing each call.
class Writer {
 public:
  Writer(char* buf, std::size_t cap) noexcept : buf_(buf), cap_(cap) {}
  void put(std::string_view s) noexcept {
    if (overflow_ || s.size() > cap_ - len_) {
      overflow_ = true;
      return;
    }
    std::memcpy(buf_ + len_, s.data(), s.size());
    len_ += s.size();
  }
  void put_uint(unsigned long long v) noexcept {
    char digits[24];
    const int n = std::snprintf(digits, sizeof digits, "%llu", v);
    put(std::string_view(digits, n > 0 ? static_cast<std::size_t>(n) : 0));
  }
  bool overflow() const noexcept { return overflow_; }
  std::size_t size() const noexcept { return len_; }

 private:
  char* buf_;
  std::size_t cap_;
  std::size_t len_ = 0;
  bool overflow_ = false;
};

// ---- failures -----------------------------------------------------------------------------

Status fail(HttpResponse& r, Status status, const char* type, const char* format, ...) noexcept
    __attribute__((format(printf, 4, 5)));

Status fail(HttpResponse& r, Status status, const char* type, const char* format, ...) noexcept {
  r.error_type = type;
  va_list args;
  va_start(args, format);
  std::vsnprintf(r.error, sizeof r.error, format, args);
  va_end(args);
  return status;
}

// ---- one exchange over one connection ---------------------------------------------------

class Exchange {
 public:
  Exchange(const HttpRequest& request, HttpResponse& response) noexcept
      : request_(request), response_(response) {}
  ~Exchange() { port::tcp_close(&conn_); }
  Exchange(const Exchange&) = delete;
  Exchange& operator=(const Exchange&) = delete;

  Status run() noexcept;

 private:
  Status connect() noexcept;
  Status send_all(const char* data, std::size_t len) noexcept;
  // Reads more bytes into head_ (at head_len_). kOk with n > 0, or a failure; n == 0 with
  // kOk means the peer closed the connection cleanly.
  Status read_more(char* into, std::size_t cap, std::size_t& n) noexcept;
  Status read_head(std::size_t& head_end) noexcept;
  Status parse_head(std::size_t head_end, bool& has_length, std::uint64_t& length,
                    bool& has_transfer_encoding) noexcept;
  Status read_body(std::size_t head_end, bool has_length, std::uint64_t length) noexcept;
  void keep_body(const char* data, std::size_t n) noexcept;
  std::uint32_t remaining_ms() const noexcept;
  Status timeout(const char* what) noexcept;

  const HttpRequest& request_;
  HttpResponse& response_;
  port::TcpConnection conn_{};
  std::uint64_t deadline_ns_ = 0;
  char head_[kHttpResponseHeadBytes];
  std::size_t head_len_ = 0;
};

std::uint32_t Exchange::remaining_ms() const noexcept {
  const std::uint64_t now = port::monotonic_ns();
  if (now >= deadline_ns_) return 0;
  const std::uint64_t ms = (deadline_ns_ - now + 999999) / 1000000;
  return ms > 0xFFFFFFFFu ? 0xFFFFFFFFu : static_cast<std::uint32_t>(ms);
}

Status Exchange::timeout(const char* what) noexcept {
  const std::uint32_t ms = request_.timeout_ms != 0 ? request_.timeout_ms : kDefaultTimeoutMs;
  return fail(response_, Status::kTimeout, "timeout", "no complete answer from %s:%u within %u ms (%s)",
              request_.url->host, static_cast<unsigned>(request_.url->port), static_cast<unsigned>(ms),
              what);
}

Status Exchange::connect() noexcept {
  const HttpUrl& url = *request_.url;
  const std::uint32_t ms =
      request_.connect_timeout_ms != 0 ? request_.connect_timeout_ms : kDefaultConnectTimeoutMs;
  const Status st = port::tcp_connect(&conn_, url.host, url.port, ms);
  if (st == Status::kOk) return st;
  char why[96];
  port::tcp_describe_error(&conn_, why, sizeof why);
  if (st == Status::kTimeout) {
    return fail(response_, st, "timeout", "connect to %s:%u: no answer within %u ms", url.host,
                static_cast<unsigned>(url.port), static_cast<unsigned>(ms));
  }
  return fail(response_, Status::kUnavailable, "connection_failed", "connect to %s:%u: %s", url.host,
              static_cast<unsigned>(url.port), why);
}

Status Exchange::send_all(const char* data, std::size_t len) noexcept {
  std::size_t sent = 0;
  while (sent < len) {
    const std::uint32_t left = remaining_ms();
    if (left == 0) return timeout("sending the request");
    conn_.send_timeout_ms = left;
    const std::int32_t n =
        port::tcp_send(&conn_, reinterpret_cast<const std::uint8_t*>(data) + sent, len - sent);
    if (n < 0) {
      char why[96];
      port::tcp_describe_error(&conn_, why, sizeof why);
      return fail(response_, Status::kUnavailable, "connection_closed",
                  "sending the request failed after %zu of %zu bytes: %s", sent, len, why);
    }
    sent += static_cast<std::size_t>(n);
  }
  return Status::kOk;
}

Status Exchange::read_more(char* into, std::size_t cap, std::size_t& n) noexcept {
  n = 0;
  for (;;) {
    const std::uint32_t left = remaining_ms();
    if (left == 0) return timeout("reading the answer");
    const std::int32_t got = port::tcp_recv(&conn_, reinterpret_cast<std::uint8_t*>(into), cap, left);
    if (got > 0) {
      n = static_cast<std::size_t>(got);
      return Status::kOk;
    }
    // The port reports a close and a reset alike (kUnavailable): both end the answer here;
    // read_head/read_body decide whether that was too early.
    if (got == static_cast<std::int32_t>(Status::kUnavailable)) return Status::kOk;
    if (got < 0) {
      char why[96];
      port::tcp_describe_error(&conn_, why, sizeof why);
      return fail(response_, Status::kUnavailable, "connection_closed", "reading the answer failed: %s", why);
    }
    // got == 0: nothing within `left`; the loop re-checks the deadline.
  }
}

// Reads until head_ holds a complete head ("\r\n\r\n"); head_end = index just past it.
Status Exchange::read_head(std::size_t& head_end) noexcept {
  for (;;) {
    for (std::size_t i = 3; i < head_len_; ++i) {
      if (head_[i] == '\n' && head_[i - 1] == '\r' && head_[i - 2] == '\n' && head_[i - 3] == '\r') {
        head_end = i + 1;
        return Status::kOk;
      }
    }
    if (head_len_ == sizeof head_) {
      return fail(response_, Status::kDataLoss, "invalid_response",
                  "the answer's status line and headers exceed %zu bytes", sizeof head_);
    }
    std::size_t n = 0;
    const Status st = read_more(head_ + head_len_, sizeof head_ - head_len_, n);
    if (st != Status::kOk) return st;
    if (n == 0) {
      return fail(response_, Status::kUnavailable, "connection_closed",
                  head_len_ == 0 ? "the server closed the connection without answering"
                                 : "the server closed the connection in the middle of the answer's headers");
    }
    head_len_ += n;
  }
}

Status Exchange::parse_head(std::size_t head_end, bool& has_length, std::uint64_t& length,
                            bool& has_transfer_encoding) noexcept {
  has_length = false;
  length = 0;
  has_transfer_encoding = false;
  std::string_view head(head_, head_end - 4);  // without the blank line's CRLF CRLF
  const std::size_t line_end = head.find("\r\n");
  const std::string_view status_line = head.substr(0, line_end);
  // HTTP-version SP 3DIGIT SP [reason]; some servers omit the SP when the reason is empty.
  if (status_line.size() < 12 || status_line.substr(0, 7) != "HTTP/1." || status_line[7] < '0' ||
      status_line[7] > '9' || status_line[8] != ' ' || status_line[9] < '1' || status_line[9] > '5' ||
      status_line[10] < '0' || status_line[10] > '9' || status_line[11] < '0' || status_line[11] > '9' ||
      (status_line.size() > 12 && status_line[12] != ' ')) {
    char shown[48];
    copy_cstr(shown, sizeof shown, status_line);
    for (char* p = shown; *p != '\0'; ++p) {
      if (static_cast<unsigned char>(*p) < 0x20 || static_cast<unsigned char>(*p) > 0x7E) *p = '?';
    }
    return fail(response_, Status::kDataLoss, "invalid_response", "not an HTTP/1.x status line: \"%s\"", shown);
  }
  response_.status = (status_line[9] - '0') * 100 + (status_line[10] - '0') * 10 + (status_line[11] - '0');

  std::string_view rest = line_end == std::string_view::npos ? std::string_view() : head.substr(line_end + 2);
  while (!rest.empty()) {
    const std::size_t end = rest.find("\r\n");
    const std::string_view line = rest.substr(0, end);
    rest = end == std::string_view::npos ? std::string_view() : rest.substr(end + 2);
    const std::size_t colon = line.find(':');
    // RFC 9112 section 5: no whitespace between name and colon; obsolete line folding is refused.
    if (colon == std::string_view::npos || !is_token(line.substr(0, colon))) {
      return fail(response_, Status::kDataLoss, "invalid_response",
                  "malformed header line in the answer (no \"name:\" token)");
    }
    const std::string_view name = line.substr(0, colon);
    const std::string_view value = trim_ows(line.substr(colon + 1));
    if (!is_field_value(value)) {
      return fail(response_, Status::kDataLoss, "invalid_response",
                  "header %.*s holds a control character", static_cast<int>(name.size()), name.data());
    }
    if (equals_ignore_case(name, "content-length")) {
      std::uint64_t v = 0;
      if (value.empty() || value.size() > 15) {
        return fail(response_, Status::kDataLoss, "invalid_response", "bad Content-Length in the answer");
      }
      for (char c : value) {
        if (c < '0' || c > '9') {
          return fail(response_, Status::kDataLoss, "invalid_response", "bad Content-Length in the answer");
        }
        v = v * 10 + static_cast<std::uint64_t>(c - '0');
      }
      if (has_length && v != length) {
        return fail(response_, Status::kDataLoss, "invalid_response",
                    "the answer has two different Content-Length values");
      }
      has_length = true;
      length = v;
    } else if (equals_ignore_case(name, "transfer-encoding")) {
      has_transfer_encoding = true;
    } else if (equals_ignore_case(name, "traceresponse")) {
      if (response_.traceresponse_count++ == 0) {
        if (value.size() < sizeof response_.traceresponse) {
          copy_cstr(response_.traceresponse, sizeof response_.traceresponse, value);
        } else {
          response_.traceresponse_too_long = true;
        }
      }
    }
  }
  return Status::kOk;
}

void Exchange::keep_body(const char* data, std::size_t n) noexcept {
  const std::size_t room = sizeof response_.body - response_.body_len;
  const std::size_t keep = n < room ? n : room;
  std::memcpy(response_.body + response_.body_len, data, keep);
  response_.body_len += keep;
  response_.body_total += n;
}

Status Exchange::read_body(std::size_t head_end, bool has_length, std::uint64_t length) noexcept {
  // Bytes that arrived with the head belong to the body (Connection: close, so nothing follows).
  std::size_t extra = head_len_ - head_end;
  if (has_length && extra > length) extra = static_cast<std::size_t>(length);
  keep_body(head_ + head_end, extra);
  char chunk[512];
  while (!has_length || response_.body_total < length) {
    std::size_t want = sizeof chunk;
    if (has_length && length - response_.body_total < want) {
      want = static_cast<std::size_t>(length - response_.body_total);
    }
    std::size_t n = 0;
    const Status st = read_more(chunk, want, n);
    if (st != Status::kOk) return st;
    if (n == 0) {
      if (!has_length) return Status::kOk;  // body framed by the end of the connection
      return fail(response_, Status::kUnavailable, "connection_closed",
                  "the server closed the connection after %zu of %llu body bytes", response_.body_total,
                  static_cast<unsigned long long>(length));
    }
    keep_body(chunk, n);
  }
  return Status::kOk;
}

Status Exchange::run() noexcept {
  const HttpUrl& url = *request_.url;
  // ---- the request, built before connecting so a bad one costs no connection ----
  char out[kHttpRequestBytes];
  Writer w(out, sizeof out);
  w.put(request_.method);
  w.put(" ");
  w.put(url.path);
  w.put(" HTTP/1.1\r\nHost: ");
  if (url.ipv6_literal) w.put("[");
  w.put(url.host);
  if (url.ipv6_literal) w.put("]");
  if (url.port != 80) {
    w.put(":");
    w.put_uint(url.port);
  }
  w.put("\r\nUser-Agent: tracelet-demo/1.0\r\nConnection: close\r\n");
  if (!request_.body.empty()) {
    w.put("Content-Type: ");
    w.put(request_.content_type);
    w.put("\r\n");
  }
  // A POST without a body still says so (RFC 9110 section 8.6).
  if (!request_.body.empty() || std::strcmp(request_.method, "POST") == 0 ||
      std::strcmp(request_.method, "PUT") == 0) {
    w.put("Content-Length: ");
    w.put_uint(request_.body.size());
    w.put("\r\n");
  }
  if (request_.headers != nullptr) {
    for (std::size_t i = 0; i < request_.headers->size(); ++i) {
      w.put(request_.headers->name(i));
      w.put(": ");
      w.put(request_.headers->value(i));
      w.put("\r\n");
    }
  }
  w.put("\r\n");
  w.put(request_.body);
  if (w.overflow()) {
    return fail(response_, Status::kInvalidArgument, "invalid_request",
                "the request does not fit the client's %zu-byte buffer", sizeof out);
  }

  Status st = connect();
  if (st != Status::kOk) return st;
  const std::uint32_t ms = request_.timeout_ms != 0 ? request_.timeout_ms : kDefaultTimeoutMs;
  deadline_ns_ = port::monotonic_ns() + static_cast<std::uint64_t>(ms) * 1000000u;
  st = send_all(out, w.size());
  if (st != Status::kOk) return st;

  // ---- the answer: skip interim 1xx answers, then the final head and its body ----
  for (;;) {
    std::size_t head_end = 0;
    st = read_head(head_end);
    if (st != Status::kOk) return st;
    bool has_length = false;
    bool has_transfer_encoding = false;
    std::uint64_t length = 0;
    st = parse_head(head_end, has_length, length, has_transfer_encoding);
    if (st != Status::kOk) return st;
    if (response_.status >= 100 && response_.status < 200) {
      // Interim answer: drop its head and read on (its headers do not count).
      std::memmove(head_, head_ + head_end, head_len_ - head_end);
      head_len_ -= head_end;
      response_.status = 0;
      response_.traceresponse_count = 0;
      response_.traceresponse_too_long = false;
      response_.traceresponse[0] = '\0';
      continue;
    }
    // RFC 9112 section 6.3: these answers have no body, whatever their headers say.
    if (std::strcmp(request_.method, "HEAD") == 0 || response_.status == 204 || response_.status == 304) {
      return Status::kOk;
    }
    if (has_transfer_encoding) {
      return fail(response_, Status::kDataLoss, "invalid_response",
                  "the answer (status %d) uses Transfer-Encoding, which this demo client does not decode; "
                  "the service must send Content-Length",
                  response_.status);
    }
    return read_body(head_end, has_length, length);
  }
}

}  // namespace

// ---- URL ------------------------------------------------------------------------------------

Status parse_http_url(std::string_view url, HttpUrl& out, const char** reason) noexcept {
  const char* why = nullptr;
  out = HttpUrl{};
  auto reject = [&](const char* sentence) noexcept {
    why = sentence;
    return Status::kInvalidArgument;
  };
  Status st = [&]() noexcept -> Status {
    for (char c : url) {
      const auto u = static_cast<unsigned char>(c);
      if (u <= 0x20 || u >= 0x7F) return reject("the URL holds a space, a control or a non-ASCII character");
    }
    const std::size_t scheme_end = url.find("://");
    if (scheme_end == std::string_view::npos) return reject("the URL has no scheme (expected http://host:port/path)");
    const std::string_view scheme = url.substr(0, scheme_end);
    if (equals_ignore_case(scheme, "https")) {
      return reject("https:// is not supported by the demo's HTTP client: it calls a local service over plain http://");
    }
    if (!equals_ignore_case(scheme, "http")) return reject("only http:// URLs are supported");
    std::string_view rest = url.substr(scheme_end + 3);
    if (rest.find('#') != std::string_view::npos) return reject("the URL has a fragment (#...); leave it out");
    const std::size_t path_start = rest.find_first_of("/?");
    std::string_view authority = rest.substr(0, path_start);
    std::string_view path = path_start == std::string_view::npos ? std::string_view() : rest.substr(path_start);
    if (authority.find('@') != std::string_view::npos) return reject("user names or passwords in the URL are not supported");
    std::string_view host;
    std::string_view port_text;
    if (!authority.empty() && authority.front() == '[') {
      const std::size_t close = authority.find(']');
      if (close == std::string_view::npos) return reject("an IPv6 address in the URL lacks its closing ']'");
      host = authority.substr(1, close - 1);
      out.ipv6_literal = true;
      const std::string_view after = authority.substr(close + 1);
      if (!after.empty()) {
        if (after.front() != ':') return reject("unexpected text after the IPv6 address in the URL");
        port_text = after.substr(1);
        if (port_text.empty()) return reject("the URL has ':' but no port number");
      }
    } else {
      const std::size_t colon = authority.find(':');
      host = authority.substr(0, colon);
      if (colon != std::string_view::npos) {
        port_text = authority.substr(colon + 1);
        if (port_text.empty()) return reject("the URL has ':' but no port number");
      }
    }
    if (host.empty()) return reject("the URL has no host");
    if (host.size() >= sizeof out.host) return reject("the URL's host name is too long for the demo client");
    if (!port_text.empty()) {
      std::uint32_t port = 0;
      for (char c : port_text) {
        if (c < '0' || c > '9') return reject("the URL's port is not a number");
        port = port * 10 + static_cast<std::uint32_t>(c - '0');
        if (port > 65535) return reject("the URL's port is over 65535");
      }
      if (port == 0) return reject("the URL's port is 0");
      out.port = static_cast<std::uint16_t>(port);
    }
    if (path.empty()) path = "/";
    if (path.front() == '?') {
      // "http://h?q" means path "/" with the query "q".
      if (path.size() + 1 >= sizeof out.path) return reject("the URL's path is too long for the demo client");
      out.path[0] = '/';
      copy_cstr(out.path + 1, sizeof out.path - 1, path);
    } else {
      if (path.size() >= sizeof out.path) return reject("the URL's path is too long for the demo client");
      copy_cstr(out.path, sizeof out.path, path);
    }
    copy_cstr(out.host, sizeof out.host, host);
    return Status::kOk;
  }();
  if (st != Status::kOk) out = HttpUrl{};
  if (reason != nullptr) *reason = why;
  return st;
}

// ---- headers --------------------------------------------------------------------------------

Status HttpHeaders::set(std::string_view name, std::string_view value) noexcept {
  if (!is_token(name) || !is_field_value(value)) return Status::kInvalidArgument;
  if (name.size() >= kHttpMaxHeaderNameBytes || value.size() >= kHttpMaxHeaderValueBytes) {
    return Status::kResourceExhausted;
  }
  std::size_t slot = count_;
  for (std::size_t i = 0; i < count_; ++i) {
    if (equals_ignore_case(this->name(i), name)) slot = i;
  }
  if (slot == kHttpMaxExtraHeaders) return Status::kResourceExhausted;
  Field& f = fields_[slot];
  std::memcpy(f.name, name.data(), name.size());
  f.name_len = static_cast<std::uint8_t>(name.size());
  std::memcpy(f.value, value.data(), value.size());
  f.value_len = static_cast<std::uint8_t>(value.size());
  if (slot == count_) ++count_;
  return Status::kOk;
}

CarrierWriter HttpHeaders::writer() noexcept {
  CarrierWriter w;
  w.ctx = this;
  w.set = [](void* ctx, std::string_view name, std::string_view value) noexcept {
    return static_cast<HttpHeaders*>(ctx)->set(name, value);
  };
  return w;
}

std::string_view HttpHeaders::name(std::size_t i) const noexcept {
  return i < count_ ? std::string_view(fields_[i].name, fields_[i].name_len) : std::string_view();
}

std::string_view HttpHeaders::value(std::size_t i) const noexcept {
  return i < count_ ? std::string_view(fields_[i].value, fields_[i].value_len) : std::string_view();
}

// ---- the call -------------------------------------------------------------------------------

std::string_view HttpResponse::traceresponse_value() const noexcept {
  if (traceresponse_count == 0 || traceresponse_too_long) return {};
  return std::string_view(traceresponse);
}

Status http_call(const HttpRequest& request, HttpResponse& response) noexcept {
  response = HttpResponse{};
  if (request.url == nullptr || request.url->host[0] == '\0') {
    return fail(response, Status::kInvalidArgument, "invalid_request", "no URL given");
  }
  if (request.method == nullptr || !is_token(request.method)) {
    return fail(response, Status::kInvalidArgument, "invalid_request", "the method is not an HTTP token");
  }
  if (!request.body.empty() && (request.content_type == nullptr || !is_field_value(request.content_type))) {
    return fail(response, Status::kInvalidArgument, "invalid_request", "a body needs a valid content type");
  }
  Exchange exchange(request, response);
  return exchange.run();
}

}  // namespace tracelet::demo

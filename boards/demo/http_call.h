#pragma once
// A tiny blocking HTTP/1.1 client for the demo device: one request per TCP connection over the
// port layer (tracelet::port::tcp_connect/tcp_send/tcp_recv), fixed buffers, a deadline on
// every step, and a sentence for every failure.
//
// Plain http:// only, on purpose: the device calls a service that runs as a local process in
// the cross-process test (tests/cross_process/). A device talking to a remote service would
// need TLS, which tracelet's exporter already does with Mbed TLS; this client is not meant to
// grow into a general one (no TLS, redirects, proxies, keep-alive or chunked bodies).
//
// It keeps what the device's tracing needs from the answer: the status code, the W3C Trace
// Context Level 2 `traceresponse` header (the callee's span id, same format as traceparent)
// and a short Content-Length body. Nothing here allocates; http_call() uses about 4 KB of stack.
#include <cstddef>
#include <cstdint>
#include <string_view>

#include "tracelet/propagation.h"
#include "tracelet/status.h"

namespace tracelet::demo {

inline constexpr std::size_t kHttpMaxHostBytes = 64;          // host name or address, incl. NUL
inline constexpr std::size_t kHttpMaxPathBytes = 128;         // path + query, incl. NUL
inline constexpr std::size_t kHttpMaxExtraHeaders = 4;        // HttpHeaders fields
inline constexpr std::size_t kHttpMaxHeaderNameBytes = 32;    // per extra request header
inline constexpr std::size_t kHttpMaxHeaderValueBytes = 128;  // per extra header / kept response header
inline constexpr std::size_t kHttpRequestBytes = 1024;        // request line + headers + body
inline constexpr std::size_t kHttpResponseHeadBytes = 2048;   // status line + response headers
inline constexpr std::size_t kHttpBodyBytes = 256;            // body bytes kept (the rest is read and dropped)

/// A parsed `http://host[:port][/path][?query]` URL.
struct HttpUrl {
  char host[kHttpMaxHostBytes] = {};  // NUL-terminated; an IPv6 literal without its brackets
  std::uint16_t port = 80;
  char path[kHttpMaxPathBytes] = {};  // NUL-terminated, starts with '/'; "/" when the URL has none
  bool ipv6_literal = false;          // host was written as [..]
};

/// Parses an absolute http:// URL. The scheme is matched in any letter case; userinfo and
/// fragments are refused (the demo never sends credentials in URLs).
/// Return values:
///   kOk              – `out` is filled
///   kInvalidArgument – not a usable http:// URL (https://, no host, bad or zero port, host or
///                      path too long, a space or control character); `*reason` (if given) is a
///                      fixed English sentence saying which
[[nodiscard]] Status parse_http_url(std::string_view url, HttpUrl& out,
                                    const char** reason = nullptr) noexcept;

/// Extra request header fields (such as `traceparent`) in fixed storage. Usable as a
/// propagation carrier: writer() gives the CarrierWriter that HttpClientSpan::inject() and
/// tracelet::inject() write into.
class HttpHeaders {
 public:
  /// Adds `name: value`, or replaces the value of a field with that name (any letter case).
  /// Return values:
  ///   kOk                – stored
  ///   kInvalidArgument   – name is not an HTTP token, or value holds CR, LF or another
  ///                        control character (no header injection); nothing stored
  ///   kResourceExhausted – name or value longer than kHttpMaxHeaderNameBytes /
  ///                        kHttpMaxHeaderValueBytes, or kHttpMaxExtraHeaders fields already set
  [[nodiscard]] Status set(std::string_view name, std::string_view value) noexcept;

  /// A writer whose `set` is set() above. Valid while this object lives.
  CarrierWriter writer() noexcept;

  std::size_t size() const noexcept { return count_; }
  /// Field `i` (0-based, in the order first set); empty views past size().
  std::string_view name(std::size_t i) const noexcept;
  std::string_view value(std::size_t i) const noexcept;

 private:
  struct Field {
    char name[kHttpMaxHeaderNameBytes];
    char value[kHttpMaxHeaderValueBytes];
    std::uint8_t name_len;
    std::uint8_t value_len;
  };
  Field fields_[kHttpMaxExtraHeaders] = {};
  std::size_t count_ = 0;
};

/// One request. Pointers are borrowed for the duration of http_call().
struct HttpRequest {
  const char* method = "POST";           // an upper-case token such as GET or POST
  const HttpUrl* url = nullptr;           // required
  const HttpHeaders* headers = nullptr;   // optional extra fields
  const char* content_type = nullptr;     // required when body is not empty
  std::string_view body{};
  std::uint32_t connect_timeout_ms = 0;   // 0 = 2000
  std::uint32_t timeout_ms = 0;           // sending + receiving after the connect; 0 = 5000
};

/// What came back (or why nothing did).
struct HttpResponse {
  int status = 0;                                  // final status code; 0 = no response
  char traceresponse[kHttpMaxHeaderValueBytes] = {};  // first `traceresponse` value, NUL-terminated
  std::size_t traceresponse_count = 0;             // how many `traceresponse` fields came
  bool traceresponse_too_long = false;             // the first one did not fit; not kept
  char body[kHttpBodyBytes] = {};                  // first body bytes (not NUL-terminated)
  std::size_t body_len = 0;                        // bytes kept in `body`
  std::size_t body_total = 0;                      // body bytes received in all
  /// Low-cardinality failure class for the span's error.type ("timeout",
  /// "connection_failed", "connection_closed", "invalid_response", "invalid_request");
  /// nullptr on success.
  const char* error_type = nullptr;
  char error[192] = {};                            // one-line explanation, NUL-terminated

  std::string_view traceresponse_value() const noexcept;
  std::string_view body_view() const noexcept { return std::string_view(body, body_len); }
};

/// Connects to request.url, sends the request with `Connection: close`, reads the answer and
/// closes the connection. Interim 1xx answers are skipped. The body is framed by
/// Content-Length, or by the end of the connection when there is none; a Transfer-Encoding
/// body (chunked) is refused as this client does not decode it.
/// Blocks: up to connect_timeout_ms for the connect, then up to timeout_ms for the rest.
/// Allocates: never (the platform resolver may, inside tcp_connect).
/// Return values (on every failure `response.error_type` and `response.error` say why):
///   kOk                – a complete answer was read; `response.status` is its status (any
///                        code, 4xx and 5xx included)
///   kInvalidArgument   – the request itself is unusable (no URL, bad method, body without
///                        content type, request over kHttpRequestBytes)
///   kUnavailable       – the connection could not be made, or the peer closed or reset it
///                        before the answer was complete
///   kTimeout           – the connect or the exchange did not finish in time
///   kDataLoss          – the answer is not valid HTTP/1.x, its head is over
///                        kHttpResponseHeadBytes, or its body uses Transfer-Encoding
[[nodiscard]] Status http_call(const HttpRequest& request, HttpResponse& response) noexcept;

}  // namespace tracelet::demo

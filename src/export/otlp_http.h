#pragma once
#include <cstddef>
#include <cstdint>

#include "export/http_request.h"
#include "export/http_response.h"
#include "otlp/response.h"
#include "tracelet/exporter_config.h"

// OTLP/HTTP's rules for one export request and its answer, shared by the exporter and
// otlp_post() (tracelet/otlp_post.h), which programs such as tools/bridge use.
namespace tracelet::otlp {

/// The request body's media type.
constexpr const char* kContentType = "application/x-protobuf";

/// The Host header's value: IPv6 literals in brackets, the port unless it is the scheme's
/// default (what a request signer must sign). Cut to `cap - 1`, NUL-terminated.
void format_host_header(const char* host, std::uint16_t port, bool tls, char* out, std::size_t cap) noexcept;

/// Writes the head of `POST <path>` carrying a protobuf body of `content_length` bytes: Host,
/// `user_agent`, Content-Type, Content-Encoding when `content_encoding` is given,
/// Content-Length, then `headers`, the `signature` headers and the blank line.
bool write_post_head(detail::TransportWriter& writer, const char* host, std::uint16_t port, bool tls,
                     const char* path, const char* user_agent, std::size_t content_length,
                     const HttpHeader* headers, std::size_t header_count,
                     const char* content_encoding = nullptr, const HttpHeader* signature = nullptr,
                     std::size_t signature_count = 0) noexcept;

/// The same head for a body of unknown length: `Content-Encoding: <content_encoding>` and
/// `Transfer-Encoding: chunked` instead of Content-Length (the body then goes out as chunks).
bool write_post_head_chunked(detail::TransportWriter& writer, const char* host, std::uint16_t port,
                             bool tls, const char* path, const char* user_agent,
                             const char* content_encoding, const HttpHeader* headers,
                             std::size_t header_count) noexcept;

/// A header that can go on the wire as it is: a non-empty name without ':', space, tab, CR or
/// LF, and a value without CR or LF (either null is invalid).
bool is_valid_header(const HttpHeader& header) noexcept;

/// Only these answers mean "send the same data again later".
bool is_retryable(int status) noexcept;

/// Reads a 2xx answer's ExportTraceServiceResponse into `out`. False when the body is there
/// but is not one (or was cut); an empty body is a valid, empty response.
bool read_success(const detail::HttpResponseParser& response, ExportResponse& out) noexcept;

/// Why a collector refused: the google.rpc.Status message of a protobuf body, else the body's
/// printable characters; control characters become spaces either way (the reason is logged);
/// cut to `cap - 1`, NUL-terminated.
void failure_reason(const detail::HttpResponseParser& response, char* out, std::size_t cap) noexcept;

/// The answer's Retry-After in milliseconds (at least 1), or 0 when it has none or an
/// unreadable one. `now_unix_s` resolves the HTTP-date form.
std::uint32_t retry_after_ms(const detail::HttpResponseParser& response, std::uint64_t now_unix_s) noexcept;

}  // namespace tracelet::otlp

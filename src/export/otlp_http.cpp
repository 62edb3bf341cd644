#include "export/otlp_http.h"

#include <cstdio>
#include <cstring>

namespace tracelet::otlp {

namespace {

// `body[0..2]` end the Content-Type line and carry the body's framing headers.
bool write_head(detail::TransportWriter& writer, const char* host, std::uint16_t port, bool tls,
                const char* path, const char* user_agent, const char* const (&body)[3],
                const HttpHeader* headers, std::size_t header_count, const HttpHeader* more,
                std::size_t more_count) noexcept {
  char host_text[280];
  format_host_header(host, port, tls, host_text, sizeof host_text);
  bool ok = writer.write_text("POST ") && writer.write_text(path) &&
            writer.write_text(" HTTP/1.1\r\nHost: ") && writer.write_text(host_text) &&
            writer.write_text("\r\nUser-Agent: ") && writer.write_text(user_agent) &&
            writer.write_text("\r\nContent-Type: ") && writer.write_text(kContentType) &&
            writer.write_text(body[0]) && writer.write_text(body[1]) && writer.write_text(body[2]);
  for (std::size_t i = 0; ok && i < header_count + more_count; ++i) {
    const HttpHeader& h = i < header_count ? headers[i] : more[i - header_count];
    ok = writer.write_text(h.name) && writer.write_text(": ") && writer.write_text(h.value) &&
         writer.write_text("\r\n");
  }
  return ok && writer.write_text("\r\n");
}

}  // namespace

void format_host_header(const char* host, std::uint16_t port, bool tls, char* out, std::size_t cap) noexcept {
  const bool ipv6 = std::strchr(host, ':') != nullptr;  // a parsed host has ':' only as IPv6
  char port_text[8] = {};
  if (port != (tls ? 443 : 80)) std::snprintf(port_text, sizeof port_text, ":%u", static_cast<unsigned>(port));
  std::snprintf(out, cap, "%s%s%s%s", ipv6 ? "[" : "", host, ipv6 ? "]" : "", port_text);
}

bool write_post_head(detail::TransportWriter& writer, const char* host, std::uint16_t port, bool tls,
                     const char* path, const char* user_agent, std::size_t content_length,
                     const HttpHeader* headers, std::size_t header_count, const char* content_encoding,
                     const HttpHeader* signature, std::size_t signature_count) noexcept {
  char length_text[48];
  // %lu, not %zu: newlib-nano's printf has no size_t length modifier.
  std::snprintf(length_text, sizeof length_text, "\r\nContent-Length: %lu\r\n",
                static_cast<unsigned long>(content_length));
  const char* const plain[3] = {length_text, "", ""};
  const char* const encoded[3] = {"\r\nContent-Encoding: ", content_encoding, length_text};
  return write_head(writer, host, port, tls, path, user_agent, content_encoding != nullptr ? encoded : plain,
                    headers, header_count, signature, signature_count);
}

bool write_post_head_chunked(detail::TransportWriter& writer, const char* host, std::uint16_t port,
                             bool tls, const char* path, const char* user_agent,
                             const char* content_encoding, const HttpHeader* headers,
                             std::size_t header_count) noexcept {
  const char* const body[3] = {"\r\nContent-Encoding: ", content_encoding,
                               "\r\nTransfer-Encoding: chunked\r\n"};
  return write_head(writer, host, port, tls, path, user_agent, body, headers, header_count, nullptr, 0);
}

bool is_valid_header(const HttpHeader& header) noexcept {
  return header.name != nullptr && header.value != nullptr && header.name[0] != '\0' &&
         std::strpbrk(header.name, ":\r\n \t") == nullptr && std::strpbrk(header.value, "\r\n") == nullptr;
}

bool is_retryable(int status) noexcept {
  return status == 429 || status == 502 || status == 503 || status == 504;
}

bool read_success(const detail::HttpResponseParser& response, ExportResponse& out) noexcept {
  if (response.body_len() == 0) return true;
  return response.body_total() == response.body_len() &&
         decode_export_response(response.body(), response.body_len(), out);
}

void failure_reason(const detail::HttpResponseParser& response, char* out, std::size_t cap) noexcept {
  if (cap == 0) return;
  out[0] = '\0';
  if (response.body_is_protobuf()) {
    (void)decode_status_message(response.body(), response.body_len(), out, cap);
    // The message is the collector's text and goes into the log: no line breaks or escapes.
    for (char* c = out; *c != '\0'; ++c) {
      if (static_cast<unsigned char>(*c) < 0x20 || *c == 0x7f) *c = ' ';
    }
    return;
  }
  std::size_t n = 0;
  for (std::size_t i = 0; i < response.body_len() && n + 1 < cap; ++i) {
    const char c = static_cast<char>(response.body()[i]);
    out[n++] = (c >= 0x20 && c < 0x7f) ? c : ' ';
  }
  out[n] = '\0';
}

std::uint32_t retry_after_ms(const detail::HttpResponseParser& response, std::uint64_t now_unix_s) noexcept {
  std::uint32_t seconds = 0;
  if (!response.has_retry_after() || !detail::parse_retry_after(response.retry_after(), now_unix_s, seconds)) {
    return 0;
  }
  return seconds == 0 ? 1 : seconds * 1000;
}

}  // namespace tracelet::otlp

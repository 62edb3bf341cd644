#include "tracelet/endpoint.h"

#include <cstdio>
#include <cstring>

namespace tracelet {
namespace {

bool starts_with_ci(const char* text, const char* prefix) noexcept {
  for (; *prefix != '\0'; ++prefix, ++text) {
    char c = *text;
    if (c >= 'A' && c <= 'Z') c = static_cast<char>(c - 'A' + 'a');
    if (c != *prefix) return false;
  }
  return true;
}

Status fail(char* error, std::size_t cap, const char* reason, const char* url) noexcept {
  if (cap == 0) return Status::kInvalidArgument;
  // The URL is quoted into a message that gets logged: control characters become '?', so
  // it cannot break the line.
  char shown[121];
  std::size_t n = 0;
  for (; n + 1 < sizeof shown && url[n] != '\0'; ++n) {
    const auto c = static_cast<unsigned char>(url[n]);
    shown[n] = (c < 0x20 || c == 0x7f) ? '?' : url[n];
  }
  shown[n] = '\0';
  std::snprintf(error, cap, "%s in URL \"%s\"", reason, shown);
  return Status::kInvalidArgument;
}

}  // namespace

Status parse_endpoint(const char* text, Endpoint& out, char* error, std::size_t cap) noexcept {
  out = Endpoint{};
  if (text == nullptr || text[0] == '\0') return fail(error, cap, "empty endpoint", "");
  const char* p = text;
  if (starts_with_ci(p, "https://")) {
    out.tls = true;
    out.port = 443;
    p += 8;
  } else if (starts_with_ci(p, "http://")) {
    out.tls = false;
    out.port = 80;
    p += 7;
  } else {
    return fail(error, cap, "scheme must be http:// or https://", text);
  }
  const char* host_begin = p;
  const char* host_end = nullptr;
  if (*p == '[') {
    host_begin = ++p;
    // Hex digits, ':' and '.' (an embedded IPv4 address): anything else would travel into the
    // Host header and the TLS server name as it is.
    bool colon = false;
    for (; *p != '\0' && *p != ']'; ++p) {
      const char c = *p;
      colon = colon || c == ':';
      const bool hex = (c >= '0' && c <= '9') || (c >= 'a' && c <= 'f') || (c >= 'A' && c <= 'F');
      if (!hex && c != ':' && c != '.') return fail(error, cap, "invalid character in IPv6 address", text);
    }
    if (*p != ']') return fail(error, cap, "unterminated IPv6 address", text);
    if (!colon) return fail(error, cap, "malformed IPv6 address", text);
    host_end = p++;
    out.ipv6_literal = true;
  } else {
    while (*p != '\0' && *p != ':' && *p != '/' && *p != '?' && *p != '#') {
      if (*p == '@') return fail(error, cap, "user info is not supported", text);
      if (static_cast<unsigned char>(*p) < 0x21 || *p == 0x7f || *p == '[' || *p == ']') {
        return fail(error, cap, "invalid character in host", text);
      }
      ++p;
    }
    host_end = p;
  }
  std::size_t host_len = static_cast<std::size_t>(host_end - host_begin);
  if (host_len == 0) return fail(error, cap, "missing host", text);
  if (host_len >= sizeof out.host) return fail(error, cap, "host too long", text);
  std::memcpy(out.host, host_begin, host_len);
  out.host[host_len] = '\0';
  if (*p == ':') {
    ++p;
    std::uint32_t port = 0;
    int digits = 0;
    while (*p >= '0' && *p <= '9') {
      port = port * 10 + static_cast<std::uint32_t>(*p - '0');
      if (port > 65535) return fail(error, cap, "port out of range", text);
      ++p;
      ++digits;
    }
    if (digits == 0 || port == 0) return fail(error, cap, "invalid port", text);
    out.port = static_cast<std::uint16_t>(port);
  }
  if (*p == '#') return fail(error, cap, "fragment not allowed", text);
  if (*p != '\0' && *p != '/' && *p != '?') return fail(error, cap, "unexpected character after host", text);
  std::size_t path_len = std::strlen(p);
  std::size_t prefix = (*p == '/') ? 0 : 1;  // "?q" or "" become "/?q" or "/"
  if (path_len + prefix >= sizeof out.path) return fail(error, cap, "path too long", text);
  out.path[0] = '/';
  std::memcpy(out.path + prefix, p, path_len);
  out.path[prefix + path_len] = '\0';
  for (const char* c = out.path; *c != '\0'; ++c) {
    if (static_cast<unsigned char>(*c) <= 0x20 || *c == 0x7f) {
      return fail(error, cap, "invalid character in path", text);
    }
    if (*c == '#') return fail(error, cap, "fragment not allowed", text);
  }
  return Status::kOk;
}

Endpoint logs_endpoint_beside(const Endpoint& traces) noexcept {
  static constexpr char kTracesPath[] = "/v1/traces";
  static constexpr std::size_t kTracesLen = sizeof kTracesPath - 1;
  Endpoint logs = traces;
  const std::size_t len = std::strlen(logs.path);
  const bool ends_in_traces = len >= kTracesLen && std::strcmp(logs.path + len - kTracesLen, kTracesPath) == 0;
  const std::size_t keep = ends_in_traces ? len - kTracesLen : 0;
  std::memcpy(logs.path + keep, "/v1/logs", sizeof "/v1/logs");
  return logs;
}

}  // namespace tracelet

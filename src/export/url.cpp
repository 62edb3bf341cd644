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
  if (cap != 0) std::snprintf(error, cap, "%s in URL \"%.120s\"", reason, url);
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
    while (*p != '\0' && *p != ']') ++p;
    if (*p != ']') return fail(error, cap, "unterminated IPv6 address", text);
    host_end = p++;
    out.ipv6_literal = true;
  } else {
    while (*p != '\0' && *p != ':' && *p != '/' && *p != '?' && *p != '#') {
      if (*p == '@') return fail(error, cap, "user info is not supported", text);
      if (*p == ' ' || static_cast<unsigned char>(*p) < 0x21) {
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

}  // namespace tracelet

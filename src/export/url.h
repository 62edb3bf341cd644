#pragma once
#include <cstddef>
#include <cstdint>

#include "tracelet/status.h"

namespace tracelet::detail {

/// An http(s) URL split into what an HTTP/1.1 request needs.
struct Url {
  bool tls = true;
  std::uint16_t port = 0;
  char host[254] = {};   // without brackets for IPv6 literals
  char path[256] = {};   // "/" when the URL has none; query kept
  bool ipv6_literal = false;
};

/// Parses "scheme://host[:port][/path]". Scheme http or https (case-insensitive); no user
/// info; IPv6 literals in brackets. Writes a reason into `error` on failure.
/// Return values: kOk, kInvalidArgument (malformed, or a part too long).
[[nodiscard]] Status parse_url(const char* text, Url& out, char* error, std::size_t cap) noexcept;

}  // namespace tracelet::detail

#pragma once
#include <cstddef>
#include <cstdint>

#include "tracelet/status.h"

namespace tracelet {

/// An http(s) URL split into what one HTTP/1.1 request needs: whether to speak TLS, where to
/// connect, and the request target. Fixed size (about 520 bytes), no pointers into the text
/// it was parsed from, so it can be copied and kept.
struct Endpoint {
  bool tls = true;              // https (true) or http
  std::uint16_t port = 0;       // explicit port, else 443 / 80 from the scheme
  char host[254] = {};          // NUL-terminated; IPv6 literals without their brackets
  char path[256] = {};          // request target, "/" when the URL has none; query kept
  bool ipv6_literal = false;    // the host was written in brackets
};

/// Parses "scheme://host[:port][/path][?query]" into `out`. Scheme http or https (any case);
/// no user info, no fragment; IPv6 literals in brackets (hex digits, ':' and '.' only); no
/// space, control character or bracket in a host name. On failure `out` must not be used,
/// and a one-line reason quoting the URL is written to `error` (cut to `cap - 1`,
/// NUL-terminated; nothing is written when `cap` is 0).
/// ISR-safe: no. Blocks: never. Allocates: never.
/// Return values:
///   kOk              – `out` holds the parts
///   kInvalidArgument – `text` is null, empty or malformed, or the host or path is too long
[[nodiscard]] Status parse_endpoint(const char* text, Endpoint& out, char* error,
                                    std::size_t cap) noexcept;

/// The logs endpoint of the collector `traces` points at: the same URL with a final
/// "/v1/traces" of its path swapped for "/v1/logs" (what OTEL_EXPORTER_OTLP_ENDPOINT gives both
/// signals), or the path "/v1/logs" when the traces path ends otherwise.
/// ISR-safe: yes. Blocks: never. Allocates: never.
[[nodiscard]] Endpoint logs_endpoint_beside(const Endpoint& traces) noexcept;

}  // namespace tracelet

#pragma once
#include <cstdint>
#include <string>
#include <utility>
#include <vector>

#include "tracelet/status.h"
#include "tracelet/transport.h"

namespace tracelet::test {

/// A parsed HTTP/1.1 response (tests only; the product's HTTP code lives in the exporter).
struct HttpResponse {
  int status = 0;
  std::vector<std::pair<std::string, std::string>> headers;  // names lower-cased
  std::string body;
  /// First header with this lower-case name, or nullptr.
  const std::string* header(const char* name) const;
};

/// Writes all of `data` through `t`, retrying "would block" until `timeout_ms` passes.
/// Returns kOk, kTimeout, or the transport's negative status.
Status send_all(const Transport& t, const std::string& data, std::uint32_t timeout_ms);

/// Reads one response (skipping 1xx), body framed by Content-Length. Returns kOk, kTimeout,
/// kUnavailable when the connection ended before the response was complete, kDataLoss for a
/// malformed response, or another negative status from the transport.
Status read_response(const Transport& t, HttpResponse& out, std::uint32_t timeout_ms);

/// POSTs `body` to `path` and reads the answer (keep-alive).
Status post(const Transport& t, const std::string& path, const std::string& content_type,
            const std::string& body, HttpResponse& out, std::uint32_t timeout_ms = 5000,
            const std::vector<std::string>& extra_headers = {});

}  // namespace tracelet::test

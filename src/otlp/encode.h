#pragma once
#include <pb_encode.h>

#include <cstddef>

#include "tracelet/ring.h"
#include "tracelet/tracer.h"

namespace tracelet::otlp {

/// What one OTLP ExportTraceServiceRequest carries: the spans of a claimed ring batch, the
/// tracer's resource and the instrumentation scope.
struct RequestSource {
  const Ring* ring = nullptr;
  Batch batch{};
  ResourceView resource{};
  const char* scope_name = "tracelet";
  const char* scope_version = nullptr;  // nullptr = tracelet's version
};

/// Streams the request into `stream` straight from the ring records (no request buffer):
/// nanopb field callbacks walk the records. Records that fail validation are skipped and
/// counted in `skipped_records` (if given). Returns false if the stream failed.
[[nodiscard]] bool encode_request(const RequestSource& source, pb_ostream_t* stream,
                                  std::size_t* skipped_records = nullptr) noexcept;

/// Exact byte count encode_request() will write: the same code run into nanopb's sizing
/// stream, so it can go into Content-Length before the body is sent.
[[nodiscard]] bool request_size(const RequestSource& source, std::size_t& size) noexcept;

}  // namespace tracelet::otlp

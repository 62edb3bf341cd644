#pragma once
#include <pb_encode.h>

#include <cstddef>
#include <cstdint>

#include "tracelet/ring.h"
#include "tracelet/tracer.h"

namespace tracelet::otlp {

/// Which OTLP signal a request carries. A ring batch may hold spans and log records mixed; a
/// request takes the records of its signal and passes over the others.
enum class Signal : std::uint8_t {
  kTraces = 0,  // ExportTraceServiceRequest from span records
  kLogs = 1,    // ExportLogsServiceRequest from log records (tracelet::log)
};

/// What one OTLP export request carries: the records of `signal` in a claimed ring batch, the
/// tracer's resource and the instrumentation scope.
struct RequestSource {
  const Ring* ring = nullptr;
  Signal signal = Signal::kTraces;
  Batch batch{};
  ResourceView resource{};
  const char* scope_name = "tracelet";
  const char* scope_version = nullptr;  // nullptr = tracelet's version
};

/// The sizes of one request, measured from the records before anything is written: `bytes`
/// is what encode_request() will write (Content-Length, a frame's length).
struct RequestPlan {
  std::size_t bytes = 0;
  std::size_t spans = 0;    // records of the source's signal that will be encoded
  std::size_t skipped = 0;  // records that failed validation and will be left out
  std::size_t other = 0;    // valid records of the other signal (not part of this request)
  /// Optional caller-owned scratch: plan_request() keeps the encoded size of the first
  /// `span_size_cap` spans here and encode_request() writes their length prefixes from it, so
  /// each span is sized once; the rest are sized again while writing. 0 = not kept (a span
  /// larger than 65535 bytes).
  std::uint16_t* span_sizes = nullptr;
  std::size_t span_size_cap = 0;
  // Sizes of the enclosing messages, for their length prefixes.
  std::size_t resource_size = 0;
  std::size_t scope_size = 0;
  std::size_t spans_size = 0;
};

/// Walks the batch's records once, computing every message size by arithmetic (nothing is
/// encoded). Keeps plan.span_sizes/span_size_cap, resets the rest. Returns false without a
/// ring.
[[nodiscard]] bool plan_request(const RequestSource& source, RequestPlan& plan) noexcept;

/// Streams the request into `stream` straight from the ring records (no request buffer),
/// writing exactly `plan.bytes` bytes; `plan` must come from plan_request() on the same
/// source (for the one-signal pairs below: from the plan_* of the same signal; a plan of the
/// other signal gives a wrong Content-Length). Records that fail validation are skipped.
/// Returns false if the stream failed.
[[nodiscard]] bool encode_request(const RequestSource& source, const RequestPlan& plan,
                                  pb_ostream_t* stream) noexcept;

/// The same for one signal, whatever source.signal says. A firmware that exports only spans
/// (or only log records) calls these and links no encoder for the other signal;
/// plan_request() and encode_request() link both.
[[nodiscard]] bool plan_traces_request(const RequestSource& source, RequestPlan& plan) noexcept;
[[nodiscard]] bool encode_traces_request(const RequestSource& source, const RequestPlan& plan,
                                         pb_ostream_t* stream) noexcept;
[[nodiscard]] bool plan_logs_request(const RequestSource& source, RequestPlan& plan) noexcept;
[[nodiscard]] bool encode_logs_request(const RequestSource& source, const RequestPlan& plan,
                                       pb_ostream_t* stream) noexcept;

/// plan_request() and encode_request() in one call; `skipped_records` (if given) counts the
/// records left out.
[[nodiscard]] bool encode_request(const RequestSource& source, pb_ostream_t* stream,
                                  std::size_t* skipped_records = nullptr) noexcept;

/// Counts the valid span and log records of a batch (corrupt ones count as spans: the traces
/// request reports them). Allocates: never.
void count_signals(const Ring& ring, const Batch& batch, std::size_t& spans, std::size_t& logs) noexcept;

/// Exact byte count encode_request() will write (plan_request().bytes).
[[nodiscard]] bool request_size(const RequestSource& source, std::size_t& size) noexcept;

}  // namespace tracelet::otlp

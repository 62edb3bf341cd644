#pragma once
#include <array>
#include <cstddef>
#include <cstdint>
#include <string>
#include <vector>

namespace tracelet::receiver {

struct KeyValue;

/// common.v1.AnyValue, every kind the OTLP spec defines (the device encoder sends the scalar
/// ones; arrays and key/value lists are accepted too so other OTLP clients can be inspected).
struct AnyValue {
  enum class Type { kEmpty, kString, kBool, kInt, kDouble, kArray, kKvList, kBytes };
  Type type = Type::kEmpty;
  std::string bytes;  // string_value or bytes_value
  bool bool_value = false;
  std::int64_t int_value = 0;
  double double_value = 0;
  std::vector<AnyValue> array;
  std::vector<KeyValue> kvlist;
};

struct KeyValue {
  std::string key;
  AnyValue value;
};

struct Attributes {
  std::vector<KeyValue> items;
  std::uint32_t dropped = 0;
};

struct Event {
  std::uint64_t time_unix_nano = 0;
  std::string name;
  Attributes attributes;
};

struct Link {
  std::array<std::uint8_t, 16> trace_id{};
  std::array<std::uint8_t, 8> span_id{};
  std::string trace_state;
  Attributes attributes;
  std::uint32_t flags = 0;
};

struct Span {
  std::array<std::uint8_t, 16> trace_id{};
  std::array<std::uint8_t, 8> span_id{};
  std::vector<std::uint8_t> parent_span_id;  // empty for a root span
  std::string trace_state;
  std::uint32_t flags = 0;
  std::string name;
  int kind = 0;
  std::uint64_t start_time_unix_nano = 0;
  std::uint64_t end_time_unix_nano = 0;
  Attributes attributes;
  std::vector<Event> events;
  std::uint32_t dropped_events_count = 0;
  std::vector<Link> links;
  std::uint32_t dropped_links_count = 0;
  int status_code = 0;  // 0 unset, 1 ok, 2 error
  std::string status_message;
};

struct Scope {
  std::string name;
  std::string version;
  Attributes attributes;
};

struct ScopeSpans {
  Scope scope;
  std::vector<Span> spans;
  std::string schema_url;
};

struct ResourceSpans {
  Attributes resource;
  std::vector<ScopeSpans> scope_spans;
  std::string schema_url;
};

struct ExportRequest {
  std::vector<ResourceSpans> resource_spans;
  std::size_t span_count() const;
};

// ---- logs (POST /v1/logs) ----

struct LogRecord {
  std::uint64_t time_unix_nano = 0;
  std::uint64_t observed_time_unix_nano = 0;
  int severity_number = 0;
  std::string severity_text;
  AnyValue body;
  Attributes attributes;
  std::uint32_t flags = 0;
  std::vector<std::uint8_t> trace_id;  // empty: not in a trace
  std::vector<std::uint8_t> span_id;   // empty: not in a span
  std::string event_name;
};

struct ScopeLogs {
  Scope scope;
  std::vector<LogRecord> log_records;
  std::string schema_url;
};

struct ResourceLogs {
  Attributes resource;
  std::vector<ScopeLogs> scope_logs;
  std::string schema_url;
};

struct LogsRequest {
  std::vector<ResourceLogs> resource_logs;
  std::size_t log_record_count() const;
};

/// Decodes a protobuf ExportLogsServiceRequest; errors and `max_decoded_bytes` as for
/// decode_export_request(). A trace_id or span_id of the wrong length is an error.
bool decode_logs_request(const std::uint8_t* data, std::size_t size, LogsRequest& out,
                         std::string& error, std::size_t max_decoded_bytes = SIZE_MAX,
                         bool* too_large = nullptr);

/// Decodes a protobuf ExportTraceServiceRequest with nanopb. Returns false with `error` set
/// (nanopb's message, e.g. "wrong wire type") for bytes that are not a valid request, or when
/// the decoded tree would take more than `max_decoded_bytes` (structures plus strings; then
/// `*too_large` is set): empty messages cost a few bytes on the wire and far more decoded.
bool decode_export_request(const std::uint8_t* data, std::size_t size, ExportRequest& out,
                           std::string& error, std::size_t max_decoded_bytes = SIZE_MAX,
                           bool* too_large = nullptr);

/// Spans this thread has decoded with the walk over memory, the fast path for spans of the
/// device's shape (the rest go to nanopb): for the tests that check the walk is taken.
std::size_t spans_decoded_in_memory() noexcept;

/// Encodes an ExportTraceServiceResponse: empty, or with partial_success when
/// `rejected_spans` >= 0. The same bytes are an ExportLogsServiceResponse with
/// rejected_log_records (both number their fields alike).
std::string encode_export_response(std::int64_t rejected_spans, const std::string& error_message);

/// Encodes a google.rpc.Status {code, message}, the body OTLP/HTTP servers send with errors.
std::string encode_rpc_status(int grpc_code, const std::string& message);

}  // namespace tracelet::receiver

#pragma once
#include <array>
#include <cstdint>
#include <string>
#include <vector>

namespace tracelet::test {

/// One attribute of a hand-built test request.
struct TestAttribute {
  enum class Kind { kString, kBool, kInt, kDouble, kBytes };
  std::string key;
  Kind kind = Kind::kString;
  std::string text;  // string or bytes
  bool b = false;
  std::int64_t i = 0;
  double d = 0;
};
TestAttribute attr_string(const std::string& key, const std::string& value);
TestAttribute attr_bool(const std::string& key, bool value);
TestAttribute attr_int(const std::string& key, std::int64_t value);
TestAttribute attr_double(const std::string& key, double value);
TestAttribute attr_bytes(const std::string& key, const std::string& value);

struct TestEvent {
  std::uint64_t time_unix_nano = 0;
  std::string name;
  std::vector<TestAttribute> attributes;
  std::uint32_t dropped_attributes_count = 0;
};

struct TestSpan {
  std::array<std::uint8_t, 16> trace_id{};
  std::array<std::uint8_t, 8> span_id{};
  std::vector<std::uint8_t> parent_span_id;  // empty = root
  std::string trace_state;
  std::uint32_t flags = 0;
  std::string name;
  int kind = 0;
  std::uint64_t start_time_unix_nano = 0;
  std::uint64_t end_time_unix_nano = 0;
  std::vector<TestAttribute> attributes;
  std::uint32_t dropped_attributes_count = 0;
  std::vector<TestEvent> events;
  std::uint32_t dropped_events_count = 0;
  std::uint32_t dropped_links_count = 0;
  int status_code = 0;
  std::string status_message;
};

struct TestBatch {
  std::vector<TestAttribute> resource;
  std::uint32_t resource_dropped = 0;
  std::string scope_name;
  std::string scope_version;
  std::vector<TestSpan> spans;
};

/// Encodes `batch` as an ExportTraceServiceRequest with nanopb's pb_encode (one resource,
/// one scope). Empty string if encoding failed.
std::string encode_request(const TestBatch& batch);

/// Decodes an ExportTraceServiceResponse. `rejected` is -1 without partial_success.
bool decode_response(const std::string& body, std::int64_t& rejected, std::string& message);

/// A small realistic batch: a server span with two children (one an error), events and
/// every attribute type; ids derived from `seed` so batches differ.
TestBatch sample_batch(std::uint8_t seed);

}  // namespace tracelet::test

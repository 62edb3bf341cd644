#include "support/otlp_builder.h"

#include <pb_decode.h>
#include <pb_encode.h>

#include "opentelemetry/proto/collector/trace/v1/trace_service.pb.h"

namespace tracelet::test {
namespace {

using Encoder = bool (*)(pb_ostream_t*, const pb_field_t*, void* const*);

pb_callback_t encoder(Encoder fn, const void* arg) {
  pb_callback_t cb;
  cb.funcs.encode = fn;
  cb.arg = const_cast<void*>(arg);
  return cb;
}

// Writes `msg` (described by `fields`) as the submessage field `f`.
bool write_submessage(pb_ostream_t* s, const pb_field_t* f, const pb_msgdesc_t* fields, const void* msg) {
  return pb_encode_tag_for_field(s, f) && pb_encode_submessage(s, fields, msg);
}

bool write_string(pb_ostream_t* s, const pb_field_t* f, void* const* arg) {
  const auto* str = static_cast<const std::string*>(*arg);
  return pb_encode_tag_for_field(s, f) &&
         pb_encode_string(s, reinterpret_cast<const pb_byte_t*>(str->data()), str->size());
}

bool write_attributes(pb_ostream_t* s, const pb_field_t* f, void* const* arg) {
  const auto* attrs = static_cast<const std::vector<TestAttribute>*>(*arg);
  for (const TestAttribute& a : *attrs) {
    opentelemetry_proto_common_v1_KeyValue kv = opentelemetry_proto_common_v1_KeyValue_init_zero;
    kv.key = encoder(write_string, &a.key);
    kv.has_value = true;
    switch (a.kind) {
      case TestAttribute::Kind::kString:
        kv.value.which_value = opentelemetry_proto_common_v1_AnyValue_string_value_tag;
        kv.value.value.string_value = encoder(write_string, &a.text);
        break;
      case TestAttribute::Kind::kBytes:
        kv.value.which_value = opentelemetry_proto_common_v1_AnyValue_bytes_value_tag;
        kv.value.value.bytes_value = encoder(write_string, &a.text);
        break;
      case TestAttribute::Kind::kBool:
        kv.value.which_value = opentelemetry_proto_common_v1_AnyValue_bool_value_tag;
        kv.value.value.bool_value = a.b;
        break;
      case TestAttribute::Kind::kInt:
        kv.value.which_value = opentelemetry_proto_common_v1_AnyValue_int_value_tag;
        kv.value.value.int_value = a.i;
        break;
      case TestAttribute::Kind::kDouble:
        kv.value.which_value = opentelemetry_proto_common_v1_AnyValue_double_value_tag;
        kv.value.value.double_value = a.d;
        break;
    }
    if (!write_submessage(s, f, opentelemetry_proto_common_v1_KeyValue_fields, &kv)) return false;
  }
  return true;
}

bool write_events(pb_ostream_t* s, const pb_field_t* f, void* const* arg) {
  const auto* events = static_cast<const std::vector<TestEvent>*>(*arg);
  for (const TestEvent& e : *events) {
    opentelemetry_proto_trace_v1_Span_Event msg = opentelemetry_proto_trace_v1_Span_Event_init_zero;
    msg.time_unix_nano = e.time_unix_nano;
    msg.name = encoder(write_string, &e.name);
    msg.attributes = encoder(write_attributes, &e.attributes);
    msg.dropped_attributes_count = e.dropped_attributes_count;
    if (!write_submessage(s, f, opentelemetry_proto_trace_v1_Span_Event_fields, &msg)) return false;
  }
  return true;
}

bool write_spans(pb_ostream_t* s, const pb_field_t* f, void* const* arg) {
  const auto* spans = static_cast<const std::vector<TestSpan>*>(*arg);
  for (const TestSpan& sp : *spans) {
    opentelemetry_proto_trace_v1_Span msg = opentelemetry_proto_trace_v1_Span_init_zero;
    std::copy(sp.trace_id.begin(), sp.trace_id.end(), msg.trace_id);
    std::copy(sp.span_id.begin(), sp.span_id.end(), msg.span_id);
    msg.parent_span_id.size = static_cast<pb_size_t>(sp.parent_span_id.size());
    std::copy(sp.parent_span_id.begin(), sp.parent_span_id.end(), msg.parent_span_id.bytes);
    msg.trace_state = encoder(write_string, &sp.trace_state);
    msg.flags = sp.flags;
    msg.name = encoder(write_string, &sp.name);
    msg.kind = static_cast<opentelemetry_proto_trace_v1_Span_SpanKind>(sp.kind);
    msg.start_time_unix_nano = sp.start_time_unix_nano;
    msg.end_time_unix_nano = sp.end_time_unix_nano;
    msg.attributes = encoder(write_attributes, &sp.attributes);
    msg.dropped_attributes_count = sp.dropped_attributes_count;
    msg.events = encoder(write_events, &sp.events);
    msg.dropped_events_count = sp.dropped_events_count;
    msg.dropped_links_count = sp.dropped_links_count;
    if (sp.status_code != 0 || !sp.status_message.empty()) {
      msg.has_status = true;
      msg.status.code = static_cast<opentelemetry_proto_trace_v1_Status_StatusCode>(sp.status_code);
      msg.status.message = encoder(write_string, &sp.status_message);
    }
    if (!write_submessage(s, f, opentelemetry_proto_trace_v1_Span_fields, &msg)) return false;
  }
  return true;
}

bool write_scope_spans(pb_ostream_t* s, const pb_field_t* f, void* const* arg) {
  const auto* batch = static_cast<const TestBatch*>(*arg);
  opentelemetry_proto_trace_v1_ScopeSpans msg = opentelemetry_proto_trace_v1_ScopeSpans_init_zero;
  msg.has_scope = true;
  msg.scope.name = encoder(write_string, &batch->scope_name);
  msg.scope.version = encoder(write_string, &batch->scope_version);
  msg.spans = encoder(write_spans, &batch->spans);
  return write_submessage(s, f, opentelemetry_proto_trace_v1_ScopeSpans_fields, &msg);
}

bool write_resource_spans(pb_ostream_t* s, const pb_field_t* f, void* const* arg) {
  const auto* batch = static_cast<const TestBatch*>(*arg);
  opentelemetry_proto_trace_v1_ResourceSpans msg = opentelemetry_proto_trace_v1_ResourceSpans_init_zero;
  msg.has_resource = true;
  msg.resource.attributes = encoder(write_attributes, &batch->resource);
  msg.resource.dropped_attributes_count = batch->resource_dropped;
  msg.scope_spans = encoder(write_scope_spans, batch);
  return write_submessage(s, f, opentelemetry_proto_trace_v1_ResourceSpans_fields, &msg);
}

bool read_string(pb_istream_t* s, const pb_field_t*, void** arg) {
  auto* out = static_cast<std::string*>(*arg);
  out->resize(s->bytes_left);
  return out->empty() || pb_read(s, reinterpret_cast<pb_byte_t*>(&(*out)[0]), out->size());
}

}  // namespace

TestAttribute attr_string(const std::string& key, const std::string& value) {
  TestAttribute a;
  a.key = key;
  a.kind = TestAttribute::Kind::kString;
  a.text = value;
  return a;
}
TestAttribute attr_bool(const std::string& key, bool value) {
  TestAttribute a;
  a.key = key;
  a.kind = TestAttribute::Kind::kBool;
  a.b = value;
  return a;
}
TestAttribute attr_int(const std::string& key, std::int64_t value) {
  TestAttribute a;
  a.key = key;
  a.kind = TestAttribute::Kind::kInt;
  a.i = value;
  return a;
}
TestAttribute attr_double(const std::string& key, double value) {
  TestAttribute a;
  a.key = key;
  a.kind = TestAttribute::Kind::kDouble;
  a.d = value;
  return a;
}
TestAttribute attr_bytes(const std::string& key, const std::string& value) {
  TestAttribute a;
  a.key = key;
  a.kind = TestAttribute::Kind::kBytes;
  a.text = value;
  return a;
}

std::string encode_request(const TestBatch& batch) {
  opentelemetry_proto_collector_trace_v1_ExportTraceServiceRequest msg =
      opentelemetry_proto_collector_trace_v1_ExportTraceServiceRequest_init_zero;
  msg.resource_spans = encoder(write_resource_spans, &batch);
  const pb_msgdesc_t* fields = opentelemetry_proto_collector_trace_v1_ExportTraceServiceRequest_fields;
  std::size_t size = 0;
  if (!pb_get_encoded_size(&size, fields, &msg)) return std::string();
  std::string out(size, '\0');
  pb_ostream_t stream = pb_ostream_from_buffer(reinterpret_cast<pb_byte_t*>(&out[0]), out.size());
  if (!pb_encode(&stream, fields, &msg)) return std::string();
  return out;
}

bool decode_response(const std::string& body, std::int64_t& rejected, std::string& message) {
  opentelemetry_proto_collector_trace_v1_ExportTraceServiceResponse msg =
      opentelemetry_proto_collector_trace_v1_ExportTraceServiceResponse_init_zero;
  msg.partial_success.error_message.funcs.decode = read_string;
  msg.partial_success.error_message.arg = &message;
  pb_istream_t stream =
      pb_istream_from_buffer(reinterpret_cast<const pb_byte_t*>(body.data()), body.size());
  if (!pb_decode(&stream, opentelemetry_proto_collector_trace_v1_ExportTraceServiceResponse_fields, &msg)) {
    return false;
  }
  rejected = msg.has_partial_success ? msg.partial_success.rejected_spans : -1;
  return true;
}

TestBatch sample_batch(std::uint8_t seed) {
  TestBatch b;
  b.resource = {attr_string("service.name", "net-test"), attr_int("service.instance", seed)};
  b.resource_dropped = 1;
  b.scope_name = "tracelet";
  b.scope_version = "0.1.0";
  std::array<std::uint8_t, 16> trace{};
  for (std::size_t i = 0; i < trace.size(); ++i) trace[i] = static_cast<std::uint8_t>(0xA0 + i + seed);
  auto id = [seed](std::uint8_t n) {
    std::array<std::uint8_t, 8> s{};
    for (std::size_t i = 0; i < s.size(); ++i) s[i] = static_cast<std::uint8_t>(seed * 16 + n + i);
    return s;
  };
  const std::uint64_t t0 = 1700000000000000000ull + seed;

  TestSpan root;
  root.trace_id = trace;
  root.span_id = id(1);
  root.name = "GET /orders";
  root.kind = 2;
  root.flags = 0x101;
  root.trace_state = "vendor=1";
  root.start_time_unix_nano = t0;
  root.end_time_unix_nano = t0 + 12'500'000;  // 12.5 ms
  root.attributes = {attr_string("http.method", "GET"), attr_bool("cache.hit", false),
                     attr_int("http.status_code", 200), attr_double("ratio", 0.25),
                     attr_bytes("raw", std::string("\x00\xff\x10", 3))};
  root.dropped_attributes_count = 2;
  root.events = {{t0 + 1'000'000, "accepted", {attr_int("queue", 3)}, 1}};
  root.dropped_events_count = 4;
  root.dropped_links_count = 5;
  root.status_code = 1;

  TestSpan child;
  child.trace_id = trace;
  child.span_id = id(2);
  child.parent_span_id.assign(root.span_id.begin(), root.span_id.end());
  child.name = "db.query";
  child.kind = 3;
  child.start_time_unix_nano = t0 + 2'000'000;
  child.end_time_unix_nano = t0 + 5'000'000;
  child.attributes = {attr_string("db.statement", "SELECT \"x\"\n")};

  TestSpan failed;
  failed.trace_id = trace;
  failed.span_id = id(3);
  failed.parent_span_id.assign(root.span_id.begin(), root.span_id.end());
  failed.name = "cache.get";
  failed.kind = 1;
  failed.start_time_unix_nano = t0 + 6'000'000;
  failed.end_time_unix_nano = t0 + 6'250'000;
  failed.status_code = 2;
  failed.status_message = "timeout";

  b.spans = {root, child, failed};
  return b;
}

}  // namespace tracelet::test

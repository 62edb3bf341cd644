#include "otlp/encode.h"

#include <cstring>
#include <string_view>

#include "opentelemetry/proto/collector/trace/v1/trace_service.pb.h"
#include "core/span_record.h"
#include "tracelet/version.h"

namespace tracelet::otlp {
namespace {

using detail::AttributeEntry;
using detail::AttributeReader;
using detail::SpanRecordReader;

// OTLP Span.flags: bits 0-7 carry the W3C trace flags; bit 8 says bit 9 is meaningful;
// bit 9 says the parent was remote.
constexpr std::uint32_t kFlagHasIsRemote = 0x100;
constexpr std::uint32_t kFlagIsRemote = 0x200;

struct EncodeState {
  const RequestSource* source;
  std::size_t skipped;
};

const pb_byte_t* bytes_of(std::string_view text) noexcept {
  return reinterpret_cast<const pb_byte_t*>(text.data());
}

// proto3 string: omitted when empty.
bool encode_text(pb_ostream_t* stream, const pb_field_t* field, void* const* arg) {
  const auto* text = static_cast<const std::string_view*>(*arg);
  if (text->empty()) return true;
  return pb_encode_tag_for_field(stream, field) &&
         pb_encode_string(stream, bytes_of(*text), text->size());
}

// A oneof member is present even when empty, so its string is always written.
bool encode_oneof_text(pb_ostream_t* stream, const pb_field_t* field, void* const* arg) {
  const auto* text = static_cast<const std::string_view*>(*arg);
  return pb_encode_tag_for_field(stream, field) &&
         pb_encode_string(stream, bytes_of(*text), text->size());
}

void set_text(pb_callback_t& callback, const std::string_view* text,
              decltype(pb_callback_t{}.funcs.encode) encoder = encode_text) noexcept {
  callback.funcs.encode = encoder;
  callback.arg = const_cast<std::string_view*>(text);
}

// Fills a scalar AnyValue; `text` must outlive the encoding of `out`.
void set_scalar(opentelemetry_proto_common_v1_AnyValue& out, const AttributeValue& value,
                std::string_view& text) noexcept {
  switch (value.type()) {
    case AttributeValue::Type::kBool:
      out.which_value = opentelemetry_proto_common_v1_AnyValue_bool_value_tag;
      out.value.bool_value = value.as_bool();
      break;
    case AttributeValue::Type::kInt:
      out.which_value = opentelemetry_proto_common_v1_AnyValue_int_value_tag;
      out.value.int_value = value.as_int();
      break;
    case AttributeValue::Type::kDouble:
      out.which_value = opentelemetry_proto_common_v1_AnyValue_double_value_tag;
      out.value.double_value = value.as_double();
      break;
    case AttributeValue::Type::kString:
      out.which_value = opentelemetry_proto_common_v1_AnyValue_string_value_tag;
      text = value.as_string();
      set_text(out.value.string_value, &text, encode_oneof_text);
      break;
    case AttributeValue::Type::kArray: break;  // records hold scalar elements only
  }
}

// ArrayValue.values: one AnyValue per element, read from the record on every pass.
bool encode_array_values(pb_ostream_t* stream, const pb_field_t* field, void* const* arg) {
  const auto* array = static_cast<const AttributeValue*>(*arg);
  for (std::size_t i = 0; i < array->array_size(); ++i) {
    opentelemetry_proto_common_v1_AnyValue item = opentelemetry_proto_common_v1_AnyValue_init_zero;
    std::string_view text;
    set_scalar(item, array->element(i), text);
    if (!pb_encode_tag_for_field(stream, field) ||
        !pb_encode_submessage(stream, opentelemetry_proto_common_v1_AnyValue_fields, &item)) {
      return false;
    }
  }
  return true;
}

bool encode_key_values(pb_ostream_t* stream, const pb_field_t* field, void* const* arg) {
  // Copy: nanopb calls this twice per message (size, then bytes).
  AttributeReader reader = *static_cast<const AttributeReader*>(*arg);
  AttributeEntry entry;
  while (reader.next(entry)) {
    opentelemetry_proto_common_v1_KeyValue kv = opentelemetry_proto_common_v1_KeyValue_init_zero;
    std::string_view key = entry.key;
    std::string_view text;
    set_text(kv.key, &key);
    kv.has_value = true;
    if (entry.value.type() == AttributeValue::Type::kArray) {
      kv.value.which_value = opentelemetry_proto_common_v1_AnyValue_array_value_tag;
      kv.value.value.array_value.values.funcs.encode = encode_array_values;
      kv.value.value.array_value.values.arg = &entry.value;
    } else {
      set_scalar(kv.value, entry.value, text);
    }
    if (!pb_encode_tag_for_field(stream, field) ||
        !pb_encode_submessage(stream, opentelemetry_proto_common_v1_KeyValue_fields, &kv)) {
      return false;
    }
  }
  return true;
}

void set_attributes(pb_callback_t& callback, const AttributeReader* reader) noexcept {
  callback.funcs.encode = encode_key_values;
  callback.arg = const_cast<AttributeReader*>(reader);
}

bool encode_events(pb_ostream_t* stream, const pb_field_t* field, void* const* arg) {
  const auto* span = static_cast<const SpanRecordReader*>(*arg);
  const std::uint8_t* cursor = nullptr;
  detail::EventEntry entry;
  while (span->next_event(cursor, entry)) {
    opentelemetry_proto_trace_v1_Span_Event event =
        opentelemetry_proto_trace_v1_Span_Event_init_zero;
    event.time_unix_nano = entry.time_unix_ns;
    std::string_view name = entry.name;
    set_text(event.name, &name);
    AttributeReader attributes(entry.attributes, entry.attributes_end, entry.attribute_count);
    set_attributes(event.attributes, &attributes);
    event.dropped_attributes_count = entry.dropped_attributes;
    if (!pb_encode_tag_for_field(stream, field) ||
        !pb_encode_submessage(stream, opentelemetry_proto_trace_v1_Span_Event_fields, &event)) {
      return false;
    }
  }
  return true;
}

bool encode_links(pb_ostream_t* stream, const pb_field_t* field, void* const* arg) {
  const auto* span = static_cast<const SpanRecordReader*>(*arg);
  const std::uint8_t* cursor = nullptr;
  detail::LinkEntry entry;
  while (span->next_link(cursor, entry)) {
    opentelemetry_proto_trace_v1_Span_Link link = opentelemetry_proto_trace_v1_Span_Link_init_zero;
    std::memcpy(link.trace_id, entry.context.trace_id.bytes, sizeof link.trace_id);
    std::memcpy(link.span_id, entry.context.span_id.bytes, sizeof link.span_id);
    AttributeReader attributes(entry.attributes, entry.attributes_end, entry.attribute_count);
    set_attributes(link.attributes, &attributes);
    link.dropped_attributes_count = entry.dropped_attributes;
    link.flags = entry.context.trace_flags | kFlagHasIsRemote |
                 (entry.context.is_remote ? kFlagIsRemote : 0u);
    if (!pb_encode_tag_for_field(stream, field) ||
        !pb_encode_submessage(stream, opentelemetry_proto_trace_v1_Span_Link_fields, &link)) {
      return false;
    }
  }
  return true;
}

bool encode_spans(pb_ostream_t* stream, const pb_field_t* field, void* const* arg) {
  auto* state = static_cast<EncodeState*>(*arg);
  const Ring& ring = *state->source->ring;
  RecordCursor cursor = ring.cursor(state->source->batch);
  const std::uint8_t* record = nullptr;
  std::size_t len = 0;
  std::size_t skipped = 0;
  while (ring.next(cursor, record, len)) {
    SpanRecordReader reader;
    if (!reader.parse(record, len)) {
      ++skipped;
      continue;
    }
    const detail::SpanRecordHead& head = reader.head();
    opentelemetry_proto_trace_v1_Span span = opentelemetry_proto_trace_v1_Span_init_zero;
    std::memcpy(span.trace_id, head.trace_id, sizeof span.trace_id);
    std::memcpy(span.span_id, head.span_id, sizeof span.span_id);
    if (SpanId parent; std::memcmp(parent.bytes, head.parent_span_id, 8) != 0) {
      span.parent_span_id.size = 8;
      std::memcpy(span.parent_span_id.bytes, head.parent_span_id, 8);
    }
    span.flags = head.trace_flags | kFlagHasIsRemote |
                 ((head.flags & detail::kRecordFlagParentRemote) ? kFlagIsRemote : 0u);
    std::string_view name = reader.name();
    set_text(span.name, &name);
    span.kind = static_cast<opentelemetry_proto_trace_v1_Span_SpanKind>(head.kind);
    span.start_time_unix_nano = head.start_unix_ns;
    span.end_time_unix_nano = head.end_unix_ns;
    AttributeReader attributes = reader.attributes();
    set_attributes(span.attributes, &attributes);
    span.dropped_attributes_count = head.dropped_attributes;
    span.events.funcs.encode = encode_events;
    span.events.arg = &reader;
    span.dropped_events_count = head.dropped_events;
    span.links.funcs.encode = encode_links;
    span.links.arg = &reader;
    span.dropped_links_count = head.dropped_links;
    std::string_view message = reader.status_message();
    if (head.status != 0) {
      span.has_status = true;
      span.status.code = static_cast<opentelemetry_proto_trace_v1_Status_StatusCode>(head.status);
      set_text(span.status.message, &message);
    }
    if (!pb_encode_tag_for_field(stream, field) ||
        !pb_encode_submessage(stream, opentelemetry_proto_trace_v1_Span_fields, &span)) {
      return false;
    }
  }
  state->skipped = skipped;  // the same on every pass; the last pass is the written one
  return true;
}

bool encode_scope_spans(pb_ostream_t* stream, const pb_field_t* field, void* const* arg) {
  auto* state = static_cast<EncodeState*>(*arg);
  opentelemetry_proto_trace_v1_ScopeSpans scope_spans =
      opentelemetry_proto_trace_v1_ScopeSpans_init_zero;
  std::string_view name = state->source->scope_name != nullptr ? state->source->scope_name : "";
  std::string_view version = state->source->scope_version != nullptr
                                 ? state->source->scope_version
                                 : TRACELET_VERSION_STRING;
  scope_spans.has_scope = true;
  set_text(scope_spans.scope.name, &name);
  set_text(scope_spans.scope.version, &version);
  scope_spans.spans.funcs.encode = encode_spans;
  scope_spans.spans.arg = state;
  return pb_encode_tag_for_field(stream, field) &&
         pb_encode_submessage(stream, opentelemetry_proto_trace_v1_ScopeSpans_fields,
                              &scope_spans);
}

bool encode_resource_spans(pb_ostream_t* stream, const pb_field_t* field, void* const* arg) {
  auto* state = static_cast<EncodeState*>(*arg);
  const ResourceView& resource = state->source->resource;
  opentelemetry_proto_trace_v1_ResourceSpans resource_spans =
      opentelemetry_proto_trace_v1_ResourceSpans_init_zero;
  AttributeReader attributes(resource.data, resource.data + resource.len,
                             resource.attribute_count);
  resource_spans.has_resource = true;
  set_attributes(resource_spans.resource.attributes, &attributes);
  resource_spans.resource.dropped_attributes_count = resource.dropped_attributes;
  resource_spans.scope_spans.funcs.encode = encode_scope_spans;
  resource_spans.scope_spans.arg = state;
  return pb_encode_tag_for_field(stream, field) &&
         pb_encode_submessage(stream, opentelemetry_proto_trace_v1_ResourceSpans_fields,
                              &resource_spans);
}

}  // namespace

bool encode_request(const RequestSource& source, pb_ostream_t* stream,
                    std::size_t* skipped_records) noexcept {
  if (source.ring == nullptr) return false;
  EncodeState state{&source, 0};
  opentelemetry_proto_collector_trace_v1_ExportTraceServiceRequest request =
      opentelemetry_proto_collector_trace_v1_ExportTraceServiceRequest_init_zero;
  request.resource_spans.funcs.encode = encode_resource_spans;
  request.resource_spans.arg = &state;
  bool ok = pb_encode(stream, opentelemetry_proto_collector_trace_v1_ExportTraceServiceRequest_fields,
                      &request);
  if (skipped_records != nullptr) *skipped_records = state.skipped;
  return ok;
}

bool request_size(const RequestSource& source, std::size_t& size) noexcept {
  pb_ostream_t sizing = PB_OSTREAM_SIZING;
  if (!encode_request(source, &sizing)) return false;
  size = sizing.bytes_written;
  return true;
}

}  // namespace tracelet::otlp

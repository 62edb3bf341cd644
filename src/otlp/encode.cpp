// OTLP ExportTraceServiceRequest straight from ring records, in one pass.
//
// nanopb's own message encoder sizes a nested message by encoding it into a sizing stream
// first, so a KeyValue inside a Span inside ScopeSpans inside ResourceSpans was encoded once
// per level above it. Here every message's size is computed by arithmetic from the record
// (the *_size functions below, which never encode anything), and the bytes are written once,
// in field-number
// order and with proto3's rules for default values, exactly as nanopb's generated encoder
// would write them, into the nanopb output stream. Field numbers come from the generated
// *_tag constants of our .proto.
#include "otlp/encode.h"

#include <cstring>
#include <string_view>

#include "core/span_record.h"
#include "opentelemetry/proto/collector/logs/v1/logs_service.pb.h"
#include "opentelemetry/proto/collector/trace/v1/trace_service.pb.h"
#include "tracelet/log_record.h"
#include "tracelet/version.h"

namespace tracelet::otlp {
namespace {

using detail::AttributeEntry;
using detail::AttributeReader;
using detail::EventEntry;
using detail::LinkEntry;
using detail::SpanRecordHead;
using detail::SpanRecordReader;

// OTLP Span.flags: bits 0-7 carry the W3C trace flags; bit 8 says bit 9 is meaningful;
// bit 9 says the parent was remote.
constexpr std::uint32_t kFlagHasIsRemote = 0x100;
constexpr std::uint32_t kFlagIsRemote = 0x200;

// ---- field numbers -------------------------------------------------------------------------
constexpr std::uint32_t kRequestResourceSpans =
    opentelemetry_proto_collector_trace_v1_ExportTraceServiceRequest_resource_spans_tag;
constexpr std::uint32_t kResourceSpansResource = opentelemetry_proto_trace_v1_ResourceSpans_resource_tag;
constexpr std::uint32_t kResourceSpansScopeSpans = opentelemetry_proto_trace_v1_ResourceSpans_scope_spans_tag;
constexpr std::uint32_t kResourceAttributes = opentelemetry_proto_resource_v1_Resource_attributes_tag;
constexpr std::uint32_t kResourceDropped = opentelemetry_proto_resource_v1_Resource_dropped_attributes_count_tag;
constexpr std::uint32_t kScopeSpansScope = opentelemetry_proto_trace_v1_ScopeSpans_scope_tag;
constexpr std::uint32_t kScopeSpansSpans = opentelemetry_proto_trace_v1_ScopeSpans_spans_tag;
constexpr std::uint32_t kScopeName = opentelemetry_proto_common_v1_InstrumentationScope_name_tag;
constexpr std::uint32_t kScopeVersion = opentelemetry_proto_common_v1_InstrumentationScope_version_tag;
constexpr std::uint32_t kKeyValueKey = opentelemetry_proto_common_v1_KeyValue_key_tag;
constexpr std::uint32_t kKeyValueValue = opentelemetry_proto_common_v1_KeyValue_value_tag;
constexpr std::uint32_t kAnyString = opentelemetry_proto_common_v1_AnyValue_string_value_tag;
constexpr std::uint32_t kAnyBool = opentelemetry_proto_common_v1_AnyValue_bool_value_tag;
constexpr std::uint32_t kAnyInt = opentelemetry_proto_common_v1_AnyValue_int_value_tag;
constexpr std::uint32_t kAnyDouble = opentelemetry_proto_common_v1_AnyValue_double_value_tag;
constexpr std::uint32_t kAnyArray = opentelemetry_proto_common_v1_AnyValue_array_value_tag;
constexpr std::uint32_t kArrayValues = opentelemetry_proto_common_v1_ArrayValue_values_tag;
constexpr std::uint32_t kSpanTraceId = opentelemetry_proto_trace_v1_Span_trace_id_tag;
constexpr std::uint32_t kSpanSpanId = opentelemetry_proto_trace_v1_Span_span_id_tag;
constexpr std::uint32_t kSpanParent = opentelemetry_proto_trace_v1_Span_parent_span_id_tag;
constexpr std::uint32_t kSpanName = opentelemetry_proto_trace_v1_Span_name_tag;
constexpr std::uint32_t kSpanKind = opentelemetry_proto_trace_v1_Span_kind_tag;
constexpr std::uint32_t kSpanStart = opentelemetry_proto_trace_v1_Span_start_time_unix_nano_tag;
constexpr std::uint32_t kSpanEnd = opentelemetry_proto_trace_v1_Span_end_time_unix_nano_tag;
constexpr std::uint32_t kSpanAttributes = opentelemetry_proto_trace_v1_Span_attributes_tag;
constexpr std::uint32_t kSpanDroppedAttributes = opentelemetry_proto_trace_v1_Span_dropped_attributes_count_tag;
constexpr std::uint32_t kSpanEvents = opentelemetry_proto_trace_v1_Span_events_tag;
constexpr std::uint32_t kSpanDroppedEvents = opentelemetry_proto_trace_v1_Span_dropped_events_count_tag;
constexpr std::uint32_t kSpanLinks = opentelemetry_proto_trace_v1_Span_links_tag;
constexpr std::uint32_t kSpanDroppedLinks = opentelemetry_proto_trace_v1_Span_dropped_links_count_tag;
constexpr std::uint32_t kSpanStatus = opentelemetry_proto_trace_v1_Span_status_tag;
constexpr std::uint32_t kSpanFlags = opentelemetry_proto_trace_v1_Span_flags_tag;
constexpr std::uint32_t kStatusMessage = opentelemetry_proto_trace_v1_Status_message_tag;
constexpr std::uint32_t kStatusCode = opentelemetry_proto_trace_v1_Status_code_tag;
constexpr std::uint32_t kEventTime = opentelemetry_proto_trace_v1_Span_Event_time_unix_nano_tag;
constexpr std::uint32_t kEventName = opentelemetry_proto_trace_v1_Span_Event_name_tag;
constexpr std::uint32_t kEventAttributes = opentelemetry_proto_trace_v1_Span_Event_attributes_tag;
constexpr std::uint32_t kEventDropped = opentelemetry_proto_trace_v1_Span_Event_dropped_attributes_count_tag;
constexpr std::uint32_t kLinkTraceId = opentelemetry_proto_trace_v1_Span_Link_trace_id_tag;
constexpr std::uint32_t kLinkSpanId = opentelemetry_proto_trace_v1_Span_Link_span_id_tag;
constexpr std::uint32_t kLinkAttributes = opentelemetry_proto_trace_v1_Span_Link_attributes_tag;
constexpr std::uint32_t kLinkDropped = opentelemetry_proto_trace_v1_Span_Link_dropped_attributes_count_tag;
constexpr std::uint32_t kLinkFlags = opentelemetry_proto_trace_v1_Span_Link_flags_tag;

// Log records. The logs request's envelope (ResourceLogs, ScopeLogs) numbers its fields as
// the traces request's does, so one envelope writer serves both.
constexpr std::uint32_t kLogTime = opentelemetry_proto_logs_v1_LogRecord_time_unix_nano_tag;
constexpr std::uint32_t kLogObservedTime = opentelemetry_proto_logs_v1_LogRecord_observed_time_unix_nano_tag;
constexpr std::uint32_t kLogSeverityNumber = opentelemetry_proto_logs_v1_LogRecord_severity_number_tag;
constexpr std::uint32_t kLogSeverityText = opentelemetry_proto_logs_v1_LogRecord_severity_text_tag;
constexpr std::uint32_t kLogBody = opentelemetry_proto_logs_v1_LogRecord_body_tag;
constexpr std::uint32_t kLogAttributes = opentelemetry_proto_logs_v1_LogRecord_attributes_tag;
constexpr std::uint32_t kLogDroppedAttributes = opentelemetry_proto_logs_v1_LogRecord_dropped_attributes_count_tag;
constexpr std::uint32_t kLogFlags = opentelemetry_proto_logs_v1_LogRecord_flags_tag;
constexpr std::uint32_t kLogTraceId = opentelemetry_proto_logs_v1_LogRecord_trace_id_tag;
constexpr std::uint32_t kLogSpanId = opentelemetry_proto_logs_v1_LogRecord_span_id_tag;
static_assert(opentelemetry_proto_collector_logs_v1_ExportLogsServiceRequest_resource_logs_tag == kRequestResourceSpans &&
                  opentelemetry_proto_logs_v1_ResourceLogs_resource_tag == kResourceSpansResource &&
                  opentelemetry_proto_logs_v1_ResourceLogs_scope_logs_tag == kResourceSpansScopeSpans &&
                  opentelemetry_proto_logs_v1_ScopeLogs_scope_tag == kScopeSpansScope &&
                  opentelemetry_proto_logs_v1_ScopeLogs_log_records_tag == kScopeSpansSpans,
              "the logs envelope is written by the traces envelope's code");

// The few-instruction helpers below are called for every field of every span; small-core
// compilers at -Os would otherwise call each one (measured on Cortex-M4: a third of the cost).
#define TRACELET_HOT [[gnu::always_inline]] inline

// ---- sizes: arithmetic on the record, nothing encoded ----------------------------------------

// A varint holds 7 bits a byte: ceil(bit length / 7) bytes, which (9 * bits + 64) / 64 gives
// exactly for 1..64 bits. From the count of leading zeros there is no branch to take, and each
// inlined copy is a few instructions instead of a chain of compares.
constexpr std::size_t varint_size(std::uint64_t v) noexcept {
  return (640u - 9u * static_cast<unsigned>(__builtin_clzll(v | 1u))) >> 6;
}
// Lengths and tags are 32-bit: cheaper to size on 32-bit cores.
TRACELET_HOT constexpr std::size_t varint32_size(std::uint32_t v) noexcept {
  return (352u - 9u * static_cast<unsigned>(__builtin_clz(v | 1u))) >> 6;
}
TRACELET_HOT constexpr std::size_t tag_size(std::uint32_t field) noexcept { return varint32_size(field << 3); }
// A length-delimited field whose content is `len` bytes.
TRACELET_HOT constexpr std::size_t delimited_size(std::uint32_t field, std::size_t len) noexcept {
  return tag_size(field) + varint32_size(static_cast<std::uint32_t>(len)) + len;
}
// proto3: a scalar at its default (0, empty) is not written.
constexpr std::size_t varint_field_size(std::uint32_t field, std::uint64_t v) noexcept {
  return v == 0 ? 0 : tag_size(field) + varint_size(v);
}
constexpr std::size_t fixed64_field_size(std::uint32_t field, std::uint64_t v) noexcept {
  return v == 0 ? 0 : tag_size(field) + 8;
}
constexpr std::size_t fixed32_field_size(std::uint32_t field, std::uint32_t v) noexcept {
  return v == 0 ? 0 : tag_size(field) + 4;
}
constexpr std::size_t text_field_size(std::uint32_t field, std::string_view text) noexcept {
  return text.empty() ? 0 : delimited_size(field, text.size());
}
// Ids are 8 or 16 bytes: a word at a time (a root span's zero parent id is 2 words, not 8
// bytes). `n` must be a multiple of 4; a tail loop for other lengths cost every encoded span
// about 100 instructions on a Cortex-M4.
bool all_zero(const std::uint8_t* p, std::size_t n) noexcept {
  for (std::size_t i = 0; i < n; i += 4) {
    std::uint32_t word = 0;
    std::memcpy(&word, p + i, 4);
    if (word != 0) return false;
  }
  return true;
}
// Fixed-length ids are at their default when all zero.
std::size_t id_field_size(std::uint32_t field, const std::uint8_t* id, std::size_t n) noexcept {
  return all_zero(id, n) ? 0 : delimited_size(field, n);
}

// AnyValue: a oneof member is written even at its default (an empty string or array too).
std::size_t scalar_value_size(const AttributeValue& value) noexcept {
  switch (value.type()) {
    case AttributeValue::Type::kBool: return tag_size(kAnyBool) + 1;
    case AttributeValue::Type::kInt:
      return tag_size(kAnyInt) + varint_size(static_cast<std::uint64_t>(value.as_int()));
    case AttributeValue::Type::kDouble: return tag_size(kAnyDouble) + 8;
    case AttributeValue::Type::kString: return delimited_size(kAnyString, value.as_string().size());
    case AttributeValue::Type::kArray: return 0;  // records hold scalar elements only
  }
  return 0;
}

// ArrayValue: one AnyValue message per element.
std::size_t array_values_size(const AttributeValue& array) noexcept {
  std::size_t size = 0;
  for (std::size_t i = 0; i < array.array_size(); ++i) size += delimited_size(kArrayValues, scalar_value_size(array.element(i)));
  return size;
}

std::size_t any_value_size(const AttributeValue& value) noexcept {
  return value.type() == AttributeValue::Type::kArray ? delimited_size(kAnyArray, array_values_size(value))
                                                      : scalar_value_size(value);
}

std::size_t key_value_size(const AttributeEntry& entry) noexcept {
  return text_field_size(kKeyValueKey, entry.key) + delimited_size(kKeyValueValue, any_value_size(entry.value));
}

// All live attributes of a list as repeated KeyValue field `field`.
std::size_t attributes_size(std::uint32_t field, AttributeReader reader) noexcept {
  std::size_t size = 0;
  AttributeEntry entry;
  while (reader.next(entry)) size += delimited_size(field, key_value_size(entry));
  return size;
}

std::size_t event_size(const EventEntry& e) noexcept {
  return fixed64_field_size(kEventTime, e.time_unix_ns) + text_field_size(kEventName, e.name) +
         attributes_size(kEventAttributes, AttributeReader(e.attributes, e.attributes_end, e.attribute_count)) +
         varint_field_size(kEventDropped, e.dropped_attributes);
}

std::uint32_t link_flags(const LinkEntry& l) noexcept {
  return l.context.trace_flags | kFlagHasIsRemote | (l.context.is_remote ? kFlagIsRemote : 0u);
}

std::size_t link_size(const LinkEntry& l) noexcept {
  return id_field_size(kLinkTraceId, l.context.trace_id.bytes, 16) +
         id_field_size(kLinkSpanId, l.context.span_id.bytes, 8) +
         attributes_size(kLinkAttributes, AttributeReader(l.attributes, l.attributes_end, l.attribute_count)) +
         varint_field_size(kLinkDropped, l.dropped_attributes) + fixed32_field_size(kLinkFlags, link_flags(l));
}

std::uint32_t span_flags(const SpanRecordHead& head) noexcept {
  return head.trace_flags | kFlagHasIsRemote |
         ((head.flags & detail::kRecordFlagParentRemote) ? kFlagIsRemote : 0u);
}

std::size_t status_size(const SpanRecordReader& span) noexcept {
  return text_field_size(kStatusMessage, span.status_message()) +
         varint_field_size(kStatusCode, span.head().status);
}

std::size_t span_size(const SpanRecordReader& span) noexcept {
  const SpanRecordHead& head = span.head();
  std::size_t size = id_field_size(kSpanTraceId, head.trace_id, 16) + id_field_size(kSpanSpanId, head.span_id, 8) +
                     id_field_size(kSpanParent, head.parent_span_id, 8) + text_field_size(kSpanName, span.name()) +
                     varint_field_size(kSpanKind, head.kind) + fixed64_field_size(kSpanStart, head.start_unix_ns) +
                     fixed64_field_size(kSpanEnd, head.end_unix_ns) +
                     attributes_size(kSpanAttributes, span.attributes()) +
                     varint_field_size(kSpanDroppedAttributes, head.dropped_attributes);
  // parse() checked the head's counts against the entries, so a span without events or links
  // is not walked for them.
  if (head.event_count != 0) {
    const std::uint8_t* cursor = nullptr;
    EventEntry event;
    while (span.next_event(cursor, event)) size += delimited_size(kSpanEvents, event_size(event));
  }
  size += varint_field_size(kSpanDroppedEvents, head.dropped_events);
  if (head.link_count != 0) {
    const std::uint8_t* cursor = nullptr;
    LinkEntry link;
    while (span.next_link(cursor, link)) size += delimited_size(kSpanLinks, link_size(link));
  }
  size += varint_field_size(kSpanDroppedLinks, head.dropped_links);
  if (head.status != 0) size += delimited_size(kSpanStatus, status_size(span));
  return size + fixed32_field_size(kSpanFlags, span_flags(head));
}

// A log record's severity_text: the name of its SeverityNumber's range.
std::string_view log_severity_text(const SpanRecordHead& head) noexcept {
  return severity_text(static_cast<Severity>(head.kind));
}

// LogRecord.body: an AnyValue holding the body as string_value (absent for an empty body).
std::size_t log_body_size(const SpanRecordReader& log) noexcept {
  return delimited_size(kAnyString, log.name().size());
}

std::size_t log_record_size(const SpanRecordReader& log) noexcept {
  const SpanRecordHead& head = log.head();
  return fixed64_field_size(kLogTime, head.start_unix_ns) + varint_field_size(kLogSeverityNumber, head.kind) +
         text_field_size(kLogSeverityText, log_severity_text(head)) +
         (log.name().empty() ? 0 : delimited_size(kLogBody, log_body_size(log))) +
         attributes_size(kLogAttributes, log.attributes()) +
         varint_field_size(kLogDroppedAttributes, head.dropped_attributes) +
         fixed32_field_size(kLogFlags, head.trace_flags) + id_field_size(kLogTraceId, head.trace_id, 16) +
         id_field_size(kLogSpanId, head.span_id, 8) + fixed64_field_size(kLogObservedTime, head.end_unix_ns);
}

// ---- writing -------------------------------------------------------------------------------
//
// Fields are gathered into a small chunk and handed to the nanopb stream with one pb_write()
// per chunk (a field-by-field pb_encode_* call costs a callback per tag, length and value).
// Long strings go to the stream directly. The encoding rules are protobuf's: varints of 7 bits
// a byte, little-endian fixed32/fixed64.

class Out {
 public:
  explicit Out(pb_ostream_t* stream) noexcept : stream_(stream) {}
  Out(const Out&) = delete;
  Out& operator=(const Out&) = delete;

  bool ok() const noexcept { return ok_; }
  bool flush() noexcept {
    if (used_ != 0 && ok_) ok_ = pb_write(stream_, chunk_, used_);
    used_ = 0;
    return ok_;
  }
  // Tags, lengths and small values: 32-bit arithmetic, cheaper on small cores.
  TRACELET_HOT void varint32(std::uint32_t v) noexcept {
    room(5);
    if (v < 0x80) {  // tags and most lengths: one byte
      chunk_[used_++] = static_cast<std::uint8_t>(v);
      return;
    }
    while (v >= 0x80) {
      chunk_[used_++] = static_cast<std::uint8_t>(v | 0x80);
      v >>= 7;
    }
    chunk_[used_++] = static_cast<std::uint8_t>(v);
  }
  void varint(std::uint64_t v) noexcept {
    room(10);
    while (v >= 0x80) {
      chunk_[used_++] = static_cast<std::uint8_t>(v | 0x80);
      v >>= 7;
    }
    chunk_[used_++] = static_cast<std::uint8_t>(v);
  }
  TRACELET_HOT void tag(pb_wire_type_t type, std::uint32_t field) noexcept {
    varint32((field << 3) | static_cast<std::uint32_t>(type));
  }
  void fixed32(std::uint32_t v) noexcept {
    room(4);
    for (int i = 0; i < 4; ++i) chunk_[used_++] = static_cast<std::uint8_t>(v >> (8 * i));
  }
  void fixed64(std::uint64_t v) noexcept {
    fixed32(static_cast<std::uint32_t>(v));
    fixed32(static_cast<std::uint32_t>(v >> 32));
  }
  void bytes(const void* data, std::size_t len) noexcept {
    if (len > kChunk / 2) {  // long: straight to the stream
      if (flush() && len != 0) ok_ = pb_write(stream_, static_cast<const pb_byte_t*>(data), len);
      return;
    }
    room(len);
    if (len != 0) std::memcpy(chunk_ + used_, data, len);
    used_ += len;
  }

 private:
  static constexpr std::size_t kChunk = 128;
  TRACELET_HOT void room(std::size_t n) noexcept {
    if (kChunk - used_ < n) (void)flush();
  }
  pb_ostream_t* stream_;
  std::size_t used_ = 0;
  bool ok_ = true;
  std::uint8_t chunk_[kChunk];
};

TRACELET_HOT void put_delimited_head(Out& o, std::uint32_t field, std::size_t len) noexcept {
  o.tag(PB_WT_STRING, field);
  o.varint32(static_cast<std::uint32_t>(len));
}
// The same, called rather than inlined: for message heads written once per request or only by
// rarer entries (events, links, status, arrays), where each inlined copy costs ~80 bytes of
// flash and saves a few instructions.
[[gnu::noinline]] void put_head(Out& o, std::uint32_t field, std::size_t len) noexcept {
  put_delimited_head(o, field, len);
}
void put_bytes(Out& o, std::uint32_t field, const void* data, std::size_t len) noexcept {
  put_delimited_head(o, field, len);
  o.bytes(data, len);
}
void put_text(Out& o, std::uint32_t field, std::string_view text) noexcept {
  if (!text.empty()) put_bytes(o, field, text.data(), text.size());
}
void put_varint(Out& o, std::uint32_t field, std::uint64_t v) noexcept {
  if (v == 0) return;
  o.tag(PB_WT_VARINT, field);
  o.varint(v);
}
void put_fixed64(Out& o, std::uint32_t field, std::uint64_t v) noexcept {
  if (v == 0) return;
  o.tag(PB_WT_64BIT, field);
  o.fixed64(v);
}
void put_fixed32(Out& o, std::uint32_t field, std::uint32_t v) noexcept {
  if (v == 0) return;
  o.tag(PB_WT_32BIT, field);
  o.fixed32(v);
}
void put_id(Out& o, std::uint32_t field, const std::uint8_t* id, std::size_t n) noexcept {
  if (!all_zero(id, n)) put_bytes(o, field, id, n);
}

void put_scalar_value(Out& o, const AttributeValue& value) noexcept {
  switch (value.type()) {
    case AttributeValue::Type::kBool:
    case AttributeValue::Type::kInt: {  // both varints: one tag and one varint write
      const bool is_bool = value.type() == AttributeValue::Type::kBool;
      o.tag(PB_WT_VARINT, is_bool ? kAnyBool : kAnyInt);
      o.varint(is_bool ? std::uint64_t{value.as_bool() ? 1u : 0u} : static_cast<std::uint64_t>(value.as_int()));
      return;
    }
    case AttributeValue::Type::kDouble: {
      const double v = value.as_double();
      std::uint64_t bits = 0;
      std::memcpy(&bits, &v, sizeof bits);
      o.tag(PB_WT_64BIT, kAnyDouble);
      o.fixed64(bits);
      return;
    }
    case AttributeValue::Type::kString: {
      const std::string_view text = value.as_string();
      put_bytes(o, kAnyString, text.data(), text.size());
      return;
    }
    case AttributeValue::Type::kArray: return;  // records hold scalar elements only
  }
}

void put_any_value(Out& o, const AttributeValue& value) noexcept {
  if (value.type() != AttributeValue::Type::kArray) {
    put_scalar_value(o, value);
    return;
  }
  put_head(o, kAnyArray, array_values_size(value));
  for (std::size_t i = 0; i < value.array_size(); ++i) {
    const AttributeValue element = value.element(i);
    put_head(o, kArrayValues, scalar_value_size(element));
    put_scalar_value(o, element);
  }
}

void put_attributes(Out& o, std::uint32_t field, AttributeReader reader) noexcept {
  AttributeEntry entry;
  while (reader.next(entry)) {
    const std::size_t value_size = any_value_size(entry.value);
    put_delimited_head(o, field, text_field_size(kKeyValueKey, entry.key) + delimited_size(kKeyValueValue, value_size));
    put_text(o, kKeyValueKey, entry.key);
    put_delimited_head(o, kKeyValueValue, value_size);
    put_any_value(o, entry.value);
  }
}

void put_event(Out& o, const EventEntry& e) noexcept {
  put_head(o, kSpanEvents, event_size(e));
  put_fixed64(o, kEventTime, e.time_unix_ns);
  put_text(o, kEventName, e.name);
  put_attributes(o, kEventAttributes, AttributeReader(e.attributes, e.attributes_end, e.attribute_count));
  put_varint(o, kEventDropped, e.dropped_attributes);
}

void put_link(Out& o, const LinkEntry& l) noexcept {
  put_head(o, kSpanLinks, link_size(l));
  put_id(o, kLinkTraceId, l.context.trace_id.bytes, 16);
  put_id(o, kLinkSpanId, l.context.span_id.bytes, 8);
  put_attributes(o, kLinkAttributes, AttributeReader(l.attributes, l.attributes_end, l.attribute_count));
  put_varint(o, kLinkDropped, l.dropped_attributes);
  put_fixed32(o, kLinkFlags, link_flags(l));
}

void put_span(Out& o, const SpanRecordReader& span, std::size_t size) noexcept {
  const SpanRecordHead& head = span.head();
  put_delimited_head(o, kScopeSpansSpans, size);
  put_id(o, kSpanTraceId, head.trace_id, 16);
  put_id(o, kSpanSpanId, head.span_id, 8);
  put_id(o, kSpanParent, head.parent_span_id, 8);
  put_text(o, kSpanName, span.name());
  put_varint(o, kSpanKind, head.kind);
  put_fixed64(o, kSpanStart, head.start_unix_ns);
  put_fixed64(o, kSpanEnd, head.end_unix_ns);
  put_attributes(o, kSpanAttributes, span.attributes());
  put_varint(o, kSpanDroppedAttributes, head.dropped_attributes);
  if (head.event_count != 0) {
    const std::uint8_t* cursor = nullptr;
    EventEntry event;
    while (span.next_event(cursor, event)) put_event(o, event);
  }
  put_varint(o, kSpanDroppedEvents, head.dropped_events);
  if (head.link_count != 0) {
    const std::uint8_t* cursor = nullptr;
    LinkEntry link;
    while (span.next_link(cursor, link)) put_link(o, link);
  }
  put_varint(o, kSpanDroppedLinks, head.dropped_links);
  if (head.status != 0) {
    put_head(o, kSpanStatus, status_size(span));
    put_text(o, kStatusMessage, span.status_message());
    put_varint(o, kStatusCode, head.status);
  }
  put_fixed32(o, kSpanFlags, span_flags(head));
}

void put_log_record(Out& o, const SpanRecordReader& log, std::size_t size) noexcept {
  const SpanRecordHead& head = log.head();
  put_delimited_head(o, kScopeSpansSpans, size);  // ScopeLogs.log_records
  put_fixed64(o, kLogTime, head.start_unix_ns);
  put_varint(o, kLogSeverityNumber, head.kind);
  put_text(o, kLogSeverityText, log_severity_text(head));
  if (!log.name().empty()) {
    put_head(o, kLogBody, log_body_size(log));
    put_bytes(o, kAnyString, log.name().data(), log.name().size());
  }
  put_attributes(o, kLogAttributes, log.attributes());
  put_varint(o, kLogDroppedAttributes, head.dropped_attributes);
  put_fixed32(o, kLogFlags, head.trace_flags);
  put_id(o, kLogTraceId, head.trace_id, 16);
  put_id(o, kLogSpanId, head.span_id, 8);
  put_fixed64(o, kLogObservedTime, head.end_unix_ns);
}

// Each signal's records: which records it takes, their size and their writer. The loops over a
// batch below are templates on it, so a firmware that encodes one signal (spans only, say)
// links the sizing and writing code of that one alone, and the writer is inlined in its loop.
struct SpanRecords {
  static constexpr Signal kSignal = Signal::kTraces;
  static std::size_t size(const SpanRecordReader& span) noexcept { return span_size(span); }
  TRACELET_HOT static void put(Out& o, const SpanRecordReader& span, std::size_t size) noexcept {
    put_span(o, span, size);
  }
};
struct LogRecords {
  static constexpr Signal kSignal = Signal::kLogs;
  static std::size_t size(const SpanRecordReader& log) noexcept { return log_record_size(log); }
  TRACELET_HOT static void put(Out& o, const SpanRecordReader& log, std::size_t size) noexcept {
    put_log_record(o, log, size);
  }
};

template <typename Records>
bool wants(const SpanRecordReader& record) noexcept {
  return record.is_log() == (Records::kSignal == Signal::kLogs);
}

// ---- the request: ResourceSpans { Resource, ScopeSpans { scope, spans... } } -------------

struct Scope {
  std::string_view name;
  std::string_view version;
};

Scope scope_of(const RequestSource& source) noexcept {
  return Scope{source.scope_name != nullptr ? source.scope_name : "",
               source.scope_version != nullptr ? source.scope_version : TRACELET_VERSION_STRING};
}

std::size_t scope_spans_size(const RequestPlan& p) noexcept {
  return delimited_size(kScopeSpansScope, p.scope_size) + p.spans_size;
}
std::size_t resource_spans_size(const RequestPlan& p) noexcept {
  return delimited_size(kResourceSpansResource, p.resource_size) +
         delimited_size(kResourceSpansScopeSpans, scope_spans_size(p));
}

AttributeReader resource_attributes(const ResourceView& r) noexcept {
  return AttributeReader(r.data, r.data + r.len, r.attribute_count);
}

// The envelope's sizes (resource and scope: the same for every signal); keeps the span size
// scratch, resets the rest. False without a ring.
bool plan_envelope(const RequestSource& source, RequestPlan& plan) noexcept {
  std::uint16_t* const sizes = plan.span_sizes;
  const std::size_t cap = sizes != nullptr ? plan.span_size_cap : 0;
  plan = RequestPlan{};
  plan.span_sizes = sizes;
  plan.span_size_cap = cap;
  if (source.ring == nullptr) return false;
  const Scope scope = scope_of(source);
  plan.resource_size = attributes_size(kResourceAttributes, resource_attributes(source.resource)) +
                       varint_field_size(kResourceDropped, source.resource.dropped_attributes);
  plan.scope_size = text_field_size(kScopeName, scope.name) + text_field_size(kScopeVersion, scope.version);
  return true;
}

template <typename Records>
bool plan_records(const RequestSource& source, RequestPlan& plan) noexcept {
  if (!plan_envelope(source, plan)) return false;
  std::uint16_t* const sizes = plan.span_sizes;
  const std::size_t cap = plan.span_size_cap;
  const Ring& ring = *source.ring;
  RecordCursor cursor = ring.cursor(source.batch);
  const std::uint8_t* record = nullptr;
  std::size_t len = 0;
  SpanRecordReader span;  // one reader, re-parsed per record (constructing one clears its head)
  while (ring.next(cursor, record, len)) {
    if (!span.parse(record, len)) {
      if (Records::kSignal == Signal::kTraces) ++plan.skipped;  // reported once, by the traces request
      continue;
    }
    if (!wants<Records>(span)) {
      ++plan.other;
      continue;
    }
    const std::size_t size = Records::size(span);
    if (plan.spans < cap) sizes[plan.spans] = size <= 0xFFFFu ? static_cast<std::uint16_t>(size) : 0;
    plan.spans_size += delimited_size(kScopeSpansSpans, size);
    ++plan.spans;
  }
  plan.bytes = delimited_size(kRequestResourceSpans, resource_spans_size(plan));
  return true;
}

// Everything before the first record: the request, resource and scope message heads, the
// resource's attributes and the scope.
void put_envelope(Out& o, const RequestSource& source, const RequestPlan& plan) noexcept {
  const Scope scope = scope_of(source);
  put_head(o, kRequestResourceSpans, resource_spans_size(plan));
  put_head(o, kResourceSpansResource, plan.resource_size);
  put_attributes(o, kResourceAttributes, resource_attributes(source.resource));
  put_varint(o, kResourceDropped, source.resource.dropped_attributes);
  put_head(o, kResourceSpansScopeSpans, scope_spans_size(plan));
  put_head(o, kScopeSpansScope, plan.scope_size);
  put_text(o, kScopeName, scope.name);
  put_text(o, kScopeVersion, scope.version);
}

template <typename Records>
bool encode_records(const RequestSource& source, const RequestPlan& plan, pb_ostream_t* stream) noexcept {
  if (source.ring == nullptr) return false;
  Out o(stream);
  put_envelope(o, source, plan);
  const Ring& ring = *source.ring;
  RecordCursor cursor = ring.cursor(source.batch);
  const std::uint8_t* record = nullptr;
  std::size_t len = 0;
  std::size_t index = 0;
  SpanRecordReader span;
  while (o.ok() && ring.next(cursor, record, len)) {
    if (!span.parse(record, len) || !wants<Records>(span)) continue;  // counted by the plan
    const std::size_t known = index < plan.span_size_cap ? plan.span_sizes[index] : 0;
    Records::put(o, span, known != 0 ? known : Records::size(span));
    ++index;
  }
  return o.flush();
}

}  // namespace

bool plan_traces_request(const RequestSource& source, RequestPlan& plan) noexcept {
  return plan_records<SpanRecords>(source, plan);
}
bool plan_logs_request(const RequestSource& source, RequestPlan& plan) noexcept {
  return plan_records<LogRecords>(source, plan);
}
bool plan_request(const RequestSource& source, RequestPlan& plan) noexcept {
  return source.signal == Signal::kLogs ? plan_logs_request(source, plan) : plan_traces_request(source, plan);
}

bool encode_traces_request(const RequestSource& source, const RequestPlan& plan, pb_ostream_t* stream) noexcept {
  return encode_records<SpanRecords>(source, plan, stream);
}
bool encode_logs_request(const RequestSource& source, const RequestPlan& plan, pb_ostream_t* stream) noexcept {
  return encode_records<LogRecords>(source, plan, stream);
}
bool encode_request(const RequestSource& source, const RequestPlan& plan, pb_ostream_t* stream) noexcept {
  return source.signal == Signal::kLogs ? encode_logs_request(source, plan, stream)
                                        : encode_traces_request(source, plan, stream);
}

bool encode_request(const RequestSource& source, pb_ostream_t* stream, std::size_t* skipped_records) noexcept {
  RequestPlan plan;
  if (!plan_request(source, plan)) return false;
  if (skipped_records != nullptr) *skipped_records = plan.skipped;
  return encode_request(source, plan, stream);
}

void count_signals(const Ring& ring, const Batch& batch, std::size_t& spans, std::size_t& logs) noexcept {
  spans = 0;
  logs = 0;
  RecordCursor cursor = ring.cursor(batch);
  const std::uint8_t* record = nullptr;
  std::size_t len = 0;
  SpanRecordReader reader;
  while (ring.next(cursor, record, len)) {
    // Only a record flagged as a log record needs the full check; any other counts as a span
    // either way (one that fails the check is skipped, and reported, by the traces request).
    if (SpanRecordReader::flagged_log(record, len) && reader.parse(record, len)) {
      ++logs;
    } else {
      ++spans;
    }
  }
}

bool request_size(const RequestSource& source, std::size_t& size) noexcept {
  RequestPlan plan;
  if (!plan_request(source, plan)) return false;
  size = plan.bytes;
  return true;
}

}  // namespace tracelet::otlp

#pragma once
// Helpers for core tests: a tracer on caller memory and a way to read its spans back.
#include <gtest/gtest.h>

#include <cstring>
#include <map>
#include <string>
#include <vector>

#include "core/span_record.h"
#include "tracelet/tracer.h"

namespace tracelet::testing_support {

struct ReadAttribute {
  std::string key;
  AttributeValue::Type type;
  bool b = false;
  std::int64_t i = 0;
  double d = 0;
  std::string s;
};

struct ReadEvent {
  std::string name;
  std::uint64_t time = 0;
  std::vector<ReadAttribute> attributes;
  unsigned dropped = 0;
};

struct ReadSpan {
  detail::SpanRecordHead head{};
  std::string name;
  std::string status_message;
  std::vector<ReadAttribute> attributes;
  std::vector<ReadEvent> events;

  const ReadAttribute* attribute(const std::string& key) const {
    for (const auto& a : attributes) {
      if (a.key == key) return &a;
    }
    return nullptr;
  }
  SpanId span_id() const {
    SpanId id;
    std::memcpy(id.bytes, head.span_id, 8);
    return id;
  }
  SpanId parent_id() const {
    SpanId id;
    std::memcpy(id.bytes, head.parent_span_id, 8);
    return id;
  }
  TraceId trace_id() const {
    TraceId id;
    std::memcpy(id.bytes, head.trace_id, 16);
    return id;
  }
};

inline ReadAttribute to_read(const detail::AttributeEntry& e) {
  ReadAttribute a;
  a.key = std::string(e.key);
  a.type = e.value.type();
  a.b = e.value.type() == AttributeValue::Type::kBool && e.value.as_bool();
  if (e.value.type() == AttributeValue::Type::kInt) a.i = e.value.as_int();
  if (e.value.type() == AttributeValue::Type::kDouble) a.d = e.value.as_double();
  if (e.value.type() == AttributeValue::Type::kString) a.s = std::string(e.value.as_string());
  return a;
}

inline bool read_record(const std::uint8_t* data, std::size_t len, ReadSpan& span) {
  detail::SpanRecordReader reader;
  if (!reader.parse(data, len)) return false;
  span.head = reader.head();
  span.name = std::string(reader.name());
  span.status_message = std::string(reader.status_message());
  detail::AttributeReader attributes = reader.attributes();
  detail::AttributeEntry entry;
  while (attributes.next(entry)) span.attributes.push_back(to_read(entry));
  const std::uint8_t* cursor = nullptr;
  detail::EventEntry event;
  while (reader.next_event(cursor, event)) {
    ReadEvent e;
    e.name = std::string(event.name);
    e.time = event.time_unix_ns;
    e.dropped = event.dropped_attributes;
    detail::AttributeReader ea(event.attributes, event.attributes_end, event.attribute_count);
    while (ea.next(entry)) e.attributes.push_back(to_read(entry));
    span.events.push_back(e);
  }
  return true;
}

/// Removes and returns every span in the tracer's ring (fails the test on corrupt records).
inline std::vector<ReadSpan> drain(Tracer& tracer) {
  std::vector<ReadSpan> spans;
  Batch batch;
  while (tracer.ring().peek_batch(batch, 1000) == Status::kOk) {
    RecordCursor cursor = tracer.ring().cursor(batch);
    const std::uint8_t* data = nullptr;
    std::size_t len = 0;
    while (tracer.ring().next(cursor, data, len)) {
      ReadSpan span;
      if (!read_record(data, len, span)) {
        ADD_FAILURE() << "corrupt record of " << len << " bytes";
        continue;
      }
      spans.push_back(span);
    }
    tracer.ring().commit(batch);
  }
  return spans;
}

}  // namespace tracelet::testing_support

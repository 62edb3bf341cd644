#pragma once
// The byte layout of a span as it sits in the ring, and the reader the exporters use.
//
// A record is SpanRecordHead followed by `data_len` data bytes:
//   name:        [len u8][bytes]
//   then entries, each starting with a tag byte:
//   attribute    'b' | 'i' | 'd' | 's'  [key_len u8][key][value]
//                  value: bool 1 byte | int64 8 bytes | double 8 bytes | [len][bytes]
//                  len: one byte 0..127, or two bytes 0x80|(len >> 8), len & 0xFF for 128..32767
//                  (long event values such as exception.stacktrace)
//                array 'a' [key_len u8][key][element_type u8 'b'|'i'|'d'|'s'][count u8]
//                  then `count` elements: bool 1 byte | int64 8 | double 8 | [len u8][bytes]
//   replaced     the same tag in upper case ('B','I','D','S','A'): an attribute overwritten later
//   event        'E' [name_len u8][name][time_unix_ns u64][attribute_count u8][dropped u8]
//                  followed by its attribute entries
//   status text  'M' [len u8][bytes] (the last one counts)
//   link         'L' [trace_id 16][span_id 8][trace_flags u8][flags u8][attribute_count u8]
//                  [dropped u8] followed by its attribute entries
// Multi-byte numbers are in the producer's byte order: records never leave the device raw.
//
// A log record (tracelet::log, include/tracelet/log_record.h) shares the ring and this layout,
// marked by kRecordFlagLog in `flags`: start_unix_ns and end_unix_ns hold its time and observed
// time, `kind` its OTLP SeverityNumber, parent_span_id, status, events and links stay zero; the
// "name" is its body (up to TRACELET_MAX_LOG_BODY_BYTES), then its attribute entries. Sharing
// the layout keeps one validating reader for both kinds and lets an old consumer's length
// checks hold; every consumer asks SpanRecordReader::is_log() before treating a record as a span.
#include <cstddef>
#include <cstdint>
#include <string_view>

#include "tracelet/attribute.h"
#include "tracelet/config.h"
#include "tracelet/ids.h"
#include "tracelet/internal/span_data.h"

namespace tracelet::detail {

inline constexpr std::uint8_t kEventTag = 'E';
inline constexpr std::uint8_t kStatusMessageTag = 'M';
inline constexpr std::uint8_t kLinkTag = 'L';
inline constexpr std::uint8_t kRecordFlagParentRemote = 0x01;
inline constexpr std::uint8_t kRecordFlagLog = 0x02;

struct SpanRecordHead {
  std::uint64_t start_unix_ns;
  std::uint64_t end_unix_ns;
  std::uint8_t trace_id[16];
  std::uint8_t span_id[8];
  std::uint8_t parent_span_id[8];  // all zero: a root span
  std::uint16_t data_len;
  std::uint16_t dropped_attributes;
  std::uint16_t dropped_events;
  std::uint8_t kind;
  std::uint8_t status;
  std::uint8_t trace_flags;
  std::uint8_t flags;
  std::uint8_t attribute_count;
  std::uint8_t event_count;
  std::uint8_t link_count;
  std::uint8_t dropped_links;
};

// A live span keeps these head fields in SpanData in the same order, and copies them in one go.
constexpr bool span_data_matches_head() noexcept {
  constexpr std::size_t kData = offsetof(SpanData, used);
  constexpr std::size_t kHead = offsetof(SpanRecordHead, data_len);
  return offsetof(SpanData, dropped_attributes) - kData == offsetof(SpanRecordHead, dropped_attributes) - kHead &&
         offsetof(SpanData, dropped_events) - kData == offsetof(SpanRecordHead, dropped_events) - kHead &&
         offsetof(SpanData, kind) - kData == offsetof(SpanRecordHead, kind) - kHead &&
         offsetof(SpanData, status) - kData == offsetof(SpanRecordHead, status) - kHead &&
         offsetof(SpanData, trace_flags) - kData == offsetof(SpanRecordHead, trace_flags) - kHead &&
         offsetof(SpanData, flags) - kData == offsetof(SpanRecordHead, flags) - kHead &&
         offsetof(SpanData, attribute_count) - kData == offsetof(SpanRecordHead, attribute_count) - kHead &&
         offsetof(SpanData, event_count) - kData == offsetof(SpanRecordHead, event_count) - kHead &&
         offsetof(SpanData, link_count) - kData == offsetof(SpanRecordHead, link_count) - kHead &&
         offsetof(SpanData, dropped_links) - kData == offsetof(SpanRecordHead, dropped_links) - kHead &&
         sizeof(SpanRecordHead) - kHead == 16 && offsetof(SpanData, used) % 4 == 0 &&
         offsetof(SpanData, bytes) + 4 <= sizeof(SpanData) &&
         offsetof(SpanData, used) + 16 <= offsetof(SpanData, bytes) + 4;
}
static_assert(span_data_matches_head(), "SpanData's head fields must follow SpanRecordHead's order");

/// Appends one attribute entry to `buf` (keys cut to TRACELET_MAX_STRING_BYTES, string values
/// to `max_value_bytes` (at most 32767), both at a UTF-8 boundary). Returns false, writing
/// nothing, if it does not fit.
bool append_attribute(std::uint8_t* buf, std::size_t cap, std::size_t& used,
                      std::string_view key, const AttributeValue& value,
                      std::size_t max_value_bytes = TRACELET_MAX_STRING_BYTES) noexcept;

/// Bytes the length prefix of a string value of `len` bytes takes (1 or 2).
inline constexpr std::size_t string_length_size(std::size_t len) noexcept {
  return len < 0x80 ? 1 : 2;
}

/// Bytes append_attribute() needs for this entry (after its cuts).
std::size_t attribute_size(std::string_view key, const AttributeValue& value,
                           std::size_t max_value_bytes = TRACELET_MAX_STRING_BYTES) noexcept;
/// The array entry writer and its size, in array_attribute.cpp (linked only where array
/// values are built; see there).
bool append_array(std::uint8_t* buf, std::size_t cap, std::size_t& used, std::string_view key,
                  const AttributeValue& value) noexcept;
std::size_t array_attribute_size(std::string_view key, const AttributeValue& value) noexcept;
/// Elements of an array value that a record keeps: at most TRACELET_MAX_ARRAY_ELEMENTS.
std::size_t array_element_count(const AttributeValue& value) noexcept;

std::string_view utf8_cut(std::string_view text, std::size_t max_bytes) noexcept;
/// Longest prefix of `text` of at most `max_bytes` bytes that does not split a UTF-8 sequence.
inline std::string_view utf8_prefix(std::string_view text, std::size_t max_bytes) noexcept {
  return text.size() <= max_bytes ? text : utf8_cut(text, max_bytes);
}

/// One attribute read back from record bytes.
struct AttributeEntry {
  std::string_view key;
  AttributeValue value{false};
  bool replaced = false;
};

/// The live (not replaced) attribute entry keyed `key` among the entries in [p, end) (events
/// and links are stepped over whole), or nullptr; its size in `size`. `key` is compared as
/// given (cut it first as append_attribute() does).
const std::uint8_t* find_live_attribute(const std::uint8_t* p, const std::uint8_t* end, std::string_view key,
                                        std::size_t& size) noexcept;

/// Size of the attribute entry at `p` (0 if it is malformed or runs past `end`); fills `out`.
std::size_t read_attribute(const std::uint8_t* p, const std::uint8_t* end,
                           AttributeEntry& out) noexcept;

/// Walks attribute entries (a span's, an event's or the resource's), stepping over events
/// and status entries between them.
class AttributeReader {
 public:
  AttributeReader(const std::uint8_t* begin, const std::uint8_t* end, std::size_t count) noexcept
      : p_(begin), end_(end), remaining_(count) {}
  /// Next live (not replaced) attribute; false at the end or on malformed bytes.
  bool next(AttributeEntry& out) noexcept;

 private:
  const std::uint8_t* p_;
  const std::uint8_t* end_;
  std::size_t remaining_;  // entries left, replaced ones included
};

struct EventEntry {
  std::string_view name;
  std::uint64_t time_unix_ns = 0;
  std::uint8_t attribute_count = 0;  // entries, replaced ones included
  std::uint8_t dropped_attributes = 0;
  const std::uint8_t* attributes = nullptr;
  const std::uint8_t* attributes_end = nullptr;
};

struct LinkEntry {
  SpanContext context;
  std::uint8_t attribute_count = 0;
  std::uint8_t dropped_attributes = 0;
  const std::uint8_t* attributes = nullptr;
  const std::uint8_t* attributes_end = nullptr;
};

/// Validated view of one span record. parse() checks every length, so corrupt bytes (a ring
/// adopted after a warm reset, a fuzzer) give false, never an out-of-bounds read.
class SpanRecordReader {
 public:
  bool parse(const std::uint8_t* record, std::size_t len) noexcept;
  /// Whether the head of `record` carries the log flag, without checking the rest: only a
  /// record that does can parse() as a log record.
  static bool flagged_log(const std::uint8_t* record, std::size_t len) noexcept {
    return len >= sizeof(SpanRecordHead) && (record[offsetof(SpanRecordHead, flags)] & kRecordFlagLog) != 0;
  }

  const SpanRecordHead& head() const noexcept { return head_; }
  /// A log record (see the top of this file): name() is its body, head().kind its severity.
  bool is_log() const noexcept { return (head_.flags & kRecordFlagLog) != 0; }
  std::string_view name() const noexcept { return name_; }
  std::string_view status_message() const noexcept { return status_message_; }
  /// Live span attributes (not event attributes), in the order they were set.
  AttributeReader attributes() const noexcept;
  std::size_t live_attribute_count() const noexcept { return live_attributes_; }
  /// Events, in the order they were added.
  bool next_event(const std::uint8_t*& cursor, EventEntry& out) const noexcept;
  /// Links, in the order they were added.
  bool next_link(const std::uint8_t*& cursor, LinkEntry& out) const noexcept;
  const std::uint8_t* first_entry() const noexcept { return entries_; }

 private:
  SpanRecordHead head_{};
  std::string_view name_;
  std::string_view status_message_;
  const std::uint8_t* entries_ = nullptr;
  const std::uint8_t* end_ = nullptr;
  std::size_t span_attribute_entries_ = 0;
  std::size_t live_attributes_ = 0;
};

/// Size of the entry at `p` (attribute, event or link with their attributes, status text),
/// or 0 if it is malformed or runs past `end`.
std::size_t entry_size(const std::uint8_t* p, const std::uint8_t* end) noexcept;

/// Reads a link entry at `p` ('L' tag included); returns its whole size with attributes.
std::size_t read_link(const std::uint8_t* p, const std::uint8_t* end, LinkEntry& out) noexcept;

/// Reads an event entry at `p` ('E' tag included); returns its whole size with attributes.
std::size_t read_event(const std::uint8_t* p, const std::uint8_t* end, EventEntry& out) noexcept;

}  // namespace tracelet::detail

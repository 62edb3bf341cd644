#pragma once
// Not part of the API: the bytes a live Span carries on the caller's stack. It is in a header
// only because Span holds it by value; its layout may change between versions.
#include <cstddef>
#include <cstdint>
#include <cstring>
#include <string_view>

#include "tracelet/attribute.h"
#include "tracelet/config.h"
#include "tracelet/ids.h"
#include "tracelet/internal/short_copy.h"

namespace tracelet {
namespace detail {

/// The run-time span limits a Tracer resolved at init (Options::limits within the caps of
/// config.h). A recording span reads them through one pointer: each check is one compare.
/// Zero-initialised (so a global Tracer stays in .bss, not in flash-backed .data) until
/// Tracer::init fills it; spans record only after that.
struct SpanLimitsResolved {
  std::uint8_t attributes;
  std::uint8_t events;
  std::uint8_t links;
  std::uint8_t event_attributes;
  std::uint8_t link_attributes;
  std::uint16_t value_bytes;        // span and link attributes
  std::uint16_t event_value_bytes;  // event attributes
};

/// The compile-time caps.
inline constexpr SpanLimitsResolved kCompileTimeLimits{
    TRACELET_MAX_ATTRIBUTES,         TRACELET_MAX_EVENTS,          TRACELET_MAX_LINKS,
    TRACELET_MAX_EVENT_ATTRIBUTES,   TRACELET_MAX_LINK_ATTRIBUTES, TRACELET_MAX_STRING_BYTES,
    TRACELET_MAX_EVENT_STRING_BYTES};

/// Name, attributes, events and status message of a live span, in tracelet's compact record
/// encoding (see docs/design.md). Lives inside Span, i.e. on the caller's stack.
/// Not initialised on construction: start() sets every field (a span that records nothing
/// never touches them), so a recording span writes each once.
struct SpanData {
  const SpanLimitsResolved* limits;
  // From `used` to `dropped_links`: the fields of the ring record's head from its data_len on,
  // in the same order (core/span_record.h checks it), so ending a span copies them as words.
  std::uint16_t used;  // the record's data_len once finish() ran
  std::uint16_t dropped_attributes;
  std::uint16_t dropped_events;
  std::uint8_t kind;         // SpanKind
  std::uint8_t status;       // StatusCode
  std::uint8_t trace_flags;  // the span's W3C flags
  std::uint8_t flags;        // record flags (parent is remote)
  std::uint8_t attribute_count;
  std::uint8_t event_count;
  std::uint8_t link_count;
  std::uint8_t dropped_links;
  std::uint8_t status_message_len;  // 0 = no status message
  /// The first TRACELET_SPAN_DATA_BYTES hold name, attributes, events and links; the next
  /// 2 + TRACELET_MAX_STATUS_MESSAGE_BYTES are reserved for the status message, kept there
  /// until finish() moves it behind the data. Not zeroed: only `used` bytes are read. Aligned
  /// whole words, so the record is copied out as words, with room for one zero word after the
  /// last data byte (finish() clears the rest of the last word with it).
  alignas(4) std::uint8_t
      bytes[(TRACELET_SPAN_DATA_BYTES + 2 + TRACELET_MAX_STATUS_MESSAGE_BYTES + 4 + 3) / 4 * 4];

  /// The fields from `used` to `status_message_len` and the padding after it, as words.
  struct [[gnu::may_alias]] HeadWords {
    std::uint32_t words[4];
  };
  /// Starts the data of a new span: its name (`name_size` bytes at `name`) first, every
  /// count zero. Inline: every span starts here. (Name as pointer and size: a string_view
  /// kept whole lives on the stack on a small core.)
  void start(const char* name, std::size_t name_size, const SpanLimitsResolved& span_limits,
             std::uint8_t span_kind, std::uint8_t span_trace_flags,
             std::uint8_t record_flags) noexcept {
    if (name_size > TRACELET_MAX_STRING_BYTES) name_size = cut_name_size(name, name_size);
    limits = &span_limits;
    // The 16 bytes from `used` on (up to `bytes`) are zeroed as whole words, a pair of
    // double-word stores on a small core, padding included; then the few that are not zero.
    // (Word by word: zeroing the struct at once becomes a memset call.)
    HeadWords& head = *reinterpret_cast<HeadWords*>(&used);
    head.words[0] = 0;
    head.words[1] = 0;
    head.words[2] = 0;
    head.words[3] = 0;
    used = static_cast<std::uint16_t>(1 + name_size);
    kind = span_kind;
    trace_flags = span_trace_flags;
    flags = record_flags;
    bytes[0] = static_cast<std::uint8_t>(name_size);
    copy_short(bytes + 1, name, name_size);
  }
  /// The length of a name cut to TRACELET_MAX_STRING_BYTES at a UTF-8 boundary.
  static std::size_t cut_name_size(const char* name, std::size_t size) noexcept;
  void set_attribute(std::string_view key, const AttributeValue& value) noexcept;
  /// set_attribute() for an integer: the same result, with a short path for a new key.
  void set_int_attribute(std::string_view key, std::int64_t value) noexcept;
  void add_event(std::string_view name, std::uint64_t time_unix_ns,
                 const Attribute* attributes, std::size_t count) noexcept;
  void add_link(const SpanContext& context, const Attribute* attributes,
                std::size_t count) noexcept;
  /// Keeps `message` (cut to TRACELET_MAX_STATUS_MESSAGE_BYTES at a UTF-8 boundary) in the
  /// reserved room: a full data buffer never loses it. A later message replaces it.
  void set_status_message(std::string_view message) noexcept;
  /// Appends the status message entry, if any; returns the record's data length (also in
  /// `used` from then on). Call once, when the span ends.
  /// The bytes after the data up to the next whole word are zeroed, so copying whole words
  /// takes no stale stack byte along.
  std::size_t finish() noexcept {
    const std::size_t len = status_message_len == 0 ? used : finish_with_status();
    const std::uint32_t zero = 0;
    std::memcpy(bytes + len, &zero, 4);  // one (unaligned) word store on a small core
    return len;
  }
  std::size_t finish_with_status() noexcept;
};
}  // namespace detail

}  // namespace tracelet

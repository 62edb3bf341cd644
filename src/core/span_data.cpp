#include <cstring>

#include "core/span_record.h"
#include "tracelet/span.h"

namespace tracelet::detail {
namespace {

constexpr std::size_t kCapacity = TRACELET_SPAN_DATA_BYTES;

// Finds the live span attribute `key`; returns its offset in `bytes` or kCapacity.
std::size_t find_attribute(const std::uint8_t* bytes, std::size_t used, std::string_view key,
                           std::size_t& found_size) noexcept {
  const std::uint8_t* end = bytes + used;
  const std::uint8_t* p = bytes + 1 + bytes[0];
  while (p < end) {
    std::size_t size = entry_size(p, end);
    if (size == 0) break;
    const std::uint8_t tag = p[0];
    if ((tag == 'b' || tag == 'i' || tag == 'd' || tag == 's' || tag == 'a') && p[1] == key.size() &&
        std::memcmp(p + 2, key.data(), key.size()) == 0) {
      found_size = size;
      return static_cast<std::size_t>(p - bytes);
    }
    p += size;
  }
  return kCapacity;
}

// Appends the attributes of an event or a link after its header, at most `max` of them, and
// writes how many were kept and how many dropped (capped at 255) into `counts[0]`/`counts[1]`.
void append_nested_attributes(std::uint8_t* bytes, std::size_t& at_used, const Attribute* attributes,
                              std::size_t count, std::size_t max, std::uint8_t* counts) noexcept {
  std::uint8_t kept = 0;
  std::size_t dropped = 0;
  for (std::size_t i = 0; i < count; ++i) {
    if (kept >= max || !append_attribute(bytes, kCapacity, at_used, attributes[i].key, attributes[i].value)) {
      ++dropped;
      continue;
    }
    ++kept;
  }
  counts[0] = kept;
  counts[1] = static_cast<std::uint8_t>(dropped > 255 ? 255 : dropped);
}

}  // namespace

void SpanData::start(std::string_view name) noexcept {
  name = utf8_prefix(name, TRACELET_MAX_STRING_BYTES);
  bytes[0] = static_cast<std::uint8_t>(name.size());
  std::memcpy(bytes + 1, name.data(), name.size());
  used = static_cast<std::uint16_t>(1 + name.size());
  dropped_attributes = 0;
  dropped_events = 0;
  attribute_count = 0;
  event_count = 0;
  link_count = 0;
  dropped_links = 0;
}

void SpanData::set_attribute(std::string_view key, const AttributeValue& value) noexcept {
  key = utf8_prefix(key, TRACELET_MAX_STRING_BYTES);
  std::size_t at_used = used;
  std::size_t old_size = 0;
  std::size_t old = attribute_count == 0 ? kCapacity : find_attribute(bytes, used, key, old_size);
  if (old == kCapacity && attribute_count >= TRACELET_MAX_ATTRIBUTES) {
    ++dropped_attributes;
    return;
  }
  if (old != kCapacity) {
    // Same key again: the new value replaces the old one (OTLP keys are unique): in place
    // when the entry has the same size, else appended with the old one marked replaced.
    const std::size_t new_size = attribute_size(key, value);
    if (new_size == old_size) {
      std::size_t at = old;
      (void)append_attribute(bytes, old + old_size, at, key, value);
      return;
    }
    if (kCapacity - used < new_size ||  // the new value does not fit: keep the old one
        !append_attribute(bytes, kCapacity, at_used, key, value)) {
      ++dropped_attributes;
      return;
    }
    bytes[old] = static_cast<std::uint8_t>(bytes[old] - ('a' - 'A'));  // mark replaced
    used = static_cast<std::uint16_t>(at_used);
    return;
  }
  if (!append_attribute(bytes, kCapacity, at_used, key, value)) {
    ++dropped_attributes;
    return;
  }
  used = static_cast<std::uint16_t>(at_used);
  ++attribute_count;
}

void SpanData::add_event(std::string_view name, std::uint64_t time_unix_ns,
                         const Attribute* attributes, std::size_t count) noexcept {
  name = utf8_prefix(name, TRACELET_MAX_STRING_BYTES);
  const std::size_t header = 2 + name.size() + 10;
  if (event_count >= TRACELET_MAX_EVENTS || kCapacity - used < header) {
    ++dropped_events;
    return;
  }
  std::uint8_t* p = bytes + used;
  p[0] = kEventTag;
  p[1] = static_cast<std::uint8_t>(name.size());
  std::memcpy(p + 2, name.data(), name.size());
  std::uint8_t* tail = p + 2 + name.size();
  std::memcpy(tail, &time_unix_ns, 8);
  std::size_t at_used = used + header;
  append_nested_attributes(bytes, at_used, attributes, count, TRACELET_MAX_EVENT_ATTRIBUTES, tail + 8);
  used = static_cast<std::uint16_t>(at_used);
  ++event_count;
}

void SpanData::add_link(const SpanContext& context, const Attribute* attributes,
                        std::size_t count) noexcept {
  const std::size_t header = 29;
  if (!context.is_valid() || link_count >= TRACELET_MAX_LINKS || kCapacity - used < header) {
    if (dropped_links < 255) ++dropped_links;
    return;
  }
  std::uint8_t* p = bytes + used;
  p[0] = kLinkTag;
  std::memcpy(p + 1, context.trace_id.bytes, 16);
  std::memcpy(p + 17, context.span_id.bytes, 8);
  p[25] = context.trace_flags;
  p[26] = context.is_remote ? kRecordFlagParentRemote : 0;
  std::size_t at_used = used + header;
  append_nested_attributes(bytes, at_used, attributes, count, TRACELET_MAX_LINK_ATTRIBUTES, p + 27);
  used = static_cast<std::uint16_t>(at_used);
  ++link_count;
}

void SpanData::set_status_message(std::string_view message) noexcept {
  message = utf8_prefix(message, TRACELET_MAX_STRING_BYTES);
  if (kCapacity - used < 2 + message.size()) return;  // the status code is kept regardless
  bytes[used] = kStatusMessageTag;
  bytes[used + 1] = static_cast<std::uint8_t>(message.size());
  std::memcpy(bytes + used + 2, message.data(), message.size());
  used = static_cast<std::uint16_t>(used + 2 + message.size());
}

}  // namespace tracelet::detail

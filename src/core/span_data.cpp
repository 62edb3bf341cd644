#include <cstring>

#include "core/span_record.h"
#include "tracelet/span.h"

namespace tracelet::detail {
namespace {

constexpr std::size_t kCapacity = TRACELET_SPAN_DATA_BYTES;
// Where set_status_message() keeps the message until finish(): the very end of `bytes`.
constexpr std::size_t kStatusAt = kCapacity + 2;
static_assert(sizeof(SpanData::bytes) >= kStatusAt + TRACELET_MAX_STATUS_MESSAGE_BYTES,
              "the status message room follows the data bytes");

// Finds the live span attribute `key`; returns its offset in `bytes` or kCapacity.
// A call, as before the walk moved to span_record.cpp: inlined, it costs set_int_attribute()'s
// short path (which rarely calls it) a few instructions of register saves.
[[gnu::noinline]] std::size_t find_attribute(const std::uint8_t* bytes, std::size_t used,
                                             std::string_view key, std::size_t& found_size) noexcept {
  const std::uint8_t* found = find_live_attribute(bytes + 1 + bytes[0], bytes + used, key, found_size);
  return found == nullptr ? kCapacity : static_cast<std::size_t>(found - bytes);
}

// Shortest cut of a string value worth keeping when the data bytes run out: a stack trace cut
// to its first frame or two is still useful; a few bytes of one are not.
constexpr std::size_t kMinCutValue = 32;

// Appends the attributes of an event or a link after its header, at most `max` of them with
// string values cut to `max_value` bytes, and writes how many were kept and how many dropped
// (capped at 255) into `counts[0]`/`counts[1]`. With `cut_to_fit`, a string value too long
// for the bytes left is cut to fit (at least kMinCutValue bytes of it) instead of dropped.
void append_nested_attributes(std::uint8_t* bytes, std::size_t& at_used, const Attribute* attributes,
                              std::size_t count, std::size_t max, std::size_t max_value,
                              bool cut_to_fit, std::uint8_t* counts) noexcept {
  std::uint8_t kept = 0;
  std::size_t dropped = 0;
  for (std::size_t i = 0; i < count; ++i) {
    const Attribute& a = attributes[i];
    bool fits = kept < max && append_attribute(bytes, kCapacity, at_used, a.key, a.value, max_value);
    if (!fits && cut_to_fit && kept < max && a.value.type() == AttributeValue::Type::kString) {
      const std::size_t key_len = utf8_prefix(a.key, TRACELET_MAX_STRING_BYTES).size();
      const std::size_t left = kCapacity - at_used;
      if (left >= 2 + key_len + 2 + kMinCutValue) {
        const std::size_t room = left - (2 + key_len + 2);
        fits = append_attribute(bytes, kCapacity, at_used, a.key, a.value,
                                room < max_value ? room : max_value);
      }
    }
    if (!fits) {
      ++dropped;
      continue;
    }
    ++kept;
  }
  counts[0] = kept;
  counts[1] = static_cast<std::uint8_t>(dropped > 255 ? 255 : dropped);
}

}  // namespace

std::size_t SpanData::cut_name_size(const char* name, std::size_t size) noexcept {
  return utf8_cut(std::string_view(name, size), TRACELET_MAX_STRING_BYTES).size();
}

void SpanData::set_attribute(std::string_view key, const AttributeValue& value) noexcept {
  if constexpr (kWideWords) {
    // A 64-bit core's short path for a string value, as set_int_attribute() has for an
    // integer: key and value that need no cut, a new key, room and count to spare. (Left out
    // on small cores, where the general path below is fast enough for the flash it saves.)
    if (value.type() == AttributeValue::Type::kString) {
      const std::string_view text = value.as_string();
      const std::size_t at = used;
      const std::uint8_t count = attribute_count;
      const std::size_t size = 2 + key.size() + 1 + text.size();
      std::size_t unused = 0;
      if (key.size() <= TRACELET_MAX_STRING_BYTES && text.size() < 0x80 &&
          text.size() <= limits->value_bytes && count < limits->attributes &&
          kCapacity - at >= size &&
          (count == 0 || find_attribute(bytes, at, key, unused) == kCapacity)) {
        std::uint8_t* p = bytes + at;
        p[0] = static_cast<std::uint8_t>(AttributeValue::Type::kString);
        p[1] = static_cast<std::uint8_t>(key.size());
        copy_short(p + 2, key.data(), key.size());
        p[2 + key.size()] = static_cast<std::uint8_t>(text.size());
        copy_short(p + 3 + key.size(), text.data(), text.size());
        used = static_cast<std::uint16_t>(at + size);
        attribute_count = static_cast<std::uint8_t>(count + 1);
        return;
      }
    }
  }
  key = utf8_prefix(key, TRACELET_MAX_STRING_BYTES);
  std::size_t at_used = used;
  std::size_t old_size = 0;
  std::size_t old = attribute_count == 0 ? kCapacity : find_attribute(bytes, used, key, old_size);
  if (old == kCapacity && attribute_count >= limits->attributes) {
    ++dropped_attributes;
    return;
  }
  if (old != kCapacity) {
    // Same key again: the new value replaces the old one (OTLP keys are unique): in place
    // when the entry has the same size, else appended with the old one marked replaced.
    const std::size_t new_size = attribute_size(key, value, limits->value_bytes);
    if (new_size == old_size) {
      std::size_t at = old;
      (void)append_attribute(bytes, old + old_size, at, key, value, limits->value_bytes);
      return;
    }
    if (kCapacity - used < new_size ||  // the new value does not fit: keep the old one
        !append_attribute(bytes, kCapacity, at_used, key, value, limits->value_bytes)) {
      ++dropped_attributes;
      return;
    }
    bytes[old] = static_cast<std::uint8_t>(bytes[old] - ('a' - 'A'));  // mark replaced
    used = static_cast<std::uint16_t>(at_used);
    return;
  }
  if (!append_attribute(bytes, kCapacity, at_used, key, value, limits->value_bytes)) {
    ++dropped_attributes;
    return;
  }
  used = static_cast<std::uint16_t>(at_used);
  ++attribute_count;
}

void SpanData::set_int_attribute(std::string_view key, std::int64_t value) noexcept {
  const std::size_t key_len = key.size();
  const std::size_t size = 2 + key_len + 8;
  // Locals: the byte stores below could alias the counts, which would make them reloads.
  const std::size_t at = used;
  const std::uint8_t count = attribute_count;
  std::size_t unused = 0;
  // The short path: a key that needs no cut, not set before, with room and count to spare.
  // Anything else (a replacement, a drop) takes the general path, which counts it.
  if (key_len <= TRACELET_MAX_STRING_BYTES && count < limits->attributes && kCapacity - at >= size &&
      (count == 0 || find_attribute(bytes, at, key, unused) == kCapacity)) {
    std::uint8_t* p = bytes + at;
    p[0] = static_cast<std::uint8_t>(AttributeValue::Type::kInt);
    p[1] = static_cast<std::uint8_t>(key_len);
    copy_short(p + 2, key.data(), key_len);
    std::memcpy(p + 2 + key_len, &value, 8);
    used = static_cast<std::uint16_t>(at + size);
    attribute_count = static_cast<std::uint8_t>(count + 1);
    return;
  }
  set_attribute(key, AttributeValue(value));
}

void SpanData::add_event(std::string_view name, std::uint64_t time_unix_ns,
                         const Attribute* attributes, std::size_t count) noexcept {
  name = utf8_prefix(name, TRACELET_MAX_STRING_BYTES);
  const std::size_t header = 2 + name.size() + 10;
  if (event_count >= limits->events || kCapacity - used < header) {
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
  append_nested_attributes(bytes, at_used, attributes, count, limits->event_attributes,
                           limits->event_value_bytes, true, tail + 8);
  used = static_cast<std::uint16_t>(at_used);
  ++event_count;
}

void SpanData::add_link(const SpanContext& context, const Attribute* attributes,
                        std::size_t count) noexcept {
  const std::size_t header = 29;
  if (!context.is_valid() || link_count >= limits->links || kCapacity - used < header) {
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
  append_nested_attributes(bytes, at_used, attributes, count, limits->link_attributes,
                           limits->value_bytes, false, p + 27);
  used = static_cast<std::uint16_t>(at_used);
  ++link_count;
}

void SpanData::set_status_message(std::string_view message) noexcept {
  message = utf8_prefix(message, TRACELET_MAX_STATUS_MESSAGE_BYTES);
  std::memcpy(bytes + kStatusAt, message.data(), message.size());
  status_message_len = static_cast<std::uint8_t>(message.size());
}

std::size_t SpanData::finish_with_status() noexcept {
  // The entry goes right behind the data; the reserved room guarantees it fits.
  std::uint8_t* p = bytes + used;
  // The message moves towards the front (the areas may overlap): a forward byte copy is safe,
  // and small cores need not link memmove for it.
  const std::uint8_t* from = bytes + kStatusAt;
  for (std::size_t i = 0; i < status_message_len; ++i) p[2 + i] = from[i];
  p[0] = kStatusMessageTag;
  p[1] = status_message_len;
  used = static_cast<std::uint16_t>(used + 2u + status_message_len);
  return used;
}

}  // namespace tracelet::detail

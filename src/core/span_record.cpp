#include "core/span_record.h"

#include <cstring>

#include "tracelet/config.h"

namespace tracelet::detail {
namespace {

// One bit per letter from 'a': a shift and a test instead of five compares.
constexpr std::uint32_t letter_bit(char c) noexcept { return std::uint32_t{1} << static_cast<unsigned>(c - 'a'); }
bool letter_in(std::uint8_t c, std::uint32_t letters) noexcept {
  const unsigned index = static_cast<unsigned>(c) - static_cast<unsigned>('a');
  return index < 26 && ((letters >> index) & 1u) != 0;
}
bool is_attribute_tag(std::uint8_t tag) noexcept {
  return letter_in(tag, letter_bit('b') | letter_bit('i') | letter_bit('d') | letter_bit('s') | letter_bit('a'));
}

// Reads the length prefix of a string value at `v`; returns its size (1 or 2), 0 if cut off.
std::size_t read_string_length(const std::uint8_t* v, const std::uint8_t* end,
                               std::size_t& len) noexcept {
  if (end - v < 1) return 0;
  if ((v[0] & 0x80u) == 0) {
    len = v[0];
    return 1;
  }
  if (end - v < 2) return 0;
  len = (static_cast<std::size_t>(v[0] & 0x7Fu) << 8) | v[1];
  return 2;
}

// ---- array values: [element_type u8][count u8] then the elements ----

// Size of the element payload of `count` elements of `type` at `p` (0 if malformed / past end).
std::size_t array_elements_size(std::uint8_t type, std::size_t count, const std::uint8_t* p,
                                const std::uint8_t* end) noexcept {
  const std::size_t left = static_cast<std::size_t>(end - p);
  std::size_t size = 0;
  switch (type) {
    case 'b': size = count; break;
    case 'i': case 'd': size = 8 * count; break;
    case 's':
      for (std::size_t i = 0; i < count; ++i) {
        if (size >= left) return 0;
        size += 1u + p[size];
      }
      break;
    default: return 0;
  }
  return size <= left ? size : 0;
}

// ElementReader for arrays stored in a record: `items` points at [element_type][count].
AttributeValue record_element(const void* items, std::size_t index) noexcept {
  const auto* p = static_cast<const std::uint8_t*>(items);
  const std::uint8_t type = p[0];
  p += 2;
  switch (type) {
    case 'b': return AttributeValue(p[index] != 0);
    case 'i': {
      std::int64_t v = 0;
      std::memcpy(&v, p + 8 * index, 8);
      return AttributeValue(v);
    }
    case 'd': {
      double v = 0;
      std::memcpy(&v, p + 8 * index, 8);
      return AttributeValue(v);
    }
    default:  // 's': step over the earlier strings (arrays are short)
      for (std::size_t i = 0; i < index; ++i) p += 1u + p[0];
      return AttributeValue(std::string_view(reinterpret_cast<const char*>(p + 1), p[0]));
  }
}

bool is_array_element_type(std::uint8_t type) noexcept {
  return letter_in(type, letter_bit('b') | letter_bit('i') | letter_bit('d') | letter_bit('s'));
}

}  // namespace

std::size_t array_element_count(const AttributeValue& value) noexcept {
  const std::size_t n = value.array_size();
  return n < TRACELET_MAX_ARRAY_ELEMENTS ? n : TRACELET_MAX_ARRAY_ELEMENTS;
}

std::size_t attribute_size(std::string_view key, const AttributeValue& value,
                           std::size_t max_value_bytes) noexcept {
  key = utf8_prefix(key, TRACELET_MAX_STRING_BYTES);
  std::size_t value_size = 8;
  switch (value.type()) {
    case AttributeValue::Type::kBool: value_size = 1; break;
    case AttributeValue::Type::kInt:
    case AttributeValue::Type::kDouble: value_size = 8; break;
    case AttributeValue::Type::kString: {
      const std::size_t len =
          utf8_prefix(value.as_string(), max_value_bytes < 0x7FFF ? max_value_bytes : 0x7FFF).size();
      value_size = string_length_size(len) + len;
      break;
    }
    case AttributeValue::Type::kArray: return array_attribute_size(key, value);
  }
  return 2 + key.size() + value_size;
}

std::string_view utf8_cut(std::string_view text, std::size_t max_bytes) noexcept {
  std::size_t cut = max_bytes;
  // Step back over continuation bytes (10xxxxxx) so a multi-byte character is not split.
  while (cut > 0 && (static_cast<std::uint8_t>(text[cut]) & 0xC0u) == 0x80u) --cut;
  return text.substr(0, cut);
}

// The array writer lives in array_attribute.cpp, which only images that build array values
// link (see AttributeValue::array()); without it these stand in, and are never reached: no
// value of type kArray can exist there.
__attribute__((weak)) bool append_array(std::uint8_t*, std::size_t, std::size_t&, std::string_view,
                                        const AttributeValue&) noexcept {
  return false;
}
__attribute__((weak)) std::size_t array_attribute_size(std::string_view key,
                                                       const AttributeValue&) noexcept {
  return 2 + key.size() + 2;
}

bool append_attribute(std::uint8_t* buf, std::size_t cap, std::size_t& used,
                      std::string_view key, const AttributeValue& value,
                      std::size_t max_value_bytes) noexcept {
  if (value.type() == AttributeValue::Type::kArray) return append_array(buf, cap, used, key, value);
  key = utf8_prefix(key, TRACELET_MAX_STRING_BYTES);
  std::string_view text;
  std::size_t value_size = 8;
  switch (value.type()) {
    case AttributeValue::Type::kBool: value_size = 1; break;
    case AttributeValue::Type::kInt:
    case AttributeValue::Type::kDouble: value_size = 8; break;
    case AttributeValue::Type::kString:
      text = utf8_prefix(value.as_string(), max_value_bytes < 0x7FFF ? max_value_bytes : 0x7FFF);
      value_size = string_length_size(text.size()) + text.size();
      break;
    case AttributeValue::Type::kArray: return false;  // append_array()
  }
  const std::size_t size = 2 + key.size() + value_size;
  if (cap - used < size) return false;
  std::uint8_t* p = buf + used;
  *p++ = static_cast<std::uint8_t>(value.type());
  *p++ = static_cast<std::uint8_t>(key.size());
  std::memcpy(p, key.data(), key.size());
  p += key.size();
  switch (value.type()) {
    case AttributeValue::Type::kBool: *p = value.as_bool() ? 1 : 0; break;
    case AttributeValue::Type::kInt: {
      std::int64_t v = value.as_int();
      std::memcpy(p, &v, 8);
      break;
    }
    case AttributeValue::Type::kDouble: {
      double v = value.as_double();
      std::memcpy(p, &v, 8);
      break;
    }
    case AttributeValue::Type::kString:
      if (text.size() >= 0x80) *p++ = static_cast<std::uint8_t>(0x80u | (text.size() >> 8));
      *p++ = static_cast<std::uint8_t>(text.size() & 0xFFu);
      std::memcpy(p, text.data(), text.size());
      break;
    case AttributeValue::Type::kArray: break;  // append_array()
  }
  used += size;
  return true;
}

namespace {

// An attribute tag of either case: upper case marks a replaced attribute.
bool is_any_attribute_tag(std::uint8_t tag) noexcept { return is_attribute_tag(tag | 0x20u); }

// Fills `out` from the attribute entry at `p`, which entry_size() has checked: the bounds
// are checked once, there, for the readers and the walkers alike.
void fill_attribute(const std::uint8_t* p, AttributeEntry& out) noexcept {
  const std::uint8_t tag = p[0];
  const std::uint8_t* v = p + 2 + p[1];
  switch (tag | 0x20u) {
    case 'b': out.value = AttributeValue(v[0] != 0); break;
    case 'i': {
      std::int64_t i = 0;
      std::memcpy(&i, v, 8);
      out.value = AttributeValue(i);
      break;
    }
    case 'd': {
      double d = 0;
      std::memcpy(&d, v, 8);
      out.value = AttributeValue(d);
      break;
    }
    case 'a':
      out.value = AttributeValue::from_elements(static_cast<AttributeValue::Type>(v[0]), v, v[1], &record_element);
      break;
    default: {  // 's': [len] or [0x80 | len >> 8][len & 0xFF]
      const bool long_value = (v[0] & 0x80u) != 0;
      const std::size_t len = long_value ? (static_cast<std::size_t>(v[0] & 0x7Fu) << 8) | v[1] : v[0];
      out.value = AttributeValue(std::string_view(reinterpret_cast<const char*>(v + 1 + long_value), len));
      break;
    }
  }
  out.key = std::string_view(reinterpret_cast<const char*>(p + 2), p[1]);
  out.replaced = (tag & 0x20u) == 0;
}

}  // namespace

std::size_t read_attribute(const std::uint8_t* p, const std::uint8_t* end,
                           AttributeEntry& out) noexcept {
  if (end - p < 2 || !is_any_attribute_tag(p[0])) return 0;
  const std::size_t size = entry_size(p, end);
  if (size != 0) fill_attribute(p, out);
  return size;
}

const std::uint8_t* find_live_attribute(const std::uint8_t* p, const std::uint8_t* end, std::string_view key,
                                        std::size_t& size) noexcept {
  while (p < end) {
    const std::size_t entry = entry_size(p, end);
    if (entry == 0) break;
    if (is_attribute_tag(p[0]) && p[1] == key.size() && std::memcmp(p + 2, key.data(), key.size()) == 0) {
      size = entry;
      return p;
    }
    p += entry;
  }
  return nullptr;
}

bool AttributeReader::next(AttributeEntry& out) noexcept {
  while (remaining_ != 0 && p_ < end_) {
    // Events and links carry their own attributes, which are not ours: skipped whole.
    const std::size_t size = entry_size(p_, end_);
    if (size == 0) break;
    const std::uint8_t* entry = p_;
    p_ += size;
    if (!is_any_attribute_tag(*entry)) continue;
    --remaining_;
    if ((*entry & 0x20u) != 0) {  // live, not replaced
      fill_attribute(entry, out);
      return true;
    }
  }
  remaining_ = 0;
  return false;
}

// Walks `count` attribute entries from `p`; returns where they end, or nullptr if malformed.
static const std::uint8_t* skip_attributes(const std::uint8_t* p, const std::uint8_t* end,
                                           std::size_t count) noexcept {
  for (std::size_t i = 0; i < count; ++i) {
    if (p >= end || !is_any_attribute_tag(*p)) return nullptr;
    const std::size_t size = entry_size(p, end);
    if (size == 0) return nullptr;
    p += size;
  }
  return p;
}

std::size_t entry_size(const std::uint8_t* p, const std::uint8_t* end) noexcept {
  const std::size_t left = static_cast<std::size_t>(end - p);
  if (left < 2) return 0;
  std::size_t size = 2u + p[1];
  // Attribute tags of either case in one switch (upper case: replaced; `| 0x20` maps nothing
  // else onto them); the other tags are exact.
  switch (p[0] | 0x20u) {
    case 'b': size += 1u; break;
    case 'i': case 'd': size += 8u; break;
    case 's': {
      if (size >= left) return 0;
      std::size_t len = 0;
      const std::size_t prefix = read_string_length(p + size, end, len);
      if (prefix == 0) return 0;
      size += prefix + len;
      break;
    }
    case 'a': {
      if (size + 2 > left) return 0;
      if (!is_array_element_type(p[size])) return 0;
      const std::size_t elements = array_elements_size(p[size], p[size + 1], p + size + 2, p + left);
      if (elements == 0 && p[size + 1] != 0) return 0;
      size += 2u + elements;
      break;
    }
    default:
      if (p[0] == kStatusMessageTag) break;
      if (p[0] == kEventTag) {  // [name_len][name][time u64][attribute_count][dropped] + attributes
        size += 10u;
        if (size > left) return 0;
        const std::uint8_t* attributes_end = skip_attributes(p + size, end, p[size - 2]);
        return attributes_end == nullptr ? 0 : static_cast<std::size_t>(attributes_end - p);
      }
      if (p[0] == kLinkTag) {  // [trace_id][span_id][flags][flags][attribute_count][dropped] + attributes
        if (left < 29) return 0;
        const std::uint8_t* attributes_end = skip_attributes(p + 29, end, p[27]);
        return attributes_end == nullptr ? 0 : static_cast<std::size_t>(attributes_end - p);
      }
      return 0;
  }
  return size <= left ? size : 0;
}

std::size_t read_link(const std::uint8_t* p, const std::uint8_t* end, LinkEntry& out) noexcept {
  if (end - p < 1 || p[0] != kLinkTag) return 0;
  const std::size_t size = entry_size(p, end);  // checks the bounds
  if (size == 0) return 0;
  std::memcpy(out.context.trace_id.bytes, p + 1, 16);
  std::memcpy(out.context.span_id.bytes, p + 17, 8);
  out.context.trace_flags = p[25];
  out.context.is_remote = (p[26] & kRecordFlagParentRemote) != 0;
  out.attribute_count = p[27];
  out.dropped_attributes = p[28];
  out.attributes = p + 29;
  out.attributes_end = p + size;
  return size;
}

std::size_t read_event(const std::uint8_t* p, const std::uint8_t* end, EventEntry& out) noexcept {
  if (end - p < 1 || p[0] != kEventTag) return 0;
  const std::size_t size = entry_size(p, end);  // checks the bounds
  if (size == 0) return 0;
  const std::size_t name_len = p[1];
  const std::uint8_t* q = p + 2 + name_len;
  out.name = std::string_view(reinterpret_cast<const char*>(p + 2), name_len);
  std::memcpy(&out.time_unix_ns, q, 8);
  out.attribute_count = q[8];
  out.dropped_attributes = q[9];
  out.attributes = q + 10;
  out.attributes_end = p + size;
  return size;
}

bool SpanRecordReader::parse(const std::uint8_t* record, std::size_t len) noexcept {
  if (len < sizeof(SpanRecordHead)) return false;
  std::memcpy(&head_, record, sizeof head_);
  if (sizeof(SpanRecordHead) + head_.data_len != len || head_.data_len < 1) return false;
  const std::uint8_t* p = record + sizeof(SpanRecordHead);
  end_ = p + head_.data_len;
  std::size_t name_len = p[0];
  if (static_cast<std::size_t>(end_ - p) < 1 + name_len) return false;
  name_ = std::string_view(reinterpret_cast<const char*>(p + 1), name_len);
  entries_ = p + 1 + name_len;
  status_message_ = {};
  span_attribute_entries_ = 0;
  live_attributes_ = 0;
  // One pass validates every entry and finds the last status message.
  std::size_t events = 0;
  std::size_t links = 0;
  for (const std::uint8_t* q = entries_; q < end_;) {
    std::size_t size = entry_size(q, end_);
    if (size == 0) return false;
    if (*q == kEventTag) {
      ++events;
    } else if (*q == kLinkTag) {
      ++links;
    } else if (*q == kStatusMessageTag) {
      status_message_ = std::string_view(reinterpret_cast<const char*>(q + 2), q[1]);
    } else {
      ++span_attribute_entries_;
      if (is_attribute_tag(*q)) ++live_attributes_;
    }
    q += size;
  }
  return events == head_.event_count && links == head_.link_count &&
         live_attributes_ == head_.attribute_count;
}

AttributeReader SpanRecordReader::attributes() const noexcept {
  return AttributeReader(entries_, end_, span_attribute_entries_);
}

namespace {
// Moves `cursor` past the next entry tagged `tag` and returns where that entry starts (nullptr
// at the end or on a malformed entry); skips the others. One walker for events and links.
[[gnu::noinline]] const std::uint8_t* next_tagged(const std::uint8_t*& cursor, const std::uint8_t* end, std::uint8_t tag) noexcept {
  while (cursor < end) {
    const std::uint8_t* entry = cursor;
    const std::size_t size = entry_size(entry, end);
    if (size == 0) return nullptr;
    cursor += size;
    if (*entry == tag) return entry;
  }
  return nullptr;
}
}  // namespace

bool SpanRecordReader::next_event(const std::uint8_t*& cursor, EventEntry& out) const noexcept {
  if (cursor == nullptr) cursor = entries_;
  const std::uint8_t* entry = next_tagged(cursor, end_, kEventTag);
  return entry != nullptr && read_event(entry, end_, out) != 0;
}

bool SpanRecordReader::next_link(const std::uint8_t*& cursor, LinkEntry& out) const noexcept {
  if (cursor == nullptr) cursor = entries_;
  const std::uint8_t* entry = next_tagged(cursor, end_, kLinkTag);
  return entry != nullptr && read_link(entry, end_, out) != 0;
}

}  // namespace tracelet::detail

// The writer of array attribute entries (span_record.h's record format, 'a'). Its own file so
// that only images that build array values link it: AttributeValue::array()'s element reader
// calls array_element() below, which pulls this object in, and its strong definitions replace
// the stand-ins in span_record.cpp. A firmware that sets no arrays saves the flash.
#include <cstring>

#include "core/span_record.h"

namespace tracelet::detail {

AttributeValue array_element(const AttributeValue& element) noexcept { return element; }

std::size_t array_attribute_size(std::string_view key, const AttributeValue& value) noexcept {
  key = utf8_prefix(key, TRACELET_MAX_STRING_BYTES);
  const std::size_t n = array_element_count(value);
  std::size_t value_size = 2;
  switch (value.element_type()) {
    case AttributeValue::Type::kBool: value_size += n; break;
    case AttributeValue::Type::kString:
      for (std::size_t i = 0; i < n; ++i) {
        value_size += 1 + utf8_prefix(value.element(i).as_string(), TRACELET_MAX_STRING_BYTES).size();
      }
      break;
    default: value_size += 8 * n; break;
  }
  return 2 + key.size() + value_size;
}

// An array entry: [element_type][count] then the elements (string elements keep a 1-byte
// length: they are cut to TRACELET_MAX_STRING_BYTES, at most 255).
bool append_array(std::uint8_t* buf, std::size_t cap, std::size_t& used, std::string_view key,
                  const AttributeValue& value) noexcept {
  const AttributeValue::Type element = value.element_type();
  if (element != AttributeValue::Type::kBool && element != AttributeValue::Type::kInt &&
      element != AttributeValue::Type::kDouble && element != AttributeValue::Type::kString) {
    return false;  // not a scalar element type: nothing OTLP could carry
  }
  const std::size_t size = array_attribute_size(key, value);
  if (cap - used < size) return false;
  key = utf8_prefix(key, TRACELET_MAX_STRING_BYTES);
  const std::size_t n = array_element_count(value);
  std::uint8_t* p = buf + used;
  *p++ = 'a';
  *p++ = static_cast<std::uint8_t>(key.size());
  std::memcpy(p, key.data(), key.size());
  p += key.size();
  *p++ = static_cast<std::uint8_t>(element);
  *p++ = static_cast<std::uint8_t>(n);
  for (std::size_t i = 0; i < n; ++i) {
    const AttributeValue item = value.element(i);
    switch (element) {
      case AttributeValue::Type::kBool: *p++ = item.as_bool() ? 1 : 0; break;
      case AttributeValue::Type::kInt: {
        const std::int64_t v = item.as_int();
        std::memcpy(p, &v, 8);
        p += 8;
        break;
      }
      case AttributeValue::Type::kDouble: {
        const double v = item.as_double();
        std::memcpy(p, &v, 8);
        p += 8;
        break;
      }
      default: {
        const std::string_view text = utf8_prefix(item.as_string(), TRACELET_MAX_STRING_BYTES);
        *p++ = static_cast<std::uint8_t>(text.size());
        std::memcpy(p, text.data(), text.size());
        p += text.size();
        break;
      }
    }
  }
  used += size;
  return true;
}


}  // namespace tracelet::detail

#pragma once
// Not part of the API: the bytes a live Span carries on the caller's stack. It is in a header
// only because Span holds it by value; its layout may change between versions.
#include <cstddef>
#include <cstdint>
#include <string_view>

#include "tracelet/attribute.h"
#include "tracelet/config.h"
#include "tracelet/ids.h"

namespace tracelet {
namespace detail {
/// Name, attributes, events and status message of a live span, in tracelet's compact record
/// encoding (see docs/design.md). Lives inside Span, i.e. on the caller's stack.
struct SpanData {
  std::uint16_t used = 0;
  std::uint16_t dropped_attributes = 0;
  std::uint16_t dropped_events = 0;
  std::uint8_t attribute_count = 0;
  std::uint8_t event_count = 0;
  std::uint8_t link_count = 0;
  std::uint8_t dropped_links = 0;
  std::uint8_t bytes[TRACELET_SPAN_DATA_BYTES];  // not zeroed: only `used` bytes are read

  void start(std::string_view name) noexcept;
  void set_attribute(std::string_view key, const AttributeValue& value) noexcept;
  void add_event(std::string_view name, std::uint64_t time_unix_ns,
                 const Attribute* attributes, std::size_t count) noexcept;
  void add_link(const SpanContext& context, const Attribute* attributes,
                std::size_t count) noexcept;
  void set_status_message(std::string_view message) noexcept;
};
}  // namespace detail

}  // namespace tracelet

// tracelet::current_span() and current_span_context(): forwarders to the innermost active span
// of the calling context (include/tracelet/current_span.h).
#include "tracelet/current_span.h"

#include "tracelet/internal/context_link.h"

namespace tracelet {

#if TRACELET_ENABLED

void CurrentSpan::set_attribute(std::string_view key, const AttributeValue& value) noexcept {
  if (Span* span = detail::active_span()) span->set_attribute(key, value);
}

void CurrentSpan::add_event(std::string_view name, std::initializer_list<Attribute> attributes) noexcept {
  if (Span* span = detail::active_span()) span->add_event(name, attributes.begin(), attributes.size());
}

void CurrentSpan::add_event(std::string_view name, const Attribute* attributes,
                            std::size_t count) noexcept {
  if (Span* span = detail::active_span()) span->add_event(name, attributes, count);
}

void CurrentSpan::set_status(StatusCode code, std::string_view message) noexcept {
  if (Span* span = detail::active_span()) span->set_status(code, message);
}

void CurrentSpan::record_error(std::string_view type, std::string_view message,
                               std::string_view stacktrace) noexcept {
  if (Span* span = detail::active_span()) span->record_error(type, message, stacktrace);
}

bool CurrentSpan::is_recording() const noexcept {
  const Span* span = detail::active_span();
  return span != nullptr && span->is_recording();
}

SpanContext CurrentSpan::context() const noexcept { return current_span_context(); }

SpanContext current_span_context() noexcept {
  const Span* span = detail::active_span();
  return span != nullptr ? span->context() : SpanContext{};
}

#else  // TRACELET_ENABLED == 0

SpanContext current_span_context() noexcept { return SpanContext{}; }

#endif

}  // namespace tracelet

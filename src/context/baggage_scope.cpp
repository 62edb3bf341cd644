// The current baggage of a thread or interrupt context: a link in the same per-context chain as
// the current span (include/tracelet/internal/context_link.h). See include/tracelet/baggage.h.
#include "tracelet/baggage.h"

#include "tracelet/port.h"

namespace tracelet {

BaggageScope::BaggageScope(const Baggage& baggage) noexcept {
  detail::ContextLink* top = detail::top_link();
  link_.previous = top;
  link_.span = top != nullptr ? top->span : nullptr;  // the current span stays current
  link_.baggage = &baggage;
  *port::current_span_slot() = &link_;
}

BaggageScope::~BaggageScope() { detail::close_link(link_); }

const Baggage* current_baggage() noexcept {
  const detail::ContextLink* top = detail::top_link();
  return top != nullptr ? top->baggage : nullptr;
}

}  // namespace tracelet

#pragma once
// Not part of the API: what the port's per-thread (per execution context) slot points to.
// It is in a header only because Span and BaggageScope hold a link by value.
//
// port::current_span_slot() gives one pointer per thread or interrupt context. Rather than
// ask every port for a second slot for the current baggage, the slot points to the newest
// ContextLink of that context. Every current Span and every BaggageScope owns one link; a link
// records both halves of the context (the current span and the current baggage) and the link
// that was current before it. Opening a span copies the baggage from the link below, opening a
// baggage scope copies the span, so both lookups are one load. Links are popped in reverse
// order of opening (stack objects), and a span ended out of order is skipped (see restore).
namespace tracelet {

class Span;
class Baggage;

namespace detail {

struct ContextLink {
  ContextLink* previous = nullptr;   // the link that was current before this one
  Span* span = nullptr;              // the current span while this link is on top
  const Baggage* baggage = nullptr;  // the current baggage while this link is on top
};

/// The calling context's newest link, or nullptr.
ContextLink* top_link() noexcept;
/// Closes `link` (a span's or a baggage scope's): if it is the calling context's newest link,
/// the link below it becomes newest, skipping links of spans that have already ended. If a
/// newer link is still open, `link` stays in the chain until the links above it close.
void close_link(const ContextLink& link) noexcept;
/// The innermost span of the calling context that has not ended, or nullptr. Always nullptr
/// when TRACELET_ENABLED is 0.
Span* active_span() noexcept;

}  // namespace detail
}  // namespace tracelet

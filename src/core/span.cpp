#include "tracelet/span.h"

#include <cstring>

#include "core/span_record.h"
#include "tracelet/fatal_error.h"
#include "tracelet/port.h"
#include "tracelet/tracer.h"

#if TRACELET_ENABLED

namespace tracelet {

Span::Span(Tracer& tracer, std::string_view name, const StartOptions& options) noexcept {
  void** slot = port::current_span_slot();
  detail::ContextLink* const top = static_cast<detail::ContextLink*>(*slot);
  const SpanContext* parent = options.parent;
  if (parent == nullptr && !options.new_trace) {
    const Span* current = active_span_in(top);
    if (current != nullptr) parent = &current->context_;
  }
  if (parent != nullptr && parent->is_valid()) {
    context_.trace_id = parent->trace_id;
    parent_span_id_ = parent->span_id;
    parent_is_remote_ = parent->is_remote;
    context_.span_id = tracer.new_span_id();
  } else {
    parent = nullptr;  // an invalid parent (e.g. a bad traceparent) starts a new trace
    tracer.new_root_ids(context_.trace_id, context_.span_id);
  }
  const SamplingDecision decision = tracer.decide(parent, context_.trace_id, name, options);
  // Children inherit this flag, so a trace is kept or dropped as a whole.
  context_.trace_flags = decision == SamplingDecision::kRecordAndSample ? kTraceFlagSampled : 0;
  recording_ = decision != SamplingDecision::kDrop;
  tracer_ = &tracer;
  kind_ = options.kind;
  if (!options.not_current) {
    // The current baggage stays current inside the span (see internal/context_link.h).
    link_.previous = top;
    link_.span = this;
    link_.baggage = top != nullptr ? top->baggage : nullptr;
    *slot = &link_;
    is_current_ = true;
  }
  if (recording_) {
    data_.start(name, tracer.limits_);
    for (std::size_t i = 0; i < options.attribute_count; ++i) {
      data_.set_attribute(options.attributes[i].key, options.attributes[i].value);
    }
    start_unix_ns_ = tracer.now_unix_ns();
  }
}

void Span::set_attribute(std::string_view key, const AttributeValue& value) noexcept {
  if (recording_) data_.set_attribute(key, value);
}

void Span::set_int_attribute(std::string_view key, std::int64_t value) noexcept {
  if (recording_) data_.set_int_attribute(key, value);
}

void Span::add_event(std::string_view name, std::initializer_list<Attribute> attributes) noexcept {
  add_event(name, attributes.begin(), attributes.size());
}

void Span::add_event(std::string_view name, const Attribute* attributes,
                     std::size_t count) noexcept {
  if (recording_) data_.add_event(name, tracer_->now_unix_ns(), attributes, count);
}

void Span::add_link(const SpanContext& context, std::initializer_list<Attribute> attributes) noexcept {
  if (recording_) data_.add_link(context, attributes.begin(), attributes.size());
}

void Span::set_status(StatusCode code, std::string_view message) noexcept {
  if (!recording_ || code == StatusCode::kUnset || status_ == StatusCode::kOk) return;
  status_ = code;
  if (code == StatusCode::kError && !message.empty()) data_.set_status_message(message);
}

void Span::record_error(std::string_view type, std::string_view message,
                        std::string_view stacktrace) noexcept {
  if (!recording_) return;
  const Attribute attributes[] = {
      {"exception.type", type},
      {"exception.message", message},
      {"exception.stacktrace", stacktrace},
  };
  data_.add_event("exception", tracer_->now_unix_ns(), attributes, stacktrace.empty() ? 2 : 3);
  set_status(StatusCode::kError, message);
}

void Span::end() noexcept {
  if (tracer_ == nullptr) return;
  // Record-only spans (sampled flag clear) served local decisions; only sampled ones are kept.
  if (recording_ && context_.is_sampled()) {
    detail::SpanRecordHead head;
    head.start_unix_ns = start_unix_ns_;
    head.end_unix_ns = tracer_->now_unix_ns();
    std::memcpy(head.trace_id, context_.trace_id.bytes, 16);
    std::memcpy(head.span_id, context_.span_id.bytes, 8);
    std::memcpy(head.parent_span_id, parent_span_id_.bytes, 8);
    const std::size_t data_len = data_.finish();
    head.data_len = static_cast<std::uint16_t>(data_len);
    head.dropped_attributes = data_.dropped_attributes;
    head.dropped_events = data_.dropped_events;
    head.kind = static_cast<std::uint8_t>(kind_);
    head.status = static_cast<std::uint8_t>(status_);
    head.trace_flags = context_.trace_flags;
    head.flags = parent_is_remote_ ? detail::kRecordFlagParentRemote : 0;
    head.attribute_count = data_.attribute_count;
    head.event_count = data_.event_count;
    head.link_count = data_.link_count;
    head.dropped_links = data_.dropped_links;
    (void)tracer_->ring_.push(&head, sizeof head, data_.bytes, data_len);
  }
  tracer_ = nullptr;
  recording_ = false;
  if (is_current_) {
    // Not on top (a newer span or baggage scope is still open): the link stays in the chain,
    // marked ended by tracer_ == nullptr, and is dropped when the links above it are gone.
    detail::close_link(link_);
    is_current_ = false;
  }
}

std::size_t fail_current_spans(std::string_view type, std::string_view message) noexcept {
  void** slot = port::current_span_slot();
  std::size_t ended = 0;
  // end() pops each span off the slot, so the next one is the enclosing span. Baggage scopes
  // in between are popped without ending anything.
  for (std::size_t guard = 0; *slot != nullptr && guard < 1024; ++guard) {
    detail::ContextLink* top = static_cast<detail::ContextLink*>(*slot);
    Span* span = top->span;
    if (span == nullptr || &span->link_ != top) {
      *slot = top->previous;  // a baggage scope's link
      continue;
    }
    span->record_error(type, message);
    span->end();
    if (*slot == top) *slot = top->previous;  // ended out of order before
    ++ended;
  }
  return ended;
}

// ---- context chain (include/tracelet/internal/context_link.h) -----------------------------

namespace detail {

ContextLink* top_link() noexcept { return static_cast<ContextLink*>(*port::current_span_slot()); }

void close_link(const ContextLink& closing) noexcept {
  void** slot = port::current_span_slot();
  if (*slot != &closing) return;
  // Skip links of spans ended out of order: their own link, with tracer_ cleared by end().
  // They are still alive here, as they were opened before the link being closed.
  ContextLink* link = closing.previous;
  for (std::size_t guard = 0; link != nullptr && guard < 1024; ++guard) {
    Span* span = link->span;
    if (span == nullptr || &span->link_ != link || span->tracer_ != nullptr) break;
    link = link->previous;
  }
  *slot = link;
}

Span* active_span() noexcept { return Span::active_span_in(top_link()); }

}  // namespace detail

Span* Span::active_span_in(const detail::ContextLink* link) noexcept {
  // A baggage scope's link names the span current when it opened; if that span has ended
  // meanwhile, its parent (further down) is the active one.
  for (std::size_t guard = 0; link != nullptr && guard < 1024; ++guard) {
    Span* span = link->span;
    if (span == nullptr) return nullptr;
    if (span->tracer_ != nullptr) return span;
    link = &span->link_ == link ? link->previous : &span->link_;
  }
  return nullptr;
}

}  // namespace tracelet

#else  // TRACELET_ENABLED == 0

namespace tracelet {
std::size_t fail_current_spans(std::string_view, std::string_view) noexcept { return 0; }

// Spans never join the chain in this build; baggage scopes still do.
namespace detail {
ContextLink* top_link() noexcept { return static_cast<ContextLink*>(*port::current_span_slot()); }
void close_link(const ContextLink& closing) noexcept {
  void** slot = port::current_span_slot();
  if (*slot == &closing) *slot = closing.previous;
}
Span* active_span() noexcept { return nullptr; }
}  // namespace detail
}  // namespace tracelet

#endif  // TRACELET_ENABLED

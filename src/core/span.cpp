#include "tracelet/span.h"

#include <cstddef>
#include <cstring>
#include <type_traits>

#include "core/id_words.h"
#include "core/span_record.h"
#include "core/word_block.h"
#include "tracelet/fatal_error.h"
#include "tracelet/port.h"
#include "tracelet/tracer.h"

#if TRACELET_ENABLED

namespace tracelet {

namespace {

std::uint32_t load_word(const std::uint8_t* at) noexcept {
  std::uint32_t word;
  std::memcpy(&word, at, 4);
  return word;
}

// SpanContext::is_valid() word by word: on a small core the byte loops are 24 steps.
bool has_valid_ids(const SpanContext& context) noexcept {
  const std::uint8_t* t = context.trace_id.bytes;
  const std::uint8_t* s = context.span_id.bytes;
  return (load_word(t) | load_word(t + 4) | load_word(t + 8) | load_word(t + 12)) != 0 &&
         (load_word(s) | load_word(s + 4)) != 0;
}

}  // namespace

// Inline into Tracer::start_span below, its only caller.
[[gnu::always_inline]] inline Span::Origin Span::find_origin(const StartOptions& options) noexcept {
  Origin origin;
  origin.slot = port::current_span_slot();
  origin.top = static_cast<detail::ContextLink*>(*origin.slot);
  const SpanContext* parent = options.parent;
  if (parent == nullptr && !options.new_trace && origin.top != nullptr) {
    const Span* current = active_span_in(origin.top);
    if (current != nullptr) parent = &current->context_;
  }
  // An invalid parent (e.g. a bad traceparent) starts a new trace.
  origin.parent = parent != nullptr && has_valid_ids(*parent) ? parent : nullptr;
  return origin;
}

template <typename IdState>
[[gnu::always_inline]] inline void Span::draw_ids(Tracer& tracer, IdState& ids,
                                                  const SpanContext* parent) noexcept {
  if constexpr (std::is_same_v<IdState, detail::WordIdState>) {
    auto* bytes = reinterpret_cast<std::uint8_t*>(&context_);
    const bool root = parent == nullptr;
    if (!root) detail::copy_block<16>(bytes, parent->trace_id.bytes);
    detail::xorshift128_span_ids_masked(ids.s, bytes, root);
    if (root && tracer.xray_trace_ids_) tracer.stamp_xray_time(context_.trace_id.bytes);
  } else {
    (void)ids;
    tracer.draw_context_ids(parent, context_);
  }
}

Span Span::not_recording() noexcept { return Span(); }

// Here rather than in tracer.cpp: the span is built right here (the constructor and
// find_origin() inline into it), the one call on the way to a started span.
Span Tracer::start_span(std::string_view name, const StartOptions& options) noexcept {
  if (!enabled()) return Span::not_recording();
  return Span(*this, name, options, Span::find_origin(options));
}

// The ids are drawn straight into context_, which starts as a copy of kNoContext (two
// load/store-multiple pairs; see Span()). The link is filled whether or not the span becomes
// current (it is only published then): one set of stores instead of zeroing it.
[[gnu::always_inline]] inline Span::Span(Tracer& tracer, std::string_view name,
                                        const StartOptions& options, const Origin& origin) noexcept
    : tracer_(&tracer),
      link_{origin.top, this, origin.top != nullptr ? origin.top->baggage : nullptr},
      context_(kNoContext),
      parent_span_id_(origin.parent != nullptr ? origin.parent->span_id : SpanId{}) {
  const SpanContext* const parent = origin.parent;
  draw_ids(tracer, tracer.id_state_, parent);
  const SamplingDecision decision =
      tracer.decide(parent, context_.trace_id, name.data(), name.size(), options);
  // Children inherit this flag, so a trace is kept or dropped as a whole.
  context_.trace_flags = decision == SamplingDecision::kRecordAndSample ? kTraceFlagSampled : 0;
  recording_ = decision != SamplingDecision::kDrop;
  if (!options.not_current) {
    // The current baggage stays current inside the span (see internal/context_link.h).
    *origin.slot = &link_;
    is_current_ = true;
  }
  if (recording_) {
    data_.start(name.data(), name.size(), tracer.limits_, static_cast<std::uint8_t>(options.kind),
                context_.trace_flags,
                parent != nullptr && parent->is_remote ? detail::kRecordFlagParentRemote : 0);
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
  if (!recording_ || code == StatusCode::kUnset ||
      data_.status == static_cast<std::uint8_t>(StatusCode::kOk)) {
    return;
  }
  data_.status = static_cast<std::uint8_t>(code);
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

namespace {

template <typename T>
void put(std::uint8_t* out, std::size_t at, const T& value) noexcept {
  std::memcpy(out + at, &value, sizeof value);
}

}  // namespace

// Writes the record straight into the ring, field by field, in SpanRecordHead's layout (the
// reader copies the head out with one memcpy): no head assembled on the stack and copied
// again, and no byte-wise library copy on a small core. Both sides are word-aligned, so the
// fixed-size copies below are inlined as a few load/store-multiple instructions.
[[gnu::always_inline]] inline void Span::write_record(std::uint64_t end_unix_ns) noexcept {
  using detail::SpanRecordHead;
  static_assert(offsetof(SpanContext, span_id) ==
                    offsetof(SpanRecordHead, span_id) - offsetof(SpanRecordHead, trace_id),
                "the record's ids are the context's first 24 bytes");
  const std::size_t data_len = data_.finish();  // also zeroes the last word's spare bytes
  auto* out = static_cast<std::uint8_t*>(
      __builtin_assume_aligned(tracer_->ring_.begin_push(sizeof(SpanRecordHead) + data_len), 4));
  if (out == nullptr) return;  // dropped, and counted by the ring
  detail::copy_block<8>(out + offsetof(SpanRecordHead, start_unix_ns), &start_unix_ns_);
  put(out, offsetof(SpanRecordHead, end_unix_ns), end_unix_ns);
  detail::copy_block<24>(out + offsetof(SpanRecordHead, trace_id), &context_);
  detail::copy_block<8>(out + offsetof(SpanRecordHead, parent_span_id), &parent_span_id_);
  // data_len to dropped_links (and the two padding bytes after them): see SpanData.
  detail::copy_block<16>(out + offsetof(SpanRecordHead, data_len), &data_.used);
  // Whole words: the record's room in the ring and SpanData::bytes are both whole words, and
  // finish() zeroed the bytes after the data in the last word.
  // At least one word (the name's length byte).
  detail::copy_words(out + sizeof(SpanRecordHead), data_.bytes, (data_len + 3) / 4);
  Ring::end_push(out);
}

// Inline into end(), which every span takes, and close_link().
[[gnu::always_inline]] inline void Span::pop_link(void** slot,
                                                  const detail::ContextLink& closing) noexcept {
  if (*slot != &closing) return;
  // Skip links of spans ended out of order: their own link, with tracer_ cleared by end().
  // They are still alive here, as they were opened before the link being closed.
  detail::ContextLink* link = closing.previous;
  for (std::size_t guard = 0; link != nullptr && guard < 1024; ++guard) {
    Span* span = link->span;
    if (span == nullptr || &span->link_ != link || span->tracer_ != nullptr) break;
    link = link->previous;
  }
  *slot = link;
}

void Span::end() noexcept {
  if (tracer_ == nullptr) return;
  // Record-only spans (sampled flag clear) served local decisions; only sampled ones are kept.
  // A sampled span is a recording one (the constructor sets both from one decision, and only
  // the end of the span clears recording_), so the flag alone decides.
  if (context_.is_sampled()) {
    write_record(tracer_->now_unix_ns());
  }
  tracer_ = nullptr;
  recording_ = false;
  if (is_current_) {
    // Not on top (a newer span or baggage scope is still open): the link stays in the chain,
    // marked ended by tracer_ == nullptr, and is dropped when the links above it are gone.
    // (is_current_ stays set: end() does nothing more once tracer_ is cleared.)
    pop_link(port::current_span_slot(), link_);
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
  Span::pop_link(port::current_span_slot(), closing);
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
Span Tracer::start_span(std::string_view, const StartOptions&) noexcept { return Span(); }
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

#pragma once
// The current span for code deep in a call chain, as OpenTelemetry's
// `trace.get_current_span().set_attribute(...)`: the innermost span started (and not yet
// ended) on the calling thread, or on bare metal the calling execution context (thread mode,
// or one interrupt priority level), as tracked through port::current_span_slot().
#include <cstddef>
#include <initializer_list>
#include <string_view>

#include "tracelet/attribute.h"
#include "tracelet/config.h"
#include "tracelet/ids.h"
#include "tracelet/span.h"

namespace tracelet {

/// A handle on "whatever span is current here". It names no span itself: every call looks up
/// the innermost active span of the calling thread or interrupt context at that moment and
/// forwards to the same Span method, so a handle can never dangle, and one kept across a
/// child span acts on the child while it is open. With no current span, with the tracer
/// disabled or the span sampled out, or with TRACELET_ENABLED=0, every call does nothing
/// (arguments are still evaluated). A span started with StartOptions::not_current is never
/// the current span.
/// ISR-safe: yes, as the Span methods (each call touches only the calling context's spans).
/// Blocks: never. Allocates: never. Limits and drop counting are the Span methods'.
class CurrentSpan {
 public:
  constexpr CurrentSpan() noexcept {}

#if TRACELET_ENABLED
  /// Span::set_attribute on the current span.
  void set_attribute(std::string_view key, const AttributeValue& value) noexcept;
  /// Span::add_event on the current span.
  void add_event(std::string_view name, std::initializer_list<Attribute> attributes = {}) noexcept;
  void add_event(std::string_view name, const Attribute* attributes, std::size_t count) noexcept;
  /// Span::set_status on the current span.
  void set_status(StatusCode code, std::string_view message = {}) noexcept;
  /// Span::record_error on the current span.
  void record_error(std::string_view type, std::string_view message,
                    std::string_view stacktrace = {}) noexcept;
  /// True when there is a current span and it records.
  bool is_recording() const noexcept;
  /// Ids of the current span; an invalid (all-zero) context when there is none.
  SpanContext context() const noexcept;
#else
  void set_attribute(std::string_view, const AttributeValue&) noexcept {}
  void add_event(std::string_view, std::initializer_list<Attribute> = {}) noexcept {}
  void add_event(std::string_view, const Attribute*, std::size_t) noexcept {}
  void set_status(StatusCode, std::string_view = {}) noexcept {}
  void record_error(std::string_view, std::string_view, std::string_view = {}) noexcept {}
  bool is_recording() const noexcept { return false; }
  SpanContext context() const noexcept { return SpanContext{}; }
#endif
};

/// The current span of the calling thread or interrupt context, for deep code:
///   tracelet::current_span().set_attribute("retry.count", retries);
/// See CurrentSpan for what each call does when there is none.
constexpr CurrentSpan current_span() noexcept { return CurrentSpan{}; }

/// Context of the calling thread's (or execution context's) current span; an invalid
/// (all-zero) context if none, and always with TRACELET_ENABLED=0. For a child started
/// elsewhere (StartOptions::parent) or for propagation. ISR-safe, never allocates.
SpanContext current_span_context() noexcept;

}  // namespace tracelet

#pragma once
#include <cstdint>
#include <initializer_list>
#include <string_view>
#include <type_traits>

#include "tracelet/attribute.h"
#include "tracelet/config.h"
#include "tracelet/ids.h"
#include "tracelet/internal/context_link.h"
#include "tracelet/internal/span_data.h"

namespace tracelet {

class Tracer;

/// OTLP span kinds (same numbers as OTLP's Span.SpanKind).
enum class SpanKind : std::uint8_t {
  kInternal = 1,
  kServer = 2,
  kClient = 3,
  kProducer = 4,
  kConsumer = 5,
};

/// OTLP status codes (same numbers as OTLP's Status.StatusCode).
enum class StatusCode : std::uint8_t { kUnset = 0, kOk = 1, kError = 2 };

/// How a span starts. Zero-initialised = an internal span, child of the current span.
struct StartOptions {
  SpanKind kind = SpanKind::kInternal;
  /// Explicit parent (local, or remote from an incoming traceparent); copied at start.
  /// nullptr = the calling thread's current span, if any.
  const SpanContext* parent = nullptr;
  bool new_trace = false;     // ignore the current span: start a new trace
  bool not_current = false;   // do not become the current span (for spans ended elsewhere)
  /// Attributes known at start (e.g. http.request.method): samplers see them, and the span
  /// gets them as if set_attribute() were called. Read during start_span only.
  const Attribute* attributes = nullptr;
  std::size_t attribute_count = 0;
};

#if TRACELET_ENABLED

/// A span being recorded. Ends when it goes out of scope or on end(); then it is one record
/// in the tracer's ring. Not copyable or movable: it may be the thread's current span, which
/// is tracked by address. All methods are noexcept, never allocate, and return nothing:
/// limits are applied and counted in the span's dropped counts.
/// Every method: ISR-safe: yes (MCU ports; not from POSIX signal handlers). Blocks: never
/// (end() takes the port's critical section for a few stores). Allocates: never.
/// One Span is used by one thread or context at a time; it lives on the caller's stack
/// (sizeof includes TRACELET_SPAN_DATA_BYTES of attribute/event space).
class Span {
 public:
  /// A span that records nothing (what start_span returns when tracing is off or unsampled).
  /// (Its context is copied from a zero constant: value-initialising it becomes a call to a
  /// byte-wise memset on a small core.)
  Span() noexcept : context_(kNoContext) {}
  ~Span() { end(); }
  Span(const Span&) = delete;
  Span& operator=(const Span&) = delete;

  /// Sets or replaces the attribute `key`. Keys and string values longer than
  /// TRACELET_MAX_STRING_BYTES (or the tracer's SpanLimits::value_bytes) are cut; past
  /// TRACELET_MAX_ATTRIBUTES (or SpanLimits::attributes) it is dropped and counted.
  void set_attribute(std::string_view key, const AttributeValue& value) noexcept;
  /// The same for an integer value (not bool), the most common attribute: appended in one go
  /// when the key needs no cut and is new, without building an AttributeValue.
  template <class T, std::enable_if_t<std::is_integral_v<T> && !std::is_same_v<T, bool>, int> = 0>
  void set_attribute(std::string_view key, T value) noexcept {
    set_int_attribute(key, static_cast<std::int64_t>(value));
  }
  /// Sets `key` to an array of `count` elements (OTLP ArrayValue): T is bool, an integer (not
  /// char), float/double, or anything convertible to std::string_view. Copied now, never
  /// allocates. Past TRACELET_MAX_ARRAY_ELEMENTS the extra elements are cut (kept: the first
  /// ones); string elements are cut like string values. If the array does not fit the span's
  /// data bytes the attribute is dropped and counted, like any other attribute.
  template <class T>
  void set_attribute(std::string_view key, const T* values, std::size_t count) noexcept {
    set_attribute(key, AttributeValue::array(values, count));
  }
  /// The same for a braced list: set_attribute("k", {1, 2, 3}), ({"a", "b"}), ({0.5, 1.5}).
  template <class T>
  void set_attribute(std::string_view key, std::initializer_list<T> values) noexcept {
    set_attribute(key, AttributeValue::array(values.begin(), values.size()));
  }
  /// Adds a timestamped event. Past TRACELET_MAX_EVENTS, or when the span's data bytes are
  /// used up, the event is dropped and counted in dropped_events_count. String values of its
  /// attributes may be up to TRACELET_MAX_EVENT_STRING_BYTES long; one that does not fit in
  /// the bytes left is cut to fit (if at least 32 bytes of it do) rather than dropped.
  void add_event(std::string_view name, std::initializer_list<Attribute> attributes = {}) noexcept;
  void add_event(std::string_view name, const Attribute* attributes, std::size_t count) noexcept;
  /// Links this span to another span (e.g. a batch upload to the spans whose data it
  /// carries). Invalid contexts, and links past TRACELET_MAX_LINKS, are dropped and counted
  /// in dropped_links_count.
  void add_link(const SpanContext& context, std::initializer_list<Attribute> attributes = {}) noexcept;
  /// OTLP status rules: kOk is final; kUnset is ignored; the message is kept only with kError.
  /// The message has room reserved in every span (TRACELET_MAX_STATUS_MESSAGE_BYTES, cut at a
  /// UTF-8 boundary): it survives however full the span's data bytes are.
  void set_status(StatusCode code, std::string_view message = {}) noexcept;
  /// Records an `exception` event (exception.type, exception.message and, if given,
  /// exception.stacktrace, as in OpenTelemetry's semantic conventions) and sets the status to
  /// kError with `message`. Values are kept up to TRACELET_MAX_EVENT_STRING_BYTES; a stack
  /// trace that does not fit in the span's data bytes left is cut to its first frames.
  void record_error(std::string_view type, std::string_view message,
                    std::string_view stacktrace = {}) noexcept;
  /// Ends the span and writes it to the ring. Later calls on this span do nothing.
  void end() noexcept;

  bool is_recording() const noexcept { return recording_; }
  /// Ids of this span, valid also for a non-recording span that was sampled out.
  const SpanContext& context() const noexcept { return context_; }

 private:
  friend class Tracer;
  static constexpr SpanContext kNoContext{};
  friend std::size_t fail_current_spans(std::string_view, std::string_view) noexcept;
  friend void detail::close_link(const detail::ContextLink&) noexcept;
  friend Span* detail::active_span() noexcept;
  /// Where a new span goes: its context's slot, the newest link there, and its parent
  /// (nullptr: a new trace).
  struct Origin {
    void** slot;
    detail::ContextLink* top;
    const SpanContext* parent;
  };
  static Origin find_origin(const StartOptions& options) noexcept;
  /// Fills context_'s ids: Tracer::draw_context_ids, drawn inline where the tracer has the
  /// 32-bit generator (every span on a small core starts here).
  template <typename IdState>
  void draw_ids(Tracer& tracer, IdState& ids, const SpanContext* parent) noexcept;
  /// Starts a span (Tracer::start_span): `origin` from find_origin(options).
  Span(Tracer& tracer, std::string_view name, const StartOptions& options, const Origin& origin) noexcept;
  void set_int_attribute(std::string_view key, std::int64_t value) noexcept;
  /// end() of a sampled span: writes its record into the tracer's ring.
  void write_record(std::uint64_t end_unix_ns) noexcept;
  /// detail::close_link() in the context whose slot is `slot`.
  static void pop_link(void** slot, const detail::ContextLink& closing) noexcept;
  /// The innermost span not yet ended, from `link` down the chain; nullptr if none.
  static Span* active_span_in(const detail::ContextLink* link) noexcept;
  /// Span() out of line, for Tracer::start_span when tracing is off: building it inline
  /// there ties up registers and stack in the path of every recording span.
  [[gnu::noinline]] static Span not_recording() noexcept;

  // Ordered so the ids start word-aligned: zeroing them is then a few word stores, not a
  // memset call (a byte loop on newlib-nano).
  Tracer* tracer_ = nullptr;         // set while started and not yet ended
  detail::ContextLink link_{};       // this span's place in the thread's context chain
  std::uint64_t start_unix_ns_;      // set when a recording span starts; read only then
  SpanContext context_{};
  SpanId parent_span_id_{};
  bool is_current_ = false;
  bool recording_ = false;           // false when sampled out: no data kept, no record written
  detail::SpanData data_;
};

#else  // TRACELET_ENABLED == 0: the same API, and every call inlines to nothing.

class Span {
 public:
  Span() noexcept {}
  Span(const Span&) = delete;
  Span& operator=(const Span&) = delete;
  void set_attribute(std::string_view, const AttributeValue&) noexcept {}
  template <class T, std::enable_if_t<std::is_integral_v<T> && !std::is_same_v<T, bool>, int> = 0>
  void set_attribute(std::string_view, T) noexcept {}
  template <class T>
  void set_attribute(std::string_view, const T*, std::size_t) noexcept {}
  template <class T>
  void set_attribute(std::string_view, std::initializer_list<T>) noexcept {}
  void add_event(std::string_view, std::initializer_list<Attribute> = {}) noexcept {}
  void add_event(std::string_view, const Attribute*, std::size_t) noexcept {}
  void add_link(const SpanContext&, std::initializer_list<Attribute> = {}) noexcept {}
  void set_status(StatusCode, std::string_view = {}) noexcept {}
  void record_error(std::string_view, std::string_view, std::string_view = {}) noexcept {}
  void end() noexcept {}
  bool is_recording() const noexcept { return false; }
  const SpanContext& context() const noexcept { return context_; }

 private:
  SpanContext context_{};
};

#endif

}  // namespace tracelet
